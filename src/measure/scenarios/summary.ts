/**
 * Judging a scenario run the way LoadGen does: the scenario's metric, the percentile latency, early
 * stopping, and validity checks that explain themselves. The result says VALID or INVALID and why.
 * Pure: raw timings and settings in, summary out.
 */
import { type LatencyStats, percentileSorted, sortedCopy, summarize } from '../../core/stats.js';
import { percentileEstimate, serverEarlyStopping } from './early-stopping.js';
import type { ScenarioRaw } from './runners.js';
import type { ScenarioName, ScenarioSettings } from './settings.js';

export interface ValidityCheck {
  name: 'min-duration' | 'min-queries' | 'min-samples' | 'latency-bound' | 'early-stopping' | 'all-completed';
  passed: boolean;
  detail: string;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  settings: ScenarioSettings;
  result: 'VALID' | 'INVALID';
  checks: ValidityCheck[];
  /**
   * What the scenario is judged by: 'p90 latency' in ms (single-stream), 'throughput' in samples/s
   * (offline), 'scheduled rate' in queries/s (server). value is null when nothing completed.
   */
  metric: { name: string; value: number | null; unit: 'ms' | 'samples/s' | 'queries/s' };
  queries: number;
  samples: number;
  samplesPerQuery: number;
  runsPerQuery: number;
  durationMs: number;
  /** The chosen percentile of query latency (nearest rank). */
  percentileLatencyMs: number | null;
  queryLatency: LatencyStats;
  earlyStopping: {
    confidence: number;
    percentile: number;
    /** single/multi-stream: upper bound of the percentile at this confidence; null with too few queries. */
    estimateMs: number | null;
    /** server: queries over the latency bound. */
    overlatencyQueries: number | null;
    /** Queries needed for early stopping to be satisfied (null: no number of queries would do). */
    queriesNeeded: number | null;
    passed: boolean;
  } | null;
  samplesPerSec: number;
  /** server: the arrival rate as scheduled and as completed ((n − 1) / time, as LoadGen counts). */
  scheduledQps: number | null;
  completedQps: number | null;
  unserved: number;
  queryLatenciesMs: number[];
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

export function summarizeScenario(
  raw: ScenarioRaw,
  s: ScenarioSettings,
  sut: { samplesPerQuery: number; runsPerQuery: number },
): ScenarioResult {
  const sorted = sortedCopy(raw.queryLatenciesMs);
  const n = sorted.length;
  const pLatency = n > 0 ? percentileSorted(sorted, s.latencyPercentile) : null;
  const checks: ValidityCheck[] = [];
  const pName = `p${s.latencyPercentile}`;

  const durationBasis = s.scenario === 'offline' ? raw.endMs : raw.finalIssueMs;
  const basisName =
    s.scenario === 'offline'
      ? 'the run'
      : s.scenario === 'server'
        ? 'the last scheduled query'
        : 'the last query issued';
  checks.push({
    name: 'min-duration',
    passed: durationBasis >= s.minDurationMs,
    detail:
      durationBasis >= s.minDurationMs
        ? `${basisName} at ${fmt(durationBasis)} ms ≥ ${s.minDurationMs} ms`
        : `${basisName} at ${fmt(durationBasis)} ms < ${s.minDurationMs} ms${raw.stoppedAtCap ? ' (stopped at the time cap)' : ''}: ${
            s.scenario === 'server' ? 'schedule more queries' : 'run longer (raise --max-duration-ms)'
          }`,
  });
  if (s.scenario === 'offline') {
    checks.push({
      name: 'min-samples',
      passed: raw.samplesCompleted >= s.minSampleCount,
      detail: `${raw.samplesCompleted} samples ${raw.samplesCompleted >= s.minSampleCount ? '≥' : '<'} ${s.minSampleCount}`,
    });
  } else {
    checks.push({
      name: 'min-queries',
      passed: raw.queriesIssued >= s.minQueryCount,
      detail: `${raw.queriesIssued} queries ${raw.queriesIssued >= s.minQueryCount ? '≥' : '<'} ${s.minQueryCount}`,
    });
  }

  let earlyStopping: ScenarioResult['earlyStopping'] = null;
  if (s.scenario === 'single-stream' || s.scenario === 'multi-stream') {
    const e = percentileEstimate(sorted, s.latencyPercentile, s.earlyStoppingConfidence);
    earlyStopping = {
      confidence: s.earlyStoppingConfidence,
      percentile: s.latencyPercentile,
      estimateMs: e.estimateMs,
      overlatencyQueries: null,
      queriesNeeded: e.minQueries,
      passed: e.estimateMs !== null,
    };
    checks.push({
      name: 'early-stopping',
      passed: e.estimateMs !== null,
      detail:
        e.estimateMs !== null
          ? `${pName} estimate ${fmt(e.estimateMs)} ms at ${s.earlyStoppingConfidence * 100}% confidence (discarding the ${(e.rankFromTop ?? 1) - 1} highest)`
          : `only ${n} queries; early stopping needs at least ${e.minQueries} for a ${pName} estimate`,
    });
  }
  if (s.scenario === 'server') {
    const boundOk = pLatency !== null && pLatency <= s.latencyBoundMs;
    checks.push({
      name: 'latency-bound',
      passed: boundOk,
      detail:
        pLatency === null
          ? 'no query completed'
          : `${pName} latency ${fmt(pLatency)} ms ${boundOk ? '≤' : '>'} bound ${s.latencyBoundMs} ms${boundOk ? '' : ': lower --qps'}`,
    });
    const e = serverEarlyStopping(
      raw.queryLatenciesMs,
      s.latencyBoundMs,
      s.latencyPercentile,
      s.earlyStoppingConfidence,
    );
    earlyStopping = {
      confidence: s.earlyStoppingConfidence,
      percentile: s.latencyPercentile,
      estimateMs: null,
      overlatencyQueries: e.overlatency,
      queriesNeeded: Number.isFinite(e.queriesNeeded) ? e.queriesNeeded : null,
      passed: e.passed,
    };
    checks.push({
      name: 'early-stopping',
      passed: e.passed,
      detail: e.passed
        ? `${e.overlatency} of ${n} queries over the bound: within ${(100 - s.latencyPercentile).toFixed(1)}% at ${s.earlyStoppingConfidence * 100}% confidence`
        : `${e.overlatency} of ${n} queries over the bound; would need at least ${Number.isFinite(e.queriesNeeded) ? e.queriesNeeded - n : '∞'} more queries, all under it`,
    });
    checks.push({
      name: 'all-completed',
      passed: raw.unserved === 0,
      detail:
        raw.unserved === 0
          ? `all ${raw.queriesIssued} queries completed`
          : `${raw.unserved} queries still waiting at the time cap: the system cannot sustain ${s.targetQps} queries/s`,
    });
  }

  const durationMs = raw.endMs;
  const samplesPerSec = durationMs > 0 ? (raw.samplesCompleted * 1000) / durationMs : 0;
  let metric: ScenarioResult['metric'];
  let scheduledQps: number | null = null;
  let completedQps: number | null = null;
  if (s.scenario === 'server') {
    scheduledQps =
      raw.finalIssueMs > 0 && raw.queriesIssued > 1 ? ((raw.queriesIssued - 1) * 1000) / raw.finalIssueMs : 0;
    completedQps = raw.endMs > 0 && n > 1 ? ((n - 1) * 1000) / raw.endMs : 0;
    // The name says what is measured and the unit how: printed together ("scheduled rate 5.0 queries/s").
    metric = { name: 'scheduled rate', value: scheduledQps, unit: 'queries/s' };
  } else if (s.scenario === 'offline') {
    metric = { name: 'throughput', value: samplesPerSec, unit: 'samples/s' };
  } else {
    metric = { name: `${pName} latency`, value: pLatency, unit: 'ms' };
  }
  return {
    scenario: s.scenario,
    settings: s,
    result: checks.every((c) => c.passed) ? 'VALID' : 'INVALID',
    checks,
    metric,
    queries: raw.queriesIssued,
    samples: raw.samplesCompleted,
    samplesPerQuery: s.scenario === 'offline' ? raw.samplesCompleted : sut.samplesPerQuery,
    runsPerQuery: sut.runsPerQuery,
    durationMs,
    percentileLatencyMs: pLatency,
    queryLatency: summarize(raw.queryLatenciesMs),
    earlyStopping,
    samplesPerSec,
    scheduledQps,
    completedQps,
    unserved: raw.unserved,
    queryLatenciesMs: [...raw.queryLatenciesMs],
  };
}

/** Why a result is INVALID, one line per failed check. */
export function invalidReasons(result: ScenarioResult): string[] {
  return result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
}
