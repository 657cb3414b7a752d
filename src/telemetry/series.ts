/**
 * Pure arithmetic on timestamped readings: picking the samples of a window, integrating power
 * over it, differencing cumulative counters (with wraparound) across it. All times in epoch ms.
 */
import type { TimeWindow } from './types.js';

export interface Point {
  t: number;
  v: number;
}

/** Items whose time lies in [startMs, endMs]. */
export function inWindow<T extends { tMs: number }>(items: readonly T[], window: TimeWindow): T[] {
  return items.filter((item) => item.tMs >= window.startMs && item.tMs <= window.endMs);
}

/**
 * Items of the window plus the last one before it and the first one after it, so that rates and
 * integrals can reach the window's edges.
 */
export function bracketWindow<T extends { tMs: number }>(items: readonly T[], window: TimeWindow): T[] {
  let first = 0;
  while (first + 1 < items.length && items[first + 1].tMs <= window.startMs) first++;
  let last = items.length - 1;
  while (last - 1 >= 0 && items[last - 1].tMs >= window.endMs) last--;
  return items.slice(first, last + 1);
}

/** Sorted, with one point per time (the later reading wins). */
export function cleanPoints(points: readonly Point[]): Point[] {
  const sorted = points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  const out: Point[] = [];
  for (const point of sorted) {
    if (out.length > 0 && out[out.length - 1].t === point.t) out[out.length - 1] = point;
    else out.push(point);
  }
  return out;
}

/** Linear interpolation of a sorted series at time t (t must lie within it). */
export function interpolate(points: readonly Point[], t: number): number {
  if (t <= points[0].t) return points[0].v;
  for (let i = 1; i < points.length; i++) {
    if (points[i].t >= t) {
      const a = points[i - 1];
      const b = points[i];
      return b.t === a.t ? b.v : a.v + ((b.v - a.v) * (t - a.t)) / (b.t - a.t);
    }
  }
  return points[points.length - 1].v;
}

/** The part of the window the series covers: [max(start, first), min(end, last)], or null. */
export function coveredSpan(
  points: readonly Point[],
  window: TimeWindow,
): { from: number; to: number } | null {
  if (points.length === 0) return null;
  const from = Math.max(window.startMs, points[0].t);
  const to = Math.min(window.endMs, points[points.length - 1].t);
  return to > from ? { from, to } : null;
}

/**
 * `measure` of the series over the part of the window its readings cover, and that part's length in
 * ms; 0 and 0 where they cover none of it.
 */
function overCoveredSpan(
  points: readonly Point[],
  window: TimeWindow,
  measure: (series: readonly Point[], from: number, to: number) => number,
): { value: number; coveredMs: number } {
  const series = cleanPoints(points);
  const span = coveredSpan(series, window);
  if (!span) return { value: 0, coveredMs: 0 };
  return { value: measure(series, span.from, span.to), coveredMs: span.to - span.from };
}

/** ∫ v dt over [from, to] of a sorted series (piecewise linear between readings), in v·ms. */
function trapezoid(series: readonly Point[], from: number, to: number): number {
  const inside = series.filter((p) => p.t > from && p.t < to);
  const knots: Point[] = [
    { t: from, v: interpolate(series, from) },
    ...inside,
    { t: to, v: interpolate(series, to) },
  ];
  let area = 0;
  for (let i = 1; i < knots.length; i++) {
    area += ((knots[i].v + knots[i - 1].v) / 2) * (knots[i].t - knots[i - 1].t);
  }
  return area;
}

/**
 * ∫ P dt over the window for a power series in watts (piecewise linear between readings), in
 * joules, and the milliseconds of the window the readings cover.
 */
export function integratePower(
  points: readonly Point[],
  window: TimeWindow,
): { joules: number; coveredMs: number } {
  const { value: wattMs, coveredMs } = overCoveredSpan(points, window, trapezoid);
  return { joules: wattMs / 1000, coveredMs };
}

/**
 * Turns a wrapping counter (like RAPL energy_uj, which restarts at 0 after max_energy_range_uj)
 * into a monotonic one. With an unknown range a decrease is treated as a restart from 0.
 */
export function unwrapCounter(points: readonly Point[], range: number | null): Point[] {
  const out: Point[] = [];
  let offset = 0;
  for (let i = 0; i < points.length; i++) {
    if (i > 0 && points[i].v < points[i - 1].v) {
      offset += range !== null && range > 0 ? range : points[i - 1].v;
    }
    out.push({ t: points[i].t, v: points[i].v + offset });
  }
  return out;
}

/** Increase of a monotonic cumulative counter across the window (interpolated at the covered edges). */
export function counterDelta(
  points: readonly Point[],
  window: TimeWindow,
): { delta: number; coveredMs: number } {
  const { value: delta, coveredMs } = overCoveredSpan(
    points,
    window,
    (series, from, to) => interpolate(series, to) - interpolate(series, from),
  );
  return { delta, coveredMs };
}

/** Rates between consecutive readings of a cumulative counter (per ms), for intervals touching the window. */
export function intervalRates(points: readonly Point[], window: TimeWindow): number[] {
  const series = cleanPoints(points);
  const rates: number[] = [];
  for (let i = 1; i < series.length; i++) {
    const a = series[i - 1];
    const b = series[i];
    if (b.t <= window.startMs || a.t >= window.endMs || b.t === a.t) continue;
    rates.push((b.v - a.v) / (b.t - a.t));
  }
  return rates;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

export function max(values: readonly number[]): number | null {
  let best: number | null = null;
  for (const value of values) if (best === null || value > best) best = value;
  return best;
}

export function min(values: readonly number[]): number | null {
  let best: number | null = null;
  for (const value of values) if (best === null || value < best) best = value;
  return best;
}

/** Median of unsorted values (null when empty). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
