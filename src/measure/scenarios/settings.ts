/**
 * Scenario settings, in MLPerf LoadGen's vocabulary: one plain object, units in names, defaults per
 * scenario in one place. edgebench's minimum durations are shorter than MLPerf's 600 s (an edge device
 * in a development loop); raise them with --duration-ms for submission-grade runs.
 */
import { UserError } from '../../errors.js';
import { minQueriesToPass } from './early-stopping.js';

export const SCENARIOS = ['single-stream', 'multi-stream', 'server', 'offline'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioSettings {
  scenario: ScenarioName;
  /** multi-stream: samples in one query (e.g. the frames of a clip, or N cameras). 1 elsewhere. */
  samplesPerQuery: number;
  /** server: Poisson arrival rate, queries per second. */
  targetQps: number;
  /** server: the latency bound the chosen percentile must stay under (0 = not applicable). */
  latencyBoundMs: number;
  /** The percentile the scenario is judged by: 90 for single-stream, 99 for multi-stream and server. */
  latencyPercentile: number;
  /** The run is valid only after this long (server: the last scheduled query; offline: the whole run). */
  minDurationMs: number;
  /** …and this many queries. */
  minQueryCount: number;
  /** …and this many samples (offline). */
  minSampleCount: number;
  /** Hard cap; 0 = unbounded (server: 0 means twice the schedule's length). */
  maxDurationMs: number;
  /** Confidence of the early-stopping estimate (LoadGen: 0.99). */
  earlyStoppingConfidence: number;
  /** Seed of the Poisson arrival schedule. */
  seed: number;
}

const COMMON = {
  latencyBoundMs: 0,
  targetQps: 0,
  samplesPerQuery: 1,
  minSampleCount: 0,
  earlyStoppingConfidence: 0.99,
  seed: 42,
};

/**
 * Per-scenario defaults (LoadGen's percentiles; 662 = queries a p99 early-stopping estimate needs).
 * `minQueryCount` is a floor: `scenarioSettings` raises it to what early stopping needs at best.
 */
export const SCENARIO_DEFAULTS: Readonly<Record<ScenarioName, Omit<ScenarioSettings, 'scenario'>>> =
  Object.freeze({
    'single-stream': {
      ...COMMON,
      latencyPercentile: 90,
      minDurationMs: 3000,
      minQueryCount: 100,
      maxDurationMs: 60_000,
    },
    'multi-stream': {
      ...COMMON,
      samplesPerQuery: 8,
      latencyPercentile: 99,
      minDurationMs: 3000,
      minQueryCount: 662,
      maxDurationMs: 120_000,
    },
    server: { ...COMMON, latencyPercentile: 99, minDurationMs: 10_000, minQueryCount: 100, maxDurationMs: 0 },
    offline: {
      ...COMMON,
      latencyPercentile: 90,
      minDurationMs: 3000,
      minQueryCount: 1,
      minSampleCount: 100,
      maxDurationMs: 60_000,
    },
  });

export type ScenarioRequest = Partial<ScenarioSettings> & { scenario: ScenarioName };

/** Effective settings: defaults for the scenario, then the request; every value checked, naming its flag. */
export function scenarioSettings(request: ScenarioRequest): ScenarioSettings {
  if (!(SCENARIOS as readonly string[]).includes(request.scenario))
    throw new UserError(`--scenario must be one of ${SCENARIOS.join(', ')}; got '${request.scenario}'`);
  const defined = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  const s: ScenarioSettings = {
    ...SCENARIO_DEFAULTS[request.scenario],
    ...defined,
    scenario: request.scenario,
  };
  if (request.minQueryCount === undefined) s.minQueryCount = defaultMinQueryCount(s);
  const positiveInt = (flag: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 1)) throw new UserError(`${flag} must be an integer ≥ 1, got ${v}`);
  };
  const nonNegative = (flag: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0)) throw new UserError(`${flag} must be a number ≥ 0, got ${v}`);
  };
  positiveInt('--samples-per-query', s.samplesPerQuery);
  nonNegative('--duration-ms', s.minDurationMs);
  nonNegative('--min-query-count', s.minQueryCount);
  nonNegative('--min-sample-count', s.minSampleCount);
  nonNegative('--max-duration-ms', s.maxDurationMs);
  if (!(s.latencyPercentile > 0 && s.latencyPercentile < 100))
    throw new UserError(`--latency-percentile must be in (0, 100), e.g. 99; got ${s.latencyPercentile}`);
  if (!(s.earlyStoppingConfidence > 0 && s.earlyStoppingConfidence < 1))
    throw new UserError(`early-stopping confidence must be in (0, 1), got ${s.earlyStoppingConfidence}`);
  if (s.scenario === 'server') {
    if (!(s.targetQps > 0))
      throw new UserError('--scenario server needs --qps N (the Poisson arrival rate, queries per second)');
    if (!(s.latencyBoundMs > 0))
      throw new UserError(
        '--scenario server needs --latency-bound-ms MS (the bound the percentile latency must stay under)',
      );
  } else {
    if (request.targetQps !== undefined)
      throw new UserError(`--qps applies to --scenario server only, not ${s.scenario}`);
  }
  if (s.scenario !== 'multi-stream' && request.samplesPerQuery !== undefined && request.samplesPerQuery !== 1)
    throw new UserError(
      `--samples-per-query applies to --scenario multi-stream only (offline batches with --batch)`,
    );
  if (s.maxDurationMs > 0 && s.maxDurationMs < s.minDurationMs)
    throw new UserError(
      `the maximum duration (${s.maxDurationMs} ms) is below the minimum (${s.minDurationMs} ms)`,
    );
  return s;
}

/**
 * The default query count: the scenario's own, raised to what early stopping needs at best, so that a
 * run with default counts can be VALID at all. Single-/multi-stream need a percentile estimate (64 for
 * p90, 662 for p99 at 99% confidence); server needs enough queries for zero over-latency queries to
 * pass (459 for p99, 44 for p90). Offline has no early stopping.
 */
function defaultMinQueryCount(s: ScenarioSettings): number {
  const base = SCENARIO_DEFAULTS[s.scenario].minQueryCount;
  const valid =
    s.latencyPercentile > 0 &&
    s.latencyPercentile < 100 &&
    s.earlyStoppingConfidence > 0 &&
    s.earlyStoppingConfidence < 1;
  if (s.scenario === 'offline' || !valid) return base;
  const overlatencyAllowed = s.scenario === 'server' ? 0 : 1;
  const needed = minQueriesToPass(overlatencyAllowed, s.latencyPercentile, s.earlyStoppingConfidence);
  return Number.isFinite(needed) ? Math.max(base, needed) : base;
}

/** Each scenario setting's `run` flag (the scenario module's messages name settings by their flags). */
export const SCENARIO_FLAGS: Readonly<Record<keyof Omit<ScenarioSettings, 'scenario'>, string>> = {
  samplesPerQuery: '--samples-per-query',
  targetQps: '--qps',
  latencyBoundMs: '--latency-bound-ms',
  latencyPercentile: '--latency-percentile',
  minDurationMs: '--duration-ms',
  minQueryCount: '--min-query-count',
  minSampleCount: '--min-sample-count',
  maxDurationMs: '--max-duration-ms',
  earlyStoppingConfidence: 'early-stopping confidence',
  seed: '--seed',
};

/**
 * A request from settings someone gave (flags, a spec): none without a scenario, and settings that
 * only a scenario uses, given without one, are refused naming their flags.
 */
export function scenarioRequestOf(
  scenario: ScenarioName | undefined,
  given: Partial<Omit<ScenarioSettings, 'scenario'>>,
): ScenarioRequest | undefined {
  const settings = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<
    Omit<ScenarioSettings, 'scenario'>
  >;
  if (scenario) return { ...settings, scenario };
  const flags = Object.keys(settings).map((key) => SCENARIO_FLAGS[key as keyof typeof settings]);
  if (flags.length > 0)
    throw new UserError(
      `${flags.join(', ')} ${flags.length > 1 ? 'apply' : 'applies'} to a scenario only: add --scenario ${SCENARIOS.join('|')}`,
    );
  return undefined;
}
