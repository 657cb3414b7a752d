/** CPU time of helper processes we spawned, so the sampler's full cost can be reported. */
import { CLOCK_TICKS_PER_SECOND, parseProcPidStat } from '../parse/proc.js';
import { readText } from '../sysfs.js';

/** utime+stime of a live child process in ms, from the real /proc; null if unreadable. */
export function childCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const text = readText(`/proc/${pid}/stat`);
  const stat = text === null ? null : parseProcPidStat(text);
  return stat ? ((stat.utimeTicks + stat.stimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND : null;
}
