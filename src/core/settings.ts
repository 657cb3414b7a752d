/**
 * Measurement settings: one plain object, units in the names, defaults in one place.
 * "0 means unbounded" for the maximums.
 */
export interface StopRules {
  /** Warm-up lasts at least this long… */
  warmupTimeMs: number;
  /** …and at least this many runs (both must be met). */
  warmupCount: number;
  /** Steady state lasts at least this long… */
  minTimeMs: number;
  /** …and at least this many runs; or stops sooner once `relCi` is reached. */
  minCount: number;
  /** Hard cap on steady-state runs; 0 = unbounded. */
  maxCount: number;
  /** Hard cap on steady-state time (also caps warm-up); 0 = unbounded. */
  maxTimeMs: number;
  /** Stop as soon as the 95% CI half-width of the median is within this fraction of the median; 0 = off. */
  relCi: number;
}

/** What a measurement is for: its stop rules default by it (see STOP_RULE_DEFAULTS). */
export type StopRulePurpose = 'run' | 'study' | 'tune';

/**
 * Each rule's default by purpose, side by side. `run` stands alone, so it suits a 1-ms and a 1-s
 * model alike: warm-up ≥ 0.5 s and ≥ 5 runs, steady state ≥ 3 s and ≥ 10 runs (or sooner, once the
 * median is known to ±1% from ≥ 100 runs over ≥ 1 s), never more than 60 s. A study's round and a
 * tune race's measurement are short, because rounds repeat and candidates are many; they have no
 * precision rule, since the spread is judged across rounds.
 */
const STOP_RULE_DEFAULTS: {
  readonly [K in keyof StopRules]: readonly [run: number, study: number, tune: number];
} = {
  warmupTimeMs: [500, 300, 200],
  warmupCount: [5, 5, 3],
  minTimeMs: [3000, 1000, 500],
  minCount: [10, 20, 10],
  maxCount: [0, 0, 0],
  maxTimeMs: [60_000, 10_000, 5000],
  relCi: [0.01, 0, 0],
};

const PURPOSE_COLUMN: Readonly<Record<StopRulePurpose, 0 | 1 | 2>> = { run: 0, study: 1, tune: 2 };

/** The default stop rules of one purpose (a column of STOP_RULE_DEFAULTS). */
export function defaultStopRules(purpose: StopRulePurpose): Readonly<StopRules> {
  const column = PURPOSE_COLUMN[purpose];
  const entries = Object.entries(STOP_RULE_DEFAULTS).map(([key, values]) => [key, values[column]]);
  return Object.freeze(Object.fromEntries(entries) as StopRules);
}

export const DEFAULT_STOP_RULES: Readonly<StopRules> = defaultStopRules('run');

/**
 * The precision rule is only trusted with at least this many samples and this much time: the CI of a
 * handful is too coarse, and tail percentiles need more runs than the median does.
 */
export const MIN_SAMPLES_FOR_PRECISION = 100;
export const MIN_TIME_FOR_PRECISION_MS = 1000;

/** How often (in runs) the precision rule is evaluated; it sorts the samples, so not every run. */
export const PRECISION_CHECK_EVERY = 16;

export function validateStopRules(rules: StopRules): StopRules {
  const nonNegative: Array<keyof StopRules> = [
    'warmupTimeMs',
    'warmupCount',
    'minTimeMs',
    'minCount',
    'maxCount',
    'maxTimeMs',
    'relCi',
  ];
  for (const key of nonNegative) {
    const value = rules[key];
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${key} must be a non-negative number, got ${value}`);
  }
  if (rules.maxCount > 0 && rules.maxCount < 1) throw new RangeError('maxCount must be at least 1');
  if (rules.relCi >= 1)
    throw new RangeError(`relCi must be below 1 (a fraction such as 0.01), got ${rules.relCi}`);
  return rules;
}

/**
 * How a caller names stop rules in its messages: `run` by its flags (`--min-count`), a study spec
 * by its fields (`minCount`); what one stopped unit is (`the run`, `a round`); what a 0 cap means.
 */
export interface StopRuleWording {
  name(key: keyof StopRules): string;
  unit: string;
  zeroCap: string;
  /** Said after a cap the caller left at its default. */
  defaultCap: string;
}

/**
 * Minimums (and warm-up) above their caps: the loop would stop them short without a word, so they
 * are refused, saying which to raise. One message per conflict, in the caller's words; `given` are
 * the rules as asked for, `defaults` what fills the rest.
 */
export function stopRuleConflicts(
  given: Partial<StopRules>,
  defaults: Readonly<StopRules>,
  wording: StopRuleWording,
): Array<{ field: keyof StopRules; message: string }> {
  const rules = { ...defaults, ...given };
  const { name } = wording;
  const capOf = (key: 'maxTimeMs' | 'maxCount') =>
    `${name(key)} ${rules[key]}${given[key] === undefined ? ` ${wording.defaultCap}` : ''}`;
  const problems: Array<{ field: keyof StopRules; message: string }> = [];
  if (given.minCount !== undefined && rules.maxCount > 0 && rules.minCount > rules.maxCount)
    problems.push({
      field: 'minCount',
      message: `${name('minCount')} ${rules.minCount} is above ${capOf('maxCount')}: ${wording.unit} would stop at ${rules.maxCount} runs; raise ${name('maxCount')} (${wording.zeroCap}) or lower ${name('minCount')}`,
    });
  if (given.minTimeMs !== undefined && rules.maxTimeMs > 0 && rules.minTimeMs > rules.maxTimeMs)
    problems.push({
      field: 'minTimeMs',
      message: `${name('minTimeMs')} ${rules.minTimeMs} is above ${capOf('maxTimeMs')}: ${wording.unit} would stop at ${rules.maxTimeMs} ms; raise ${name('maxTimeMs')} (${wording.zeroCap}) or lower ${name('minTimeMs')}`,
    });
  // The loop caps warm-up at maxTimeMs too: a longer warm-up would be cut short unseen.
  if (given.warmupTimeMs !== undefined && rules.maxTimeMs > 0 && rules.warmupTimeMs > rules.maxTimeMs)
    problems.push({
      field: 'warmupTimeMs',
      message: `${name('warmupTimeMs')} ${rules.warmupTimeMs} is above ${capOf('maxTimeMs')}, which caps warm-up too: warm-up would stop at ${rules.maxTimeMs} ms; raise ${name('maxTimeMs')} (${wording.zeroCap}) or lower ${name('warmupTimeMs')}`,
    });
  return problems;
}
