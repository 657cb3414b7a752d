/**
 * onnxruntime profiler traces (Chrome trace JSON) reduced to what users read: the steady state only.
 * onnxruntime-node profiles from session creation, so the runs before steady state (first inference and
 * warm-up) are cut out here by counting its `model_run` events.
 */
import { readFile } from 'node:fs/promises';

export interface ProfileEntry {
  name: string;
  opType: string;
  totalMs: number;
  calls: number;
  /** Share of all node time in steady state, 0..1. */
  fraction: number;
}

export interface ProfileSummary {
  traceFile: string;
  steadyStateRuns: number;
  topOps: ProfileEntry[];
  topOpTypes: ProfileEntry[];
}

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string; provider?: string };
}

const KERNEL_SUFFIX = '_kernel_time';

export function summarizeProfile(
  events: readonly TraceEvent[],
  runsToSkip: number,
  traceFile: string,
  top = 10,
): ProfileSummary {
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number')
    .sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  const steady = runs.slice(runsToSkip);
  const windows = steady.map((r) => [r.ts ?? 0, (r.ts ?? 0) + (r.dur ?? 0)] as const);
  const inSteadyState = (ts: number): boolean => {
    // windows are sorted: binary search for the last window starting at or before ts.
    let lo = 0;
    let hi = windows.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (windows[mid][0] <= ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && ts <= windows[found][1];
  };
  const byName = new Map<string, { opType: string; totalUs: number; calls: number }>();
  let totalUs = 0;
  for (const event of events) {
    if (event.cat !== 'Node' || !event.name?.endsWith(KERNEL_SUFFIX) || typeof event.ts !== 'number')
      continue;
    if (!inSteadyState(event.ts)) continue;
    const name = event.name.slice(0, -KERNEL_SUFFIX.length);
    const entry = byName.get(name) ?? { opType: event.args?.op_name ?? 'unknown', totalUs: 0, calls: 0 };
    entry.totalUs += event.dur ?? 0;
    entry.calls += 1;
    byName.set(name, entry);
    totalUs += event.dur ?? 0;
  }
  const byType = new Map<string, { totalUs: number; calls: number }>();
  for (const entry of byName.values()) {
    const t = byType.get(entry.opType) ?? { totalUs: 0, calls: 0 };
    t.totalUs += entry.totalUs;
    t.calls += entry.calls;
    byType.set(entry.opType, t);
  }
  const toEntry = (name: string, opType: string, us: number, calls: number): ProfileEntry => ({
    name,
    opType,
    totalMs: us / 1000,
    calls,
    fraction: totalUs > 0 ? us / totalUs : 0,
  });
  return {
    traceFile,
    steadyStateRuns: steady.length,
    topOps: [...byName.entries()]
      .map(([name, e]) => toEntry(name, e.opType, e.totalUs, e.calls))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top),
    topOpTypes: [...byType.entries()]
      .map(([type, e]) => toEntry(type, type, e.totalUs, e.calls))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top),
  };
}

export async function readProfile(traceFile: string, runsToSkip: number): Promise<ProfileSummary> {
  const events = JSON.parse(await readFile(traceFile, 'utf8')) as TraceEvent[];
  return summarizeProfile(events, runsToSkip, traceFile);
}
