/**
 * What runs on this machine, read from /proc: the processes a process started (and theirs), and
 * whether a process still lives — to check that a stopped command leaves no child behind.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may hold spaces: the fields after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/** Every live descendant of `pid` (children, grandchildren…), by pid. */
export function descendants(pid: number): number[] {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is ProcStat => s !== null && s.state !== 'Z');
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const s of stats)
      if (s.ppid === parent) {
        found.push(s.pid);
        frontier.push(s.pid);
      }
  }
  return found;
}

/** Whether a process lives (a zombie, dead but not reaped yet, does not count). */
export function alive(pid: number): boolean {
  const s = readStat(pid);
  return s !== null && s.state !== 'Z';
}

/** CPU time a process has used so far (user + system), ms; 0 when it is gone. */
export function cpuTimeMs(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The command line of a process ('' when it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Waits until none of `pids` lives, at most `timeoutMs`; returns those still alive. */
export async function waitGone(pids: readonly number[], timeoutMs = 2000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
