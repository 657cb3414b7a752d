/**
 * What a variant's rounds say besides latency: energy per inference (measured before estimated,
 * never invented), throttling and drift warnings, and telemetry series aligned to each round's window.
 */
import type { MeasurementRecord } from '../../store/types.js';
import {
  type EnergyMethod,
  type TelemetrySummary,
  type TelemetryWarning,
  telemetrySummarySchema,
} from '../../telemetry/schema.js';
import { medianOf } from './stats.js';

/** Energy per inference of a variant: medians over the rounds that have a figure (never invented). */
export interface VariantEnergy {
  /** Median over rounds of mJ per inference. */
  mJPerInference: number;
  /** Median over the same rounds of the average power (W). */
  avgPowerW: number | null;
  inferencesPerJoule: number | null;
  co2eGramsPer1000: number | null;
  /** true when the figure is a TDP-based estimate (only used when no round had a measured figure). */
  estimated: boolean;
  methods: EnergyMethod[];
  /** Rounds the medians are over. */
  rounds: number;
}

/** A telemetry series point placed on its round's latency timeline. */
export interface AlignedSeriesPoint {
  round: number;
  /** Epoch ms of the reading. */
  tMs: number;
  /** ms since the round's measurement window started (its first latency sample). */
  offsetMs: number;
  cpuFreqMHz: number | null;
  maxTempC: number | null;
  powerW: number | null;
  processCpuPct: number | null;
  systemCpuPct: number | null;
  gpuUtilPct: number | null;
}

export interface VariantTelemetry {
  /** Rounds that stored a telemetry summary. */
  rounds: number;
  energy: VariantEnergy | null;
  /** Why energy is absent (the rounds' reasons, de-duplicated), when it is. */
  energyAbsentReasons: string[];
  /** Throttling and drift warnings of every round, de-duplicated by kind, source and message. */
  warnings: Array<TelemetryWarning & { rounds: number[] }>;
  /** Every round's series points, aligned to that round's window start, in round then time order. */
  series: AlignedSeriesPoint[];
}

/** A stored telemetry summary read back, or null when absent or not in the current schema. */
export function telemetryOf(m: MeasurementRecord): TelemetrySummary | null {
  if (m.telemetry === null || m.telemetry === undefined) return null;
  const parsed = telemetrySummarySchema.safeParse(m.telemetry);
  return parsed.success ? parsed.data : null;
}

function finiteOrNull(values: Array<number | null | undefined>): number | null {
  return medianOf(values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
}

/** Telemetry of a variant's successful rounds (sorted by round): energy, warnings, aligned series. */
export function analyzeTelemetry(ok: readonly MeasurementRecord[]): VariantTelemetry | null {
  const rounds = ok
    .map((m) => ({ m, t: telemetryOf(m) }))
    .filter((x): x is { m: MeasurementRecord; t: TelemetrySummary } => x.t !== null);
  if (rounds.length === 0) return null;
  const withEnergy = rounds.filter((x) => x.t.energy && x.t.energy.mJPerInference !== null);
  const measured = withEnergy.filter((x) => !x.t.energy!.estimated);
  const used = measured.length > 0 ? measured : withEnergy;
  const energies = used.map((x) => x.t.energy!);
  const energy: VariantEnergy | null =
    energies.length === 0
      ? null
      : {
          mJPerInference: finiteOrNull(energies.map((e) => e.mJPerInference)) ?? Number.NaN,
          avgPowerW: finiteOrNull(energies.map((e) => e.avgPowerW)),
          inferencesPerJoule: finiteOrNull(energies.map((e) => e.inferencesPerJoule)),
          co2eGramsPer1000: finiteOrNull(energies.map((e) => e.co2eGramsPer1000)),
          estimated: measured.length === 0,
          methods: [...new Set(energies.map((e) => e.method))],
          rounds: energies.length,
        };
  const energyAbsentReasons = energy
    ? []
    : [...new Set(rounds.map((x) => x.t.energyAbsentReason).filter((r): r is string => !!r))];
  const warnings = new Map<string, TelemetryWarning & { rounds: number[] }>();
  for (const { m, t } of rounds) {
    for (const w of t.warnings) {
      const key = `${w.kind}|${w.source ?? ''}|${w.message}`;
      const seen = warnings.get(key);
      if (seen) {
        if (!seen.rounds.includes(m.round)) seen.rounds.push(m.round);
      } else warnings.set(key, { ...w, rounds: [m.round] });
    }
  }
  const series: AlignedSeriesPoint[] = [];
  for (const { m, t } of rounds) {
    const start = m.result?.window.startEpochMs ?? t.window.startMs;
    for (const p of t.series ?? [])
      series.push({
        round: m.round,
        tMs: p.tMs,
        offsetMs: p.tMs - start,
        cpuFreqMHz: p.cpuFreqMHz,
        maxTempC: p.maxTempC,
        powerW: p.powerW,
        processCpuPct: p.processCpuPct,
        systemCpuPct: p.systemCpuPct,
        gpuUtilPct: p.gpuUtilPct,
      });
  }
  return { rounds: rounds.length, energy, energyAbsentReasons, warnings: [...warnings.values()], series };
}
