/**
 * trtexec's `--exportTimes` trace (one object per query) and `--exportProfile` layer profile.
 *
 * Field names by TensorRT version (from trtexec's sampleReporting.cpp and tracer.py):
 * - 7.x: startInMs, endInMs, startComputeMs, endComputeMs, startOutMs, endOutMs, inMs, computeMs,
 *   outMs, latencyMs, endToEndMs — warm-up queries included.
 * - 8.0–8.2: startEnqMs, endEnqMs, startH2dMs, endH2dMs, startComputeMs, endComputeMs, startD2hMs,
 *   endD2hMs, h2dMs, computeMs, d2hMs, latencyMs, endToEndMs — warm-up queries included.
 * - 8.4+ and 10.x: as 8.2 without endToEndMs — warm-up queries left out.
 * `latencyMs` is H2D + compute + D2H of one query (CUDA-event times); `endToEndMs` also counts the
 * wait behind the previous query.
 */
import { UserError } from '../../errors.js';
import type { TrtexecLog } from './parse-log.js';

export interface QueryTime {
  latencyMs: number;
  computeMs: number;
  h2dMs: number;
  d2hMs: number;
  endToEndMs?: number;
  enqueueMs?: number;
  startComputeMs?: number;
}

export interface ExportedTimes {
  queries: QueryTime[];
  /** Which naming the file used. */
  style: 'trt7' | 'trt8';
  hasEndToEnd: boolean;
}

function field(entry: Record<string, unknown>, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = entry[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/**
 * Parses the JSON trtexec wrote with `--exportTimes`. C++ streams may print `inf`/`nan`, which are not
 * JSON; such entries are dropped rather than invented.
 */
export function parseExportTimes(text: string, source = 'trtexec --exportTimes file'): ExportedTimes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/:\s*-?(?:inf|nan)\b/gi, ': null'));
  } catch (error) {
    throw new UserError(
      `${source} is not valid JSON (${(error as Error).message}); trtexec may have crashed while writing it`,
    );
  }
  if (!Array.isArray(parsed)) throw new UserError(`${source} is not a JSON array of query times`);
  const queries: QueryTime[] = [];
  let style: ExportedTimes['style'] = 'trt8';
  let hasEndToEnd = false;
  for (const raw of parsed) {
    if (raw === null || typeof raw !== 'object') continue;
    const entry = raw as Record<string, unknown>;
    if ('inMs' in entry || 'startInMs' in entry) style = 'trt7';
    const computeMs = field(entry, 'computeMs');
    const h2dMs = field(entry, 'h2dMs', 'inMs') ?? 0;
    const d2hMs = field(entry, 'd2hMs', 'outMs') ?? 0;
    if (computeMs === undefined) continue;
    const latencyMs = field(entry, 'latencyMs') ?? h2dMs + computeMs + d2hMs;
    const endToEndMs = field(entry, 'endToEndMs');
    if (endToEndMs !== undefined) hasEndToEnd = true;
    const startEnq = field(entry, 'startEnqMs');
    const endEnq = field(entry, 'endEnqMs');
    const startComputeMs = field(entry, 'startComputeMs');
    queries.push({
      latencyMs,
      computeMs,
      h2dMs,
      d2hMs,
      ...(endToEndMs !== undefined ? { endToEndMs } : {}),
      ...(startEnq !== undefined && endEnq !== undefined ? { enqueueMs: endEnq - startEnq } : {}),
      ...(startComputeMs !== undefined ? { startComputeMs } : {}),
    });
  }
  return { queries, style, hasEndToEnd };
}

export interface SplitQueries {
  warmup: QueryTime[];
  steady: QueryTime[];
  /** How the warm-up queries were told apart, for the record. */
  method: 'none-in-file' | 'count-from-log' | 'warmup-time';
}

/**
 * Separates warm-up queries from the timed ones. Older trtexec versions export both; the log's
 * "Warmup completed N queries" and "Timing trace has M queries" say how many of each. Where the
 * counts do not add up, trtexec's own rule applies: a query is timed when its compute starts at or
 * after the warm-up time.
 */
export function splitWarmup(times: ExportedTimes, log: TrtexecLog, warmupMs: number): SplitQueries {
  const all = times.queries;
  const warmups = log.warmup?.queries;
  const timed = log.timing?.queries;
  if (timed !== undefined && all.length === timed) return { warmup: [], steady: all, method: 'none-in-file' };
  if (warmups !== undefined && timed !== undefined && all.length === warmups + timed) {
    return { warmup: all.slice(0, warmups), steady: all.slice(warmups), method: 'count-from-log' };
  }
  if (all.every((q) => q.startComputeMs !== undefined)) {
    const first = all.findIndex((q) => (q.startComputeMs ?? 0) >= warmupMs);
    const cut = first < 0 ? all.length : first;
    return { warmup: all.slice(0, cut), steady: all.slice(cut), method: 'warmup-time' };
  }
  return { warmup: [], steady: all, method: 'none-in-file' };
}

export interface LayerTime {
  name: string;
  /** Sum over the profiled runs. */
  totalMs: number;
  averageMs: number;
  medianMs?: number;
  /** Share of the total, 0–1. */
  fraction: number;
}

export interface LayerProfile {
  runs: number;
  layers: LayerTime[];
}

/** Parses `--exportProfile` JSON: `[{ "count": N }, { "name", "timeMs", "averageMs", "medianMs"?, "percentage" }, …]`. */
export function parseExportProfile(text: string, source = 'trtexec --exportProfile file'): LayerProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/:\s*-?(?:inf|nan)\b/gi, ': null'));
  } catch (error) {
    throw new UserError(`${source} is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new UserError(`${source} is not a JSON array`);
  let runs = 0;
  const layers: LayerTime[] = [];
  for (const raw of parsed) {
    if (raw === null || typeof raw !== 'object') continue;
    const entry = raw as Record<string, unknown>;
    if (typeof entry.count === 'number') {
      runs = entry.count;
      continue;
    }
    if (typeof entry.name !== 'string') continue;
    const totalMs = field(entry, 'timeMs');
    if (totalMs === undefined) continue;
    const medianMs = field(entry, 'medianMs');
    layers.push({
      name: entry.name,
      totalMs,
      averageMs: field(entry, 'averageMs') ?? (runs > 0 ? totalMs / runs : totalMs),
      ...(medianMs !== undefined ? { medianMs } : {}),
      fraction: (field(entry, 'percentage') ?? 0) / 100,
    });
  }
  return { runs, layers };
}
