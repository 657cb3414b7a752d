/** Pure parsers for /proc/stat, /proc/PID/stat and /proc/PID/status. */

/** USER_HZ: the unit of /proc tick counters. It is 100 on every Linux ABI edgebench targets. */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuTicks {
  /** Ticks not spent idle (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** All ticks (guest time is already inside user/nice, so it is not added twice). */
  total: number;
}

export interface ProcStat {
  /** The aggregate `cpu` line. */
  all: CpuTicks;
  /** One entry per `cpuN` line, by N. */
  cpus: Array<CpuTicks & { cpu: number }>;
}

function ticksOf(fields: number[]): CpuTicks {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const idleAll = idle + iowait;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idleAll };
}

/** The aggregate `cpu` line of /proc/stat alone (the sampler's hot path); null if the text does not start with it. */
export function parseProcStatAggregate(text: string): CpuTicks | null {
  const end = text.indexOf('\n');
  const match = /^cpu\s+(.*)$/.exec(end < 0 ? text : text.slice(0, end));
  if (!match) return null;
  const fields = match[1].trim().split(/\s+/).map(Number);
  return fields.some((value) => !Number.isFinite(value)) ? null : ticksOf(fields);
}

/** Parses /proc/stat; returns null if it has no aggregate `cpu` line. */
export function parseProcStat(text: string): ProcStat | null {
  let all: CpuTicks | null = null;
  const cpus: ProcStat['cpus'] = [];
  for (const line of text.split('\n')) {
    const match = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!match) continue;
    const fields = match[2].trim().split(/\s+/).map(Number);
    if (fields.some((value) => !Number.isFinite(value))) continue;
    const ticks = ticksOf(fields);
    if (match[1] === '') all = ticks;
    else cpus.push({ cpu: Number(match[1]), ...ticks });
  }
  return all === null ? null : { all, cpus };
}

export interface ProcPidStat {
  pid: number;
  /** The command name (comm), which may itself contain spaces and parentheses. */
  comm: string;
  state: string;
  ppid: number;
  utimeTicks: number;
  stimeTicks: number;
  /** CPU time of its children that have ended and been waited for (proc(5) cutime, cstime). */
  cutimeTicks: number;
  cstimeTicks: number;
  /** Process start, ticks after boot. */
  startTimeTicks: number;
  rssPages: number;
}

/** Parses /proc/PID/stat (or /proc/PID/task/TID/stat); null if the line is malformed. */
export function parseProcPidStat(text: string): ProcPidStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // Fields after the comm, numbered from 3 (state) as in proc(5).
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const parsed: ProcPidStat = {
    pid,
    comm,
    state: rest[0] ?? '?',
    ppid: field(4),
    utimeTicks: field(14),
    stimeTicks: field(15),
    cutimeTicks: field(16),
    cstimeTicks: field(17),
    startTimeTicks: field(22),
    rssPages: field(24),
  };
  if (!Number.isFinite(pid) || !Number.isFinite(parsed.utimeTicks) || !Number.isFinite(parsed.stimeTicks)) {
    return null;
  }
  return parsed;
}

export interface ProcPidStatus {
  name: string | null;
  vmRssKb: number | null;
  vmHwmKb: number | null;
  threads: number | null;
}

const VM_RSS = /^VmRSS:\s*(\d+)\s*kB/m;
const VM_HWM = /^VmHWM:\s*(\d+)\s*kB/m;

function statusKb(text: string, pattern: RegExp): number | null {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : null;
}

/** Parses /proc/PID/status (the `Key:\tvalue kB` lines that matter for memory). */
export function parseProcStatus(text: string): ProcPidStatus {
  const name = /^Name:\s*(.*)$/m.exec(text);
  const threads = /^Threads:\s*(\d+)/m.exec(text);
  return {
    name: name ? name[1].trim() : null,
    vmRssKb: statusKb(text, VM_RSS),
    vmHwmKb: statusKb(text, VM_HWM),
    threads: threads ? Number(threads[1]) : null,
  };
}
