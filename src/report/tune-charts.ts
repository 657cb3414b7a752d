/**
 * The charts of a tune run, as Vega-Lite specs (pure): the Pareto chart — every measured candidate's
 * latency against its fidelity, the frontier marked and the winner highlighted — and the racing
 * timeline — when each candidate ran, how its round medians compared, and where it was eliminated.
 */
import type { StudyAnalysis } from '../study/compare.js';
import type { LeaderboardEntry, TuneRecord } from '../study/tune-record.js';
import { snrOf } from '../tune/budget.js';
import type { VegaLiteSpec } from './charts.js';
import { byObjective } from './tune-text.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 620;

export interface ParetoPoint {
  id: string;
  /** The objective's figure that is lower-better on the chart: median or p99 ms, or ms per item. */
  latency: number;
  /** Output SNR in dB; Infinity for outputs identical to the input model's. */
  snrDb: number;
}

/**
 * The candidates no other beats on both axes: none is at least as fast and at least as faithful
 * while strictly better on one. Sorted by latency.
 */
export function paretoFrontier(points: readonly ParetoPoint[]): ParetoPoint[] {
  const frontier = points.filter(
    (p) =>
      !points.some(
        (q) =>
          q !== p &&
          q.latency <= p.latency &&
          q.snrDb >= p.snrDb &&
          (q.latency < p.latency || q.snrDb > p.snrDb),
      ),
  );
  return [...frontier].sort((a, b) => a.latency - b.latency || b.snrDb - a.snrDb);
}

function latencyOf(record: TuneRecord, e: LeaderboardEntry): number | null {
  if (record.objective === 'p99') return e.p99Ms;
  if (record.objective === 'throughput') return e.medianMs === null ? null : e.medianMs / e.batch;
  return e.medianMs;
}

function axisTitle(record: TuneRecord): string {
  return byObjective(record, {
    p99: 'p99 latency (ms, log scale)',
    throughput: 'median latency per item (ms, log scale; lower = more throughput)',
    median: 'median latency (ms, log scale)',
  });
}

export function paretoChart(record: TuneRecord): VegaLiteSpec | null {
  const measured = record.leaderboard
    .map((e) => ({ e, latency: latencyOf(record, e), snr: e.fidelity ? snrOf(e.fidelity) : null }))
    .filter(
      (x): x is { e: LeaderboardEntry; latency: number; snr: number } => x.latency !== null && x.snr !== null,
    );
  if (measured.length === 0) return null;
  const finite = measured.map((x) => x.snr).filter((v) => Number.isFinite(v));
  // Outputs identical to the input model's have an infinite SNR: drawn above the highest finite one.
  const identicalAt = (finite.length > 0 ? Math.max(...finite) : 60) + 10;
  const points: ParetoPoint[] = measured.map((x) => ({ id: x.e.id, latency: x.latency, snrDb: x.snr }));
  const onFrontier = new Set(paretoFrontier(points).map((p) => p.id));
  const winner = record.winner?.id;
  const values = measured.map((x) => ({
    candidate: x.e.id,
    status:
      x.e.id === winner ? 'winner' : x.e.status === 'rejected-by-budget' ? 'rejected by budget' : x.e.status,
    latency: x.latency,
    snr: Number.isFinite(x.snr) ? x.snr : identicalAt,
    snrLabel: Number.isFinite(x.snr) ? `${x.snr.toFixed(1)} dB` : 'identical',
    frontier: onFrontier.has(x.e.id),
    winner: x.e.id === winner,
    rounds: x.e.rounds,
  }));
  const frontierValues = values.filter((v) => v.frontier).sort((a, b) => a.latency - b.latency);
  const tooltip = [
    { field: 'candidate' },
    { field: 'status' },
    { field: 'latency', title: 'latency ms', format: '.3f' },
    { field: 'snrLabel', title: 'SNR' },
    { field: 'frontier', title: 'on the frontier' },
    { field: 'rounds' },
  ];
  const x = { field: 'latency', type: 'quantitative', title: axisTitle(record), scale: { type: 'log' } };
  const y = {
    field: 'snr',
    type: 'quantitative',
    title: 'output SNR vs the input model (dB; top: identical)',
  };
  return {
    $schema: SCHEMA,
    title: {
      text: 'Latency against fidelity',
      subtitle:
        'every measured candidate; squares: the Pareto frontier (no other candidate is both faster and more faithful), joined by the line; the red diamond is the winner',
    },
    width: WIDTH,
    height: 320,
    layer: [
      {
        data: { values: frontierValues },
        mark: { type: 'line', color: '#888', strokeDash: [5, 3], interpolate: 'step-after' },
        encoding: { x, y },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 60, opacity: 0.8 },
        encoding: {
          x,
          y,
          color: { field: 'status', type: 'nominal', title: 'candidate' },
          shape: { field: 'frontier', type: 'nominal', title: 'on the frontier' },
          tooltip,
        },
      },
      {
        data: { values: values.filter((v) => v.winner) },
        mark: {
          type: 'point',
          shape: 'diamond',
          size: 320,
          filled: false,
          strokeWidth: 2.5,
          color: '#d62728',
        },
        encoding: { x, y, tooltip },
      },
      {
        data: { values: values.filter((v) => v.winner) },
        mark: { type: 'text', dy: -16, fontWeight: 'bold', color: '#d62728' },
        encoding: { x, y, text: { value: 'winner' } },
      },
    ],
  };
}

/** When each candidate ran, its round medians relative to the round's leader, and its elimination. */
export function racingChart(analysis: StudyAnalysis): VegaLiteSpec | null {
  const record = analysis.tune;
  if (!record || record.rounds.length === 0) return null;
  const byKey = new Map(analysis.variants.map((v) => [v.variant.key, v]));
  const raced = record.leaderboard.filter((e) => e.rounds > 0);
  if (raced.length === 0) return null;
  const order = raced.map((e) => e.id);
  const leaderMedian = new Map<number, number>();
  for (const round of record.rounds) {
    const leader = record.leaderboard.find((e) => e.id === round.leader);
    const median = leader
      ? byKey.get(leader.variantKey)?.roundMedians.find((m) => m.round === round.round)
      : undefined;
    if (median) leaderMedian.set(round.round, median.medianMs);
  }
  const points: Array<Record<string, unknown>> = [];
  for (const e of raced) {
    const v = byKey.get(e.variantKey);
    for (const m of v?.roundMedians ?? [])
      points.push({
        candidate: e.id,
        round: m.round,
        medianMs: m.medianMs,
        vsLeader: leaderMedian.has(m.round) ? m.medianMs / leaderMedian.get(m.round)! : null,
        status: e.id === record.winner?.id ? 'winner' : e.status,
      });
  }
  const spans = raced.map((e) => {
    const rounds = (byKey.get(e.variantKey)?.roundMedians ?? []).map((m) => m.round);
    return {
      candidate: e.id,
      first: rounds.length > 0 ? Math.min(...rounds) : 1,
      last: rounds.length > 0 ? Math.max(...rounds) : 1,
      status: e.id === record.winner?.id ? 'winner' : e.status,
      reason: e.reason ?? '',
    };
  });
  const ends = raced
    .filter((e) => e.eliminatedInRound !== null)
    .map((e) => ({ candidate: e.id, round: e.eliminatedInRound, reason: e.reason ?? '' }));
  const y = { field: 'candidate', type: 'nominal', sort: order, title: null };
  const playoff = record.rounds.filter((r) => r.playoff).map((r) => r.round);
  // The playoff's rounds (only the finalists tied at the end of the race ran), shaded.
  const playoffBand =
    playoff.length > 0
      ? [
          {
            data: { values: [{ from: Math.min(...playoff) - 0.5, to: Math.max(...playoff) + 0.5 }] },
            mark: { type: 'rect', color: '#eeeeee' },
            encoding: {
              x: { field: 'from', type: 'quantitative' },
              x2: { field: 'to' },
              tooltip: [{ value: 'playoff: only the finalists tied with the leader ran' }],
            },
          },
        ]
      : [];
  return {
    $schema: SCHEMA,
    title: {
      text: 'The race, round by round',
      subtitle: `dot colour: the round's median over the leader's in that round; ✕: eliminated there; ${record.rounds.length} rounds${playoff.length > 0 ? ` (shaded: the playoff of the tied finalists, ${playoff.length})` : ''}`,
    },
    width: WIDTH,
    height: { step: 16 },
    layer: [
      ...playoffBand,
      {
        data: { values: spans },
        mark: { type: 'rule', strokeWidth: 2, opacity: 0.5 },
        encoding: {
          y,
          x: {
            field: 'first',
            type: 'quantitative',
            title: 'round',
            axis: { tickMinStep: 1 },
            scale: { domain: [1, record.rounds.length] },
          },
          x2: { field: 'last' },
          color: { field: 'status', type: 'nominal', title: 'ended as' },
          tooltip: [{ field: 'candidate' }, { field: 'status' }, { field: 'reason' }],
        },
      },
      {
        data: { values: points },
        mark: { type: 'circle', size: 70 },
        encoding: {
          y,
          x: { field: 'round', type: 'quantitative' },
          fill: {
            field: 'vsLeader',
            type: 'quantitative',
            title: 'median / leader',
            scale: { scheme: 'orangered', domainMin: 1 },
          },
          tooltip: [
            { field: 'candidate' },
            { field: 'round' },
            { field: 'medianMs', title: 'round median ms', format: '.3f' },
            { field: 'vsLeader', title: 'over the leader', format: '.3f' },
          ],
        },
      },
      {
        data: { values: ends },
        mark: { type: 'point', shape: 'cross', size: 120, color: '#d62728', strokeWidth: 2 },
        encoding: {
          y,
          x: { field: 'round', type: 'quantitative' },
          tooltip: [
            { field: 'candidate' },
            { field: 'round', title: 'eliminated in round' },
            { field: 'reason' },
          ],
        },
      },
    ],
  };
}
