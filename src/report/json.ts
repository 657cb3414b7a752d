/**
 * The JSON report of a study: everything the other reports show, plus every sample of every round,
 * so the figures can be recomputed elsewhere. Versioned by `schema`/`version`. Pure.
 */
import type { StudyAnalysis } from '../study/compare.js';
import { DEFINITIONS } from './study-text.js';

export const STUDY_REPORT_SCHEMA = 'edgebench.study-report';
export const STUDY_REPORT_VERSION = 1;

export function studyReportObject(analysis: StudyAnalysis): Record<string, unknown> {
  return {
    schema: STUDY_REPORT_SCHEMA,
    // `schemaVersion` as every edgebench document has it; `version` kept for older readers.
    schemaVersion: STUDY_REPORT_VERSION,
    version: STUDY_REPORT_VERSION,
    study: analysis.study,
    environment: analysis.environment,
    bootstrap: analysis.bootstrap,
    definitions: Object.fromEntries(DEFINITIONS),
    comparisons: analysis.comparisons,
    epComparisons: analysis.epComparisons,
    frameworkComparisons: analysis.frameworkComparisons,
    averages: analysis.averages,
    ...(analysis.tune ? { tune: analysis.tune } : {}),
    variants: analysis.variants.map((v) => ({
      ...v.variant,
      rounds: v.rounds,
      samples: v.samplesMs.length,
      stats: v.stats,
      fps: v.fps,
      roundMedians: v.roundMedians,
      coldStartMs: v.coldStartMs,
      peakRssBytes: v.peakRssBytes,
      failure: v.failure,
      incomplete: v.incomplete,
      scenarioValidity: v.scenarioValidity,
      energy: v.telemetry?.energy ?? null,
      energyAbsentReasons: v.telemetry?.energyAbsentReasons ?? [],
      measurements: v.measurements.map((m) => ({
        round: m.round,
        status: m.status,
        failure: m.failure,
        startedAt: m.startedAt,
        endedAt: m.endedAt,
        coldStartMs: m.result?.coldStartMs ?? null,
        firstInferenceMs: m.result?.firstInferenceMs ?? null,
        warmup: m.result?.warmup ?? null,
        stopReason: m.result?.stopReason ?? null,
        window: m.result?.window ?? null,
        peakRssBytes: m.result?.peakRssBytes ?? null,
        config: m.result?.config ?? null,
        warnings: m.result?.warnings ?? [],
        scenario: m.result?.scenario ?? null,
        telemetry: m.telemetry,
        samplesMs: Array.from(m.samplesMs),
      })),
    })),
  };
}

/** Infinity and NaN become null (JSON has neither). */
export function renderJson(analysis: StudyAnalysis): string {
  const finite = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value;
  return `${JSON.stringify(studyReportObject(analysis), finite, 1)}\n`;
}
