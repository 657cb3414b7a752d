/**
 * The study's charts as Vega-Lite specs (plain JSON; rendered by vega-embed in the HTML report, or by
 * any Vega-Lite tool). Pure: analysis in, specs out. Large sample sets are downsampled for drawing
 * only (quantile-preserving for distributions, window medians over time); the statistics in the
 * tables always use every sample.
 */
import { fidelityIdentical } from '../store/types.js';
import type { StudyAnalysis } from '../study/compare.js';
import { axisCell, speedupText, varyingAxes } from './study-text.js';

export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** At most this many points per variant in the distribution chart. */
export const MAX_DISTRIBUTION_POINTS = 400;
/** At most this many points per round and variant in the over-time chart. */
export const MAX_TIMELINE_POINTS = 120;
const WIDTH = 620;

/** Evenly spaced order statistics (min and max included): the same distribution with fewer points. */
export function quantileDownsample(samples: ArrayLike<number>, max: number): number[] {
  const sorted = Float64Array.from(samples as ArrayLike<number>).sort();
  const n = sorted.length;
  if (n <= max) return Array.from(sorted);
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(sorted[Math.round((i * (n - 1)) / (max - 1))]);
  return out;
}

function windowMedian(values: ArrayLike<number>, from: number, to: number): number {
  const slice = Float64Array.prototype.slice.call(values, from, to) as Float64Array;
  slice.sort();
  const m = slice.length >> 1;
  return slice.length % 2 ? slice[m] : (slice[m - 1] + slice[m]) / 2;
}

/**
 * A variant's series: its label, then what tells it apart from the other variants of that label on
 * the same model — the study's varying axes (EP, threads, batch, scenario) and, on a fleet, its device
 * class. Without them two variants (e.g. threads 1 and 2) would be drawn as one series.
 */
export function seriesName(
  analysis: StudyAnalysis,
  v: { label: string; ep: string; threads: number; batch: number; scenario: string; device?: string | null },
): string {
  const parts: string[] = [];
  for (const axis of varyingAxes(analysis)) {
    if (axis === 'ep') parts.push(v.ep);
    else if (axis === 'threads') parts.push(`threads ${axisCell('threads', v.threads)}`);
    else if (axis === 'batch') parts.push(`batch ${v.batch}`);
    else if (axis === 'scenario') parts.push(v.scenario);
  }
  return `${v.label}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${v.device ? ` @ ${v.device}` : ''}`;
}

/** The models in plan order: facets and axes follow the tables' order, not the alphabet. */
function modelOrder(analysis: StudyAnalysis): string[] {
  return [...new Set(analysis.variants.map((v) => v.variant.model))];
}

export function speedupChart(analysis: StudyAnalysis): VegaLiteSpec | null {
  const values = analysis.comparisons
    .filter((c) => c.estimate)
    .map((c) => ({
      model: c.model,
      variant: seriesName(analysis, c),
      speedup: c.estimate!.speedup,
      low: c.estimate!.speedupCi[0],
      high: c.estimate!.speedupCi[1],
      improvement: c.estimate!.improvementPct,
      verdict: c.estimate!.verdict,
      label: speedupText(c.estimate!.speedup),
    }));
  if (values.length === 0) return null;
  const y = { field: 'model', type: 'nominal', sort: modelOrder(analysis), title: null };
  const yOffset = { field: 'variant', type: 'nominal' };
  const color = { field: 'variant', type: 'nominal', title: 'optimized variant' };
  return {
    $schema: SCHEMA,
    title: {
      text: 'Speedup per model',
      subtitle: `baseline median / optimized median; whiskers: ${Math.round(analysis.bootstrap.confidence * 100)}% bootstrap CI; dashed line: no change`,
    },
    width: WIDTH,
    height: { step: 16 * Math.max(1, new Set(values.map((v) => v.variant)).size) + 10 },
    data: { values },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: {
          y,
          yOffset,
          color,
          x: { field: 'low', type: 'quantitative', title: 'speedup (×)', scale: { zero: false } },
          x2: { field: 'high' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          y,
          yOffset,
          color,
          x: { field: 'speedup', type: 'quantitative' },
          tooltip: [
            { field: 'model' },
            { field: 'variant' },
            { field: 'speedup', format: '.3f' },
            { field: 'low', title: 'CI low', format: '.3f' },
            { field: 'high', title: 'CI high', format: '.3f' },
            { field: 'improvement', title: '% speed improvement', format: '+.1f' },
            { field: 'verdict' },
          ],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 6, fontSize: 11 },
        encoding: { y, yOffset, x: { field: 'high', type: 'quantitative' }, text: { field: 'label' } },
      },
      {
        mark: { type: 'rule', strokeDash: [4, 4], color: '#777' },
        encoding: { x: { datum: 1, type: 'quantitative' } },
      },
    ],
  };
}

export function distributionChart(analysis: StudyAnalysis): VegaLiteSpec | null {
  const values: Array<{ model: string; variant: string; ms: number }> = [];
  for (const v of analysis.variants) {
    if (v.samplesMs.length === 0) continue;
    for (const ms of quantileDownsample(v.samplesMs, MAX_DISTRIBUTION_POINTS))
      values.push({ model: v.variant.model, variant: seriesName(analysis, v.variant), ms });
  }
  if (values.length === 0) return null;
  return {
    $schema: SCHEMA,
    title: {
      text: 'Latency distribution per variant',
      subtitle: 'every round pooled; box: quartiles and median, whiskers: min and max',
    },
    data: { values },
    facet: { row: { field: 'model', type: 'nominal', sort: modelOrder(analysis), title: null } },
    spec: {
      width: WIDTH,
      mark: { type: 'boxplot', extent: 'min-max' },
      encoding: {
        y: { field: 'variant', type: 'nominal', sort: null, title: null },
        x: { field: 'ms', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
        color: { field: 'variant', type: 'nominal', title: 'variant' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
}

export function timelineChart(analysis: StudyAnalysis): VegaLiteSpec | null {
  const starts = analysis.variants.flatMap((v) =>
    v.measurements
      .map((m) => m.result?.window.startEpochMs)
      .filter((t): t is number => typeof t === 'number'),
  );
  if (starts.length === 0) return null;
  const origin = Math.min(...starts);
  const values: Array<{ model: string; variant: string; round: number; t: number; ms: number }> = [];
  for (const v of analysis.variants) {
    for (const m of v.measurements) {
      const window = m.result?.window;
      const n = m.samplesMs.length;
      if (!window || n === 0) continue;
      let total = 0;
      for (let i = 0; i < n; i++) total += m.samplesMs[i];
      const span = Math.max(0, window.endEpochMs - window.startEpochMs);
      const size = Math.max(1, Math.ceil(n / MAX_TIMELINE_POINTS));
      let elapsed = 0;
      for (let from = 0; from < n; from += size) {
        const to = Math.min(n, from + size);
        let mid = elapsed;
        for (let i = from; i < to; i++) {
          if (i < from + (to - from) / 2) mid += m.samplesMs[i];
          elapsed += m.samplesMs[i];
        }
        const t = window.startEpochMs + (total > 0 ? (mid / total) * span : 0);
        values.push({
          model: v.variant.model,
          variant: seriesName(analysis, v.variant),
          round: m.round,
          t: (t - origin) / 1000,
          ms: windowMedian(m.samplesMs, from, to),
        });
      }
    }
  }
  if (values.length === 0) return null;
  const readings = telemetryPoints(analysis, origin);
  const latencyEncoding = (x: Record<string, unknown>) => ({
    x,
    y: { field: 'ms', type: 'quantitative', title: 'latency (ms)', scale: { zero: false } },
    color: { field: 'variant', type: 'nominal', title: 'variant' },
    detail: { field: 'round', type: 'nominal' },
    tooltip: [
      { field: 'variant' },
      { field: 'round' },
      { field: 't', title: 's', format: '.1f' },
      { field: 'ms', title: 'ms', format: '.3f' },
    ],
  });
  const latencyMark = { type: 'line', point: { size: 10 }, strokeWidth: 1.5 };
  const xTitle = 'time since the study started (s)';
  if (readings.length === 0) {
    return {
      $schema: SCHEMA,
      title: {
        text: 'Latency over time',
        subtitle: [
          'median of consecutive samples; one segment per round; drift and throttling show as trends',
          'no CPU frequency or temperature readings stored (telemetry off or cpufreq/thermal unavailable): nothing overlaid',
        ],
      },
      data: { values },
      facet: { row: { field: 'model', type: 'nominal', sort: modelOrder(analysis), title: null } },
      spec: {
        width: WIDTH,
        height: 140,
        mark: latencyMark,
        encoding: latencyEncoding({ field: 't', type: 'quantitative', title: xTitle }),
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    };
  }
  // With readings: per model, latency on top and frequency/temperature right under it, on the
  // same x domain (the model's time span), so a dip in frequency lines up with a rise in latency.
  const models = [...new Set(values.map((v) => v.model))];
  const blocks = models.map((model) => {
    const lat = values.filter((v) => v.model === model);
    const tel = readings.filter((r) => r.model === model);
    const ts = [...lat.map((v) => v.t), ...tel.map((r) => r.t)];
    const x = (title: string | null) => ({
      field: 't',
      type: 'quantitative',
      title,
      scale: { domain: [Math.min(...ts), Math.max(...ts)], nice: false },
    });
    const latency = {
      title: { text: model, anchor: 'start', fontSize: 12 },
      width: WIDTH,
      height: 140,
      data: { values: lat },
      mark: latencyMark,
      encoding: latencyEncoding(x(null)),
    };
    const layers: Record<string, unknown>[] = [];
    const tooltip = [
      { field: 'variant' },
      { field: 'round' },
      { field: 't', title: 's', format: '.1f' },
      { field: 'freqMHz', title: 'CPU MHz', format: '.0f' },
      { field: 'tempC', title: '°C', format: '.1f' },
    ];
    /** One reading (frequency or temperature) as a line on its own y axis. */
    const readingLayer = (field: 'freqMHz' | 'tempC', title: string, orient: string, dash?: number[]) => ({
      transform: [{ filter: `isValid(datum.${field})` }],
      mark: { type: 'line', strokeWidth: 1.5, ...(dash ? { strokeDash: dash } : {}) },
      encoding: {
        x: x(xTitle),
        y: { field, type: 'quantitative', title, scale: { zero: false }, axis: { orient } },
        color: { field: 'variant', type: 'nominal', title: 'variant' },
        detail: { field: 'round', type: 'nominal' },
        tooltip,
      },
    });
    if (tel.some((r) => r.freqMHz !== null))
      layers.push(readingLayer('freqMHz', 'CPU frequency (MHz, solid)', 'left'));
    if (tel.some((r) => r.tempC !== null))
      layers.push(readingLayer('tempC', 'max temperature (°C, dashed)', 'right', [4, 3]));
    const below =
      layers.length > 0
        ? {
            width: WIDTH,
            height: 90,
            data: { values: tel },
            layer: layers,
            resolve: { scale: { y: 'independent' } },
          }
        : {
            width: WIDTH,
            height: 20,
            title: { text: 'no CPU frequency or temperature readings for this model', fontSize: 10 },
            data: { values: lat },
            mark: { type: 'tick', opacity: 0 },
            encoding: { x: x(xTitle) },
          };
    return {
      vconcat: [latency, below],
      spacing: 4,
      resolve: { scale: { x: 'independent', y: 'independent' } },
    };
  });
  return {
    $schema: SCHEMA,
    title: {
      text: 'Latency over time, with CPU frequency and temperature',
      subtitle: [
        'median of consecutive samples; one segment per round; drift and throttling show as trends',
        "below each model: the fastest core's frequency (solid, left axis) and the hottest sensor (dashed, right axis), on the same time axis",
      ],
    },
    vconcat: blocks,
    resolve: { scale: { color: 'shared', x: 'independent', y: 'independent' } },
  };
}

/** A telemetry reading placed on the study's time axis (seconds since the first round started). */
export interface TimelineReading {
  model: string;
  variant: string;
  round: number;
  t: number;
  freqMHz: number | null;
  tempC: number | null;
}

/** Every variant's frequency/temperature readings (at most MAX_TIMELINE_POINTS per round), on the timeline's axis. */
function telemetryPoints(analysis: StudyAnalysis, origin: number): TimelineReading[] {
  const out: TimelineReading[] = [];
  for (const v of analysis.variants) {
    const series = v.telemetry?.series ?? [];
    for (const round of new Set(series.map((p) => p.round))) {
      const points = series.filter(
        (p) => p.round === round && (p.cpuFreqMHz !== null || p.maxTempC !== null),
      );
      const stride = Math.max(1, Math.ceil(points.length / MAX_TIMELINE_POINTS));
      for (let i = 0; i < points.length; i += stride) {
        const p = points[i];
        const start = v.measurements.find((m) => m.round === round && m.status === 'ok')?.result?.window
          .startEpochMs;
        if (start === undefined) continue;
        out.push({
          model: v.variant.model,
          variant: seriesName(analysis, v.variant),
          round,
          t: (start + p.offsetMs - origin) / 1000,
          freqMHz: p.cpuFreqMHz,
          tempC: p.maxTempC,
        });
      }
    }
  }
  return out;
}

export function fidelityChart(analysis: StudyAnalysis): VegaLiteSpec | null {
  const values = analysis.comparisons
    .filter((c) => c.fidelity?.metrics)
    .map((c) => {
      const m = c.fidelity!.metrics!;
      return {
        model: c.model,
        variant: seriesName(analysis, c),
        // The bars: a finite SNR only; identical outputs and an undefined SNR are written as text.
        snrDb: fidelityIdentical(m) ? null : m.snrDb,
        identical: fidelityIdentical(m),
        cosine: m.cosine,
        maxAbsErr: m.maxAbsErr,
        top1: m.top1Agreement,
        label: fidelityIdentical(m)
          ? 'identical'
          : m.snrDb === null || !Number.isFinite(m.snrDb)
            ? 'SNR undefined'
            : `${m.snrDb.toFixed(1)} dB`,
      };
    });
  if (values.length === 0) return null;
  const x = { field: 'model', type: 'nominal', sort: modelOrder(analysis), title: null };
  const xOffset = { field: 'variant', type: 'nominal' };
  const tooltip = [
    { field: 'model' },
    { field: 'variant' },
    { field: 'snrDb', title: 'SNR (dB)', format: '.1f' },
    { field: 'cosine', format: '.6f' },
    { field: 'maxAbsErr', title: 'max |Δ|', format: '.2e' },
    { field: 'top1', title: 'top-1 agreement', format: '.0%' },
  ];
  const finite = values.some((v) => v.snrDb !== null);
  const barLayers = finite
    ? [
        {
          transform: [{ filter: 'datum.snrDb !== null' }],
          mark: { type: 'bar' },
          encoding: {
            x,
            xOffset,
            y: { field: 'snrDb', type: 'quantitative', title: 'SNR (dB)' },
            color: { field: 'variant', type: 'nominal', title: 'optimized variant' },
            tooltip,
          },
        },
        {
          transform: [{ filter: 'datum.snrDb !== null' }],
          mark: { type: 'text', dy: -6, fontSize: 10 },
          encoding: { x, xOffset, y: { field: 'snrDb', type: 'quantitative' }, text: { field: 'label' } },
        },
      ]
    : [];
  return {
    $schema: SCHEMA,
    title: {
      text: 'Fidelity: optimized outputs vs baseline outputs',
      subtitle: finite
        ? 'signal-to-noise ratio of the outputs (higher is closer); "identical": bit-identical outputs'
        : values.every((v) => v.identical)
          ? 'every optimized variant gave bit-identical outputs to its baseline'
          : 'no finite SNR: "identical": bit-identical outputs; "SNR undefined": the baseline outputs are all zeros',
    },
    width: WIDTH,
    height: finite ? 220 : 60,
    data: { values },
    layer: [
      ...barLayers,
      {
        transform: [{ filter: 'datum.snrDb === null' }],
        mark: { type: 'text', fontSize: 11, ...(finite ? { angle: 270, align: 'left' } : {}) },
        encoding: {
          x,
          xOffset,
          ...(finite ? { y: { value: 210 } } : { y: { value: 30 } }),
          text: { field: 'label' },
          tooltip,
        },
      },
    ],
  };
}

export interface StudyCharts {
  speedup: VegaLiteSpec | null;
  distribution: VegaLiteSpec | null;
  timeline: VegaLiteSpec | null;
  fidelity: VegaLiteSpec | null;
}

export function studyCharts(analysis: StudyAnalysis): StudyCharts {
  return {
    speedup: speedupChart(analysis),
    distribution: distributionChart(analysis),
    timeline: timelineChart(analysis),
    fidelity: fidelityChart(analysis),
  };
}
