/** The stored form of a run's compute rate (see compute.ts for how it is computed). */
import { z } from 'zod';

export const peakEstimateSchema = z.object({
  gflopsPerSec: z.number(),
  estimated: z.literal(true),
  precision: z.enum(['fp32', 'int8']),
  cores: z.number(),
  coresSource: z.string(),
  clockMHz: z.number(),
  clockSource: z.string(),
  opsPerCycle: z.number(),
  isa: z.string(),
  formula: z.string(),
});

/** What one inference of the run's graph costs (the part of the figure that needs no timing). */
export const computeCountSchema = z.object({
  /** Operations per inference at the run's shapes: FLOPs, integer operations included. */
  flops: z.number(),
  /** Of those, integer multiply-accumulate operations (2 per MAC). */
  integerOps: z.number(),
  /** Nodes whose cost is unknown: when > 0 the figures are lower bounds. */
  unknownNodes: z.number(),
  /** How If/Loop/Scan subgraphs were counted, one line each. */
  notes: z.array(z.string()),
});

export const runComputeSchema = computeCountSchema.extend({
  unit: z.enum(['GFLOP/s', 'GOP/s']),
  /** flops / median latency (s) / 1e9. */
  gflopsPerSec: z.number(),
  /** The CPU's estimated peak for the run's precision; null with `peakAbsentReason` when there is none. */
  peak: peakEstimateSchema.nullable(),
  peakAbsentReason: z.string().optional(),
  /** gflopsPerSec / peak.gflopsPerSec: an estimate, as the peak is. */
  fractionOfPeak: z.number().nullable(),
});

export type ComputeCount = z.infer<typeof computeCountSchema>;
export type RunCompute = z.infer<typeof runComputeSchema>;

/** G/s of `flops` per inference at a median latency (ms): the one formula every report uses. */
export function ratePerSecond(flops: number, medianMs: number): number {
  return medianMs > 0 ? flops / (medianMs / 1000) / 1e9 : 0;
}

/**
 * A stored figure recomputed at another median latency (a study variant's, all rounds pooled): the
 * operations and the peak estimate are those stored with the measurement.
 */
export function rateAtMedian(stored: RunCompute, medianMs: number): RunCompute {
  const gflopsPerSec = ratePerSecond(stored.flops, medianMs);
  return {
    ...stored,
    gflopsPerSec,
    fractionOfPeak:
      stored.peak && stored.peak.gflopsPerSec > 0 ? gflopsPerSec / stored.peak.gflopsPerSec : null,
  };
}
