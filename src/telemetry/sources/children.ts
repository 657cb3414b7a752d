/** CPU time of helper processes we spawned (telemetry tools, ffmpeg), so their cost can be reported. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CLOCK_TICKS_PER_SECOND, parseProcPidStat } from '../parse/proc.js';
import { readText } from '../sysfs.js';

/**
 * CPU time of a live child process in ms, from the real /proc; null if unreadable. The sum of its
 * threads' `schedstat` (nanoseconds) where the kernel has it, else utime+stime from `stat` (clock
 * ticks, usually 10 ms: too coarse to split per frame).
 */
export function childCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const precise = schedstatCpuMs(pid);
  if (precise !== null) return precise;
  const text = readText(`/proc/${pid}/stat`);
  const stat = text === null ? null : parseProcPidStat(text);
  return stat ? ((stat.utimeTicks + stat.stimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND : null;
}

function schedstatCpuMs(pid: number): number | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let ns = 0;
  let read = 0;
  for (const task of tasks) {
    // A thread that ended between the listing and the read took its time with it: a lower bound still.
    const text = readText(`/proc/${pid}/task/${task}/schedstat`);
    if (text === null) continue;
    const onCpu = Number(text.trim().split(/\s+/)[0]);
    if (!Number.isFinite(onCpu)) return null;
    ns += onCpu;
    read++;
  }
  return read > 0 ? ns / 1e6 : null;
}

/**
 * CPU time of this process's ended (reaped) children, ms, from /proc/self/stat; null off Linux. The
 * difference across a child's life is its whole CPU time, up to its exit (clock-tick resolution).
 */
export function reapedChildrenCpuMs(): number | null {
  const text = readText('/proc/self/stat');
  const stat = text === null ? null : parseProcPidStat(text);
  if (!stat || !Number.isFinite(stat.cutimeTicks) || !Number.isFinite(stat.cstimeTicks)) return null;
  return ((stat.cutimeTicks + stat.cstimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Starts a long-lived sampling helper that prints one reading a line: each line goes to `onLine`. A
 * helper that dies leaves the latest reading in place; summaries see the gap in time.
 */
export function startHelper(command: string, args: string[], onLine: (line: string) => void): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  child.on('error', () => {
    // the latest reading stays; the missing ones show as a gap
  });
  createInterface({ input: child.stdout! }).on('line', onLine);
  return child;
}

/**
 * Stops a long-lived sampling helper (nvidia-smi's loop, tegrastats): its CPU time is read while it
 * still runs, then it is sent SIGTERM. No helper: no time.
 */
export function stopHelper(child: ChildProcess | null): { childCpuMs: number | null } {
  if (!child) return { childCpuMs: null };
  const cpuMs = childCpuMs(child.pid);
  child.kill('SIGTERM');
  return { childCpuMs: cpuMs };
}
