/**
 * The fidelity budget of `tune`: clauses such as `top1>=99%`, `snr>=30db`, `cos>=0.999`,
 * `maxabs<=1e-2`, `accuracy-drop<=1pt`, parsed, checked against a model's outputs, and evaluated on
 * a candidate's fidelity. Pure: no I/O.
 *
 * A candidate's fidelity is its worst output's (lowest top-1/top-5 agreement, SNR and cosine,
 * highest errors), so a budget holds for every output of a multi-output model.
 */

import { UserError } from '../errors.js';
import type { TensorInfo } from '../onnx/tensor.js';
import type { FidelityReport } from '../optimize/fidelity.js';
import type { FidelityMetrics } from '../store/types.js';

export const BUDGET_METRICS = ['top1', 'top5', 'snr', 'cos', 'maxabs', 'meanabs', 'accuracy-drop'] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];

export type BudgetOperator = '>=' | '>' | '<=' | '<';

export interface BudgetClause {
  metric: BudgetMetric;
  op: BudgetOperator;
  /** In the metric's own unit: a fraction for top1/top5, dB for snr, points for accuracy-drop. */
  value: number;
}

export interface Budget {
  clauses: BudgetClause[];
  /** 'default' when the user gave none (see defaultBudget). */
  source: 'default' | 'given';
}

/** A candidate's fidelity as the budget reads it: its worst output, and accuracy with labels. */
export interface BudgetMetrics extends FidelityMetrics {
  /** With a labelled folder: both models' accuracy (fractions) and the drop in points. */
  accuracy: { samples: number; base: number; optimized: number; dropPoints: number } | null;
}

export interface BudgetVerdict {
  holds: boolean;
  /** One phrase per clause that does not hold, e.g. "snr 18.2 dB < 20 dB". */
  failures: string[];
  /** How far from holding (0 when it holds): failed clauses' shortfalls, each in its own scale. */
  shortfall: number;
}

const ALIASES: Record<string, BudgetMetric> = {
  top1: 'top1',
  'top-1': 'top1',
  top5: 'top5',
  'top-5': 'top5',
  snr: 'snr',
  cos: 'cos',
  cosine: 'cos',
  maxabs: 'maxabs',
  'max-abs': 'maxabs',
  meanabs: 'meanabs',
  'mean-abs': 'meanabs',
  'accuracy-drop': 'accuracy-drop',
  'acc-drop': 'accuracy-drop',
};

/** Whether a metric is a floor (higher is better) or a ceiling (lower is better). */
const FLOORS = new Set<BudgetMetric>(['top1', 'top5', 'snr', 'cos']);

const EXAMPLE = 'e.g. top1>=99%, snr>=30db, cos>=0.999, maxabs<=1e-2, accuracy-drop<=1pt';

/** One clause, e.g. `snr>=30db`; a UserError names what is wrong and what is allowed. */
export function parseBudgetClause(text: string): BudgetClause {
  const trimmed = text.trim();
  const match = /^([a-z0-9-]+)\s*(>=|<=|>|<|=)\s*([-+]?[0-9.]+(?:e[-+]?\d+)?)\s*([a-z%]*)$/i.exec(trimmed);
  if (!match)
    throw new UserError(
      `cannot read the budget clause '${trimmed}': write METRIC>=VALUE or METRIC<=VALUE (${EXAMPLE})`,
    );
  const [, rawMetric, op, rawValue, rawUnit] = match;
  const metric = ALIASES[rawMetric.toLowerCase()];
  if (!metric)
    throw new UserError(
      `unknown budget metric '${rawMetric}' in '${trimmed}': use ${BUDGET_METRICS.join(', ')} (${EXAMPLE})`,
    );
  if (op === '=')
    throw new UserError(`budget clause '${trimmed}': a budget is a bound, write >= or <= instead of =`);
  const floor = FLOORS.has(metric);
  if (floor !== op.startsWith('>'))
    throw new UserError(
      `budget clause '${trimmed}': ${metric} is a ${floor ? 'floor (higher is better): write' : 'ceiling (lower is better): write'} ${metric}${floor ? '>=' : '<='}${rawValue}${rawUnit}`,
    );
  const number = Number(rawValue);
  const unit = rawUnit.toLowerCase();
  if (!Number.isFinite(number))
    throw new UserError(`budget clause '${trimmed}': '${rawValue}' is not a number`);
  const bad = (allowed: string) =>
    new UserError(`budget clause '${trimmed}': ${metric} takes ${allowed}; got '${rawValue}${rawUnit}'`);
  let value = number;
  switch (metric) {
    case 'top1':
    case 'top5':
      if (unit === '%') value = number / 100;
      else if (unit !== '' || number > 1) throw bad('a percentage (99%) or a fraction (0.99)');
      if (value < 0 || value > 1) throw bad('a share between 0% and 100%');
      break;
    case 'snr':
      if (unit !== '' && unit !== 'db') throw bad('decibels (30db)');
      break;
    case 'cos':
      if (unit !== '' || number < -1 || number > 1) throw bad('a cosine between -1 and 1 (0.999)');
      break;
    case 'maxabs':
    case 'meanabs':
      if (unit !== '' || number < 0) throw bad('a non-negative absolute error (1e-2)');
      break;
    case 'accuracy-drop':
      if (!['', 'pt', 'pts', 'point', 'points', 'pp'].includes(unit) || number < 0)
        throw bad('percentage points (1pt)');
      break;
  }
  return { metric, op: op as BudgetOperator, value };
}

/** Clauses from one or more strings, each comma-separated (`--budget 'snr>=30db,top1>=99%'`). */
export function parseBudget(texts: string | readonly string[]): Budget {
  const parts = (typeof texts === 'string' ? [texts] : texts)
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (parts.length === 0) throw new UserError(`the budget is empty: give at least one clause (${EXAMPLE})`);
  const clauses = parts.map(parseBudgetClause);
  const seen = new Set<string>();
  for (const c of clauses) {
    const key = `${c.metric}${c.op[0]}`;
    if (seen.has(key))
      throw new UserError(`the budget bounds ${c.metric} twice; give one ${c.metric} clause`);
    seen.add(key);
  }
  return { clauses, source: 'given' };
}

/** Classes of a [N, C] output (C ≥ 2): what top-1/top-5 agreement and accuracy need. */
export function isClassifierOutput(info: TensorInfo): boolean {
  if (info.shape.length !== 2) return false;
  const classes = info.shape[1];
  return typeof classes === 'number' && classes >= 2;
}

/**
 * The budget used when none is given: the output SNR at least 20 dB (the noise power at most 1% of
 * the signal's), and, for a classifier (an output [N, classes]) checked on real data, top-1
 * agreement with the input model of at least 99% as well. On synthetic inputs a classifier's scores
 * are close to flat, so its arg-max flips under noise far below anything that matters (zoo models
 * with seeded weights agreed on 75–88% of top-1s at 46–58 dB): top-1 is not part of the default there.
 */
export function defaultBudget(outputs: readonly TensorInfo[], options: { realData?: boolean } = {}): Budget {
  const clauses: BudgetClause[] = [{ metric: 'snr', op: '>=', value: 20 }];
  if (options.realData && outputs.some(isClassifierOutput))
    clauses.push({ metric: 'top1', op: '>=', value: 0.99 });
  return { clauses, source: 'default' };
}

/**
 * Refuses a budget that cannot be measured on this model: top-1/top-5 without a classifier output
 * (a detector), accuracy without a labelled folder. `model` names the model in the message.
 */
export function checkBudgetFits(
  budget: Budget,
  outputs: readonly TensorInfo[],
  options: { labels?: string; model: string },
): void {
  const classifier = outputs.some(isClassifierOutput);
  const shapes = outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', ');
  for (const c of budget.clauses) {
    if ((c.metric === 'top1' || c.metric === 'top5' || c.metric === 'accuracy-drop') && !classifier)
      throw new UserError(
        `budget clause ${clauseText(c)} needs a classifier output ([N, classes]) and ${options.model} has none (${shapes}); bound snr, cos or maxabs instead`,
      );
    if (c.metric === 'top5' && !outputs.some((o) => isClassifierOutput(o) && Number(o.shape[1]) >= 5))
      throw new UserError(
        `budget clause ${clauseText(c)} needs at least 5 classes and ${options.model} has fewer (${shapes}); use top1`,
      );
    if (c.metric === 'accuracy-drop' && !options.labels)
      throw new UserError(
        `budget clause ${clauseText(c)} needs a labelled folder: give --labels DIR (one subfolder of images per class)`,
      );
  }
}

function unitText(metric: BudgetMetric, value: number): string {
  switch (metric) {
    case 'top1':
    case 'top5':
      return `${trim(value * 100)}%`;
    case 'snr':
      return `${trim(value)}db`;
    case 'accuracy-drop':
      return `${trim(value)}pt`;
    default:
      return `${value}`;
  }
}

function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** A clause as the user writes it: `snr>=20db`. */
export function clauseText(c: BudgetClause): string {
  return `${c.metric}${c.op}${unitText(c.metric, c.value)}`;
}

export function budgetText(budget: Budget): string {
  return budget.clauses.map(clauseText).join(', ');
}

/**
 * The worst output of a fidelity report, in the store's terms (FidelityMetrics: `snrDb` null with
 * `identical` when every output is bit-identical; null without it when the SNR is undefined), plus
 * the labelled accuracy when the report has one.
 */
export function budgetMetrics(report: FidelityReport): BudgetMetrics {
  const outputs = report.outputs;
  if (outputs.length === 0) throw new UserError('the models have no outputs to compare');
  const finite = (values: number[]) => values.filter((v) => Number.isFinite(v));
  const min = (values: number[]) => (values.length > 0 ? Math.min(...values) : null);
  const identical = outputs.every((o) => o.snrDb === Number.POSITIVE_INFINITY);
  const snrUndefined = outputs.some((o) => Number.isNaN(o.snrDb));
  const cosines = outputs.map((o) => o.cosine);
  const top1 = outputs.map((o) => o.top1Agreement).filter((v): v is number => v !== undefined);
  const top5 = outputs.map((o) => o.top5Agreement).filter((v): v is number => v !== undefined);
  const maxAbs = outputs.some((o) => Number.isNaN(o.maxAbsError))
    ? Number.NaN
    : Math.max(...outputs.map((o) => o.maxAbsError));
  const accuracy = report.accuracy
    ? {
        samples: report.accuracy.samples,
        base: report.accuracy.base,
        optimized: report.accuracy.optimized,
        dropPoints: -report.accuracy.deltaPoints,
      }
    : null;
  return {
    count: report.samples,
    maxAbsErr: maxAbs,
    meanAbsErr: Math.max(...outputs.map((o) => o.meanAbsError)),
    cosine: cosines.some((c) => Number.isNaN(c)) ? null : min(cosines),
    snrDb: identical || snrUndefined ? null : min(finite(outputs.map((o) => o.snrDb))),
    identical,
    top1Agreement: min(top1),
    top5Agreement: min(top5),
    accuracy,
  };
}

/** The SNR a budget compares: Infinity for identical outputs, null when undefined. */
export function snrOf(m: FidelityMetrics): number | null {
  if (m.identical) return Number.POSITIVE_INFINITY;
  return m.snrDb;
}

function measured(c: BudgetClause, m: BudgetMetrics): number | null {
  switch (c.metric) {
    case 'top1':
      return m.top1Agreement;
    case 'top5':
      return m.top5Agreement;
    case 'snr':
      return snrOf(m);
    case 'cos':
      return m.cosine;
    case 'maxabs':
      return Number.isNaN(m.maxAbsErr) ? null : m.maxAbsErr;
    case 'meanabs':
      return Number.isNaN(m.meanAbsErr) ? null : m.meanAbsErr;
    case 'accuracy-drop':
      return m.accuracy?.dropPoints ?? null;
  }
}

function holdsClause(c: BudgetClause, value: number): boolean {
  switch (c.op) {
    case '>=':
      return value >= c.value;
    case '>':
      return value > c.value;
    case '<=':
      return value <= c.value;
    case '<':
      return value < c.value;
  }
}

/** A measured value as a clause prints it: `18.2 dB`, `97.5%`, `3.1e-3`, `1.5 pt`. */
export function valueText(metric: BudgetMetric, value: number): string {
  if (value === Number.POSITIVE_INFINITY) return metric === 'snr' ? '∞ (identical)' : '∞';
  switch (metric) {
    case 'top1':
    case 'top5':
      return `${(value * 100).toFixed(1)}%`;
    case 'snr':
      return `${value.toFixed(1)} dB`;
    case 'cos':
      return value.toFixed(6);
    case 'accuracy-drop':
      return `${value.toFixed(2)} pt`;
    default:
      return value.toExponential(2);
  }
}

/**
 * How far a failed clause is from holding, in a scale where 1 is "clearly off": 10 dB of SNR, 10
 * points of agreement or accuracy, one order of magnitude of error or of (1 − cosine).
 */
function shortfallOf(c: BudgetClause, value: number): number {
  switch (c.metric) {
    case 'snr':
      return Math.max(0, c.value - value) / 10;
    case 'top1':
    case 'top5':
      return (Math.max(0, c.value - value) * 100) / 10;
    case 'accuracy-drop':
      return Math.max(0, value - c.value) / 10;
    case 'cos': {
      const gap = Math.max(1e-12, 1 - value);
      const allowed = Math.max(1e-12, 1 - c.value);
      return Math.max(0, Math.log10(gap / allowed));
    }
    case 'maxabs':
    case 'meanabs':
      return Math.max(0, Math.log10(Math.max(value, 1e-30) / Math.max(c.value, 1e-30)));
  }
}

export function evaluateBudget(budget: Budget, m: BudgetMetrics): BudgetVerdict {
  const failures: string[] = [];
  let shortfall = 0;
  for (const c of budget.clauses) {
    const value = measured(c, m);
    if (value === null) {
      failures.push(`${c.metric} undefined (${undefinedReason(c.metric)})`);
      shortfall += 10;
      continue;
    }
    if (!holdsClause(c, value)) {
      const op = c.op === '>=' ? '<' : c.op === '>' ? '≤' : c.op === '<=' ? '>' : '≥';
      failures.push(`${c.metric} ${valueText(c.metric, value)} ${op} ${valueText(c.metric, c.value)}`);
      shortfall += Math.max(shortfallOf(c, value), 1e-9);
    }
  }
  return { holds: failures.length === 0, failures, shortfall };
}

function undefinedReason(metric: BudgetMetric): string {
  switch (metric) {
    case 'top1':
    case 'top5':
      return 'no classifier output';
    case 'snr':
      return 'a base output is all zeros while the candidate’s is not';
    case 'cos':
      return 'one side of an output is all zeros';
    case 'accuracy-drop':
      return 'no labelled accuracy was measured';
    default:
      return 'the outputs hold NaN';
  }
}

/** The fidelity figures a line prints for the budget's metrics (and SNR, always). */
export function metricsText(budget: Budget, m: BudgetMetrics): string {
  const metrics = new Set<BudgetMetric>(['snr', ...budget.clauses.map((c) => c.metric)]);
  const parts: string[] = [];
  for (const metric of BUDGET_METRICS) {
    if (!metrics.has(metric)) continue;
    const value = measured({ metric, op: '>=', value: 0 }, m);
    parts.push(`${metric} ${value === null ? 'n/a' : valueText(metric, value)}`);
  }
  return parts.join(', ');
}
