/**
 * Checks before a run, each returning a sentence a user can act on: a CPU governor other than
 * `performance`, a Jetson below its maximum power mode or with unlocked clocks, and other
 * processes keeping a CPU busy (sampled from /proc for ~200 ms).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseProcPidStat } from './parse/proc.js';
import { listCpus, readCpuFreqInfo } from './sources/cpufreq.js';
import { isJetson, readJetsonClocks, readJetsonPowerMode } from './sources/jetson.js';
import { listDir, readText, under } from './sysfs.js';

export interface PreRunOptions {
  /** Root for /proc, /sys and /etc. Default '/'. */
  root?: string;
  /** How long to watch other processes, ms. Default 200. */
  sampleMs?: number;
  /** A process using more than this share of one core, %, is named. Default 10. */
  busyThresholdPct?: number;
  /** Processes that belong to the run (this process is always left out). */
  ignorePids?: readonly number[];
  /** nvpmodel executable (name on PATH or path). Default 'nvpmodel'. */
  nvpmodel?: string;
}

export interface ProcessTicks {
  pid: number;
  comm: string;
  ticks: number;
}

/** utime+stime of every process under root/proc. */
export function scanProcesses(root: string): Map<number, ProcessTicks> {
  const out = new Map<number, ProcessTicks>();
  const procDir = under(root, '/proc');
  for (const name of listDir(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    const text = readText(`${procDir}/${name}/stat`);
    const stat = text === null ? null : parseProcPidStat(text);
    if (stat) out.set(stat.pid, { pid: stat.pid, comm: stat.comm, ticks: stat.utimeTicks + stat.stimeTicks });
  }
  return out;
}

/** Processes that used more than thresholdPct of one core between two scans, busiest first. */
export function findBusyProcesses(
  before: ReadonlyMap<number, ProcessTicks>,
  after: ReadonlyMap<number, ProcessTicks>,
  elapsedMs: number,
  thresholdPct: number,
  ignore: ReadonlySet<number> = new Set(),
  ticksPerSecond = 100,
): Array<{ pid: number; comm: string; pctOfCore: number }> {
  const busy: Array<{ pid: number; comm: string; pctOfCore: number }> = [];
  if (elapsedMs <= 0) return busy;
  for (const [pid, now] of after) {
    const then = before.get(pid);
    if (!then || ignore.has(pid)) continue;
    const pctOfCore = (((now.ticks - then.ticks) * 1000) / ticksPerSecond / elapsedMs) * 100;
    if (pctOfCore > thresholdPct) busy.push({ pid, comm: now.comm, pctOfCore });
  }
  return busy.sort((a, b) => b.pctOfCore - a.pctOfCore);
}

/** `0-3,6` from [0,1,2,3,6]. */
function cpuRanges(cpus: readonly number[]): string {
  const sorted = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j;
  }
  return parts.join(',');
}

/** Governor warnings: one line per governor other than `performance`. */
export function governorWarnings(root: string): string[] {
  const info = readCpuFreqInfo(root, listCpus(root).withCpufreq);
  const byGovernor = new Map<string, number[]>();
  for (const cpu of info.cpus) {
    if (cpu.governor === null || cpu.governor === 'performance') continue;
    byGovernor.set(cpu.governor, [...(byGovernor.get(cpu.governor) ?? []), cpu.cpu]);
  }
  return [...byGovernor].map(
    ([governor, cpus]) =>
      `CPU frequency governor is '${governor}' on CPU ${cpuRanges(cpus)}, not 'performance': clocks follow the load, ` +
      'so latencies vary; for stable numbers run `sudo cpupower frequency-set -g performance`',
  );
}

/** Jetson power-mode and clock warnings (none on other machines). */
export async function jetsonWarnings(root: string, nvpmodel = 'nvpmodel'): Promise<string[]> {
  if (!isJetson(root)) return [];
  const warnings: string[] = [];
  const mode = await readJetsonPowerMode(root, nvpmodel);
  if (mode.isMax === false) {
    warnings.push(
      `Jetson power mode is ${mode.name ?? '?'} (mode ${mode.id}), not the maximum ${mode.maxName} (mode ${mode.maxId}): ` +
        `results will be slower than the board can do; run \`sudo nvpmodel -m ${mode.maxId}\``,
    );
  } else if (mode.id === null) {
    warnings.push(
      'Jetson power mode is unknown (nvpmodel -q and /var/lib/nvpmodel/status unreadable): record it by hand',
    );
  }
  const clocks = readJetsonClocks(root);
  if (clocks.locked === false) {
    warnings.push(
      `Jetson clocks are not locked (${clocks.detail}): run \`sudo jetson_clocks\` for steady clocks`,
    );
  }
  return warnings;
}

/** All pre-run warnings, as sentences (empty when everything looks right). */
export async function preRunChecks(options: PreRunOptions = {}): Promise<string[]> {
  const root = options.root ?? '/';
  const sampleMs = options.sampleMs ?? 200;
  const threshold = options.busyThresholdPct ?? 10;
  const warnings = [...governorWarnings(root), ...(await jetsonWarnings(root, options.nvpmodel))];

  const ignore = new Set<number>([process.pid, ...(options.ignorePids ?? [])]);
  const before = scanProcesses(root);
  if (before.size > 0) {
    const started = performance.now();
    await sleep(sampleMs);
    const after = scanProcesses(root);
    const busy = findBusyProcesses(before, after, performance.now() - started, threshold, ignore);
    if (busy.length > 0) {
      const list = busy
        .slice(0, 5)
        .map((p) => `${p.comm} (pid ${p.pid}, ${Math.round(p.pctOfCore)}% of a core)`)
        .join(', ');
      const more = busy.length > 5 ? ` and ${busy.length - 5} more` : '';
      warnings.push(`other processes are busy: ${list}${more}; they compete with the benchmark for CPU time`);
    }
  }
  return warnings;
}
