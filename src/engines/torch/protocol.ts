/**
 * The Python runners' protocol (PyTorch, and onnxruntime in Python): JSON lines on the runner's stdout,
 * one event per line (documented in docs/engines.md, "Python runner protocol"). This file validates
 * each event and folds a run's events into its raw result. Pure: lines in, state out.
 */
import { z } from 'zod';
import type { StopReason } from '../../core/loop.js';

export const TORCH_PROTOCOL_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const stopReason = z.enum(['min-reached', 'precision-reached', 'max-count', 'max-time']);
const shape = z.array(z.number().int());

/** What every Python runner's `probe` line starts with: the protocol and the interpreter. */
export const runnerProbeFields = {
  event: z.literal('probe'),
  protocol: z.number().int(),
  python: z.string(),
  executable: z.string().optional(),
  platform: z.string().optional(),
};

export const probeEventSchema = z.object({
  ...runnerProbeFields,
  torch: z.string().nullable(),
  torchError: z.string().optional(),
  torchvision: z.string().nullable().optional(),
  torchvisionError: z.string().optional(),
  timm: z.string().nullable().optional(),
  cudaBuilt: z.string().nullable().optional(),
  cudaAvailable: z.boolean().optional(),
  cudaDeviceCount: z.number().int().optional(),
  cudaDevice: z.string().optional(),
  cudaError: z.string().optional(),
  threads: z.number().int().optional(),
});
export type ProbeEvent = z.infer<typeof probeEventSchema>;

export const runEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('hello'),
    protocol: z.number().int(),
    python: z.string(),
    pid: z.number().optional(),
  }),
  // Loose: each runner adds its own fields (the onnxruntime runner's versions and providers), kept for it to read.
  z.looseObject({
    event: z.literal('ready'),
    coldStartMs: finite,
    importMs: finite.optional(),
    device: z.string(),
    deviceName: z.string().optional(),
    /** The torch runner's torch version (null for the null model); absent from other runners. */
    torch: z.string().nullable().optional(),
    torchvision: z.string().nullable().optional(),
    cuda: z.string().nullable().optional(),
    cudnn: z.number().nullable().optional(),
    mode: z.string(),
    threads: z.number().int(),
    interopThreads: z.number().int(),
    /** BLAS_INFO of the torch build (mkl, openblas, generic…), when it says. */
    blas: z.string().nullable().optional(),
    inputs: z.array(z.object({ name: z.string(), shape, dtype: z.string().optional() })),
    params: z.number().nullable().optional(),
  }),
  z.object({ event: z.literal('first'), ms: finite }),
  z.object({ event: z.literal('warmup'), count: z.number().int(), timeMs: finite }),
  z.object({ event: z.literal('sample'), ms: finite }),
  z.object({ event: z.literal('samples'), ms: z.array(finite) }),
  z.object({
    event: z.literal('done'),
    count: z.number().int(),
    stopReason,
    startEpochMs: finite,
    endEpochMs: finite,
    /** The same window on the device's monotonic clock (the clock device-side telemetry is stamped with). */
    startMonotonicMs: finite.optional(),
    endMonotonicMs: finite.optional(),
    outputs: z.array(z.object({ name: z.string(), shape })).optional(),
    peakRssBytes: z.number().nullable().optional(),
    cudaMaxMemoryAllocatedBytes: z.number().optional(),
  }),
  z.object({
    event: z.literal('error'),
    kind: z.enum(['unavailable', 'user', 'resource', 'internal']).optional(),
    message: z.string(),
  }),
  z.object({ event: z.literal('log'), message: z.string() }),
]);
export type RunEvent = z.infer<typeof runEventSchema>;
export type ReadyEvent = Extract<RunEvent, { event: 'ready' }>;
export type DoneEvent = Extract<RunEvent, { event: 'done' }>;
export type ErrorEvent = Extract<RunEvent, { event: 'error' }>;

export type ParsedLine =
  | { kind: 'event'; event: RunEvent }
  | { kind: 'unknown-event'; name: string }
  | { kind: 'noise'; line: string }
  | { kind: 'invalid'; line: string; problem: string };

/**
 * One stdout line. Lines that are not JSON objects are noise (a library printing to stdout); a JSON
 * object with an event we do not know is skipped (a newer runner); a known event with wrong fields is invalid.
 */
export function parseProtocolLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return { kind: 'noise', line };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { kind: 'noise', line };
  }
  if (value === null || typeof value !== 'object' || typeof (value as { event?: unknown }).event !== 'string')
    return { kind: 'noise', line };
  const name = (value as { event: string }).event;
  const parsed = runEventSchema.safeParse(value);
  if (parsed.success) return { kind: 'event', event: parsed.data };
  const known = runEventSchema.options.some((o) => o.shape.event.value === name);
  if (!known) return { kind: 'unknown-event', name };
  const issue = parsed.error.issues[0];
  return {
    kind: 'invalid',
    line,
    problem: `${name}: ${issue?.path.join('.') || 'event'} ${issue?.message ?? 'is malformed'}`,
  };
}

/** Everything a run reported, once it is done. */
export interface RunnerReport {
  ready: ReadyEvent;
  firstInferenceMs: number | null;
  warmup: { count: number; timeMs: number } | null;
  samplesMs: Float64Array;
  done: DoneEvent;
  /** Lines that were not protocol (kept for error messages and the record). */
  noise: string[];
  logs: string[];
}

/** Folds protocol lines into a report, checking order and completeness as it goes. */
export class ProtocolReader {
  private ready: ReadyEvent | undefined;
  private first: number | null = null;
  private warmup: { count: number; timeMs: number } | null = null;
  private samples: number[] = [];
  private done: DoneEvent | undefined;
  private failure: ErrorEvent | undefined;
  private violation: string | undefined;
  private hello = false;
  readonly noise: string[] = [];
  readonly logs: string[] = [];

  constructor(private readonly onEvent?: (event: RunEvent) => void) {}

  feed(line: string): void {
    const parsed = parseProtocolLine(line);
    if (parsed.kind === 'noise') {
      if (parsed.line.trim() && this.noise.length < 200) this.noise.push(parsed.line);
      return;
    }
    if (parsed.kind === 'unknown-event') return;
    if (parsed.kind === 'invalid') {
      this.violation ??= parsed.problem;
      return;
    }
    const event = parsed.event;
    this.onEvent?.(event);
    switch (event.event) {
      case 'hello':
        if (event.protocol !== TORCH_PROTOCOL_VERSION)
          this.violation ??= `runner speaks protocol ${event.protocol}, edgebench ${TORCH_PROTOCOL_VERSION}`;
        this.hello = true;
        return;
      case 'ready':
        this.ready = event;
        return;
      case 'first':
        this.first = event.ms;
        return;
      case 'warmup':
        this.warmup = { count: event.count, timeMs: event.timeMs };
        return;
      case 'sample':
        this.requireReady('sample');
        this.samples.push(event.ms);
        return;
      case 'samples':
        this.requireReady('samples');
        for (const ms of event.ms) this.samples.push(ms);
        return;
      case 'done':
        this.requireReady('done');
        this.done = event;
        return;
      case 'error':
        this.failure ??= event;
        return;
      case 'log':
        if (this.logs.length < 200) this.logs.push(event.message);
        return;
    }
  }

  private requireReady(what: string) {
    if (!this.ready) this.violation ??= `'${what}' arrived before 'ready'`;
  }

  /** The runner's own error, if it reported one. */
  get error(): ErrorEvent | undefined {
    return this.failure;
  }

  get sawHello(): boolean {
    return this.hello;
  }

  /** The finished report, or a reason why there is none. */
  result(): { report: RunnerReport } | { problem: string } {
    if (this.violation) return { problem: `protocol violation: ${this.violation}` };
    if (this.failure) return { problem: this.failure.message };
    if (!this.ready) return { problem: "the runner never reported 'ready'" };
    if (!this.done)
      return { problem: `the runner stopped after ${this.samples.length} samples without reporting 'done'` };
    if (this.done.count !== this.samples.length)
      return { problem: `the runner reported ${this.done.count} samples but sent ${this.samples.length}` };
    return {
      report: {
        ready: this.ready,
        firstInferenceMs: this.first,
        warmup: this.warmup,
        samplesMs: Float64Array.from(this.samples),
        done: this.done,
        noise: this.noise,
        logs: this.logs,
      },
    };
  }
}

export function isStopReason(value: string): value is StopReason {
  return stopReason.options.includes(value as StopReason);
}
