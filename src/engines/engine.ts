/**
 * The Engine contract: a runtime that opens a model as a session, in this process or out of it.
 * Implementations live beside this file and register by id in `registry.ts`. Kept small, like
 * LoadGen's system under test; `measure/measure.ts` is the one place that drives sessions.
 */
import type { HostTensor, TensorInfo } from '../onnx/tensor.js';
import type { ExternalMeasurement, ExternalMeasureSettings } from './external.js';

/** What the engine did to a model before it could load it (results keep it as `model.opsetUpgrade`). */
export interface OpsetUpgradeInfo {
  domain: 'ai.onnx';
  from: number;
  to: number;
  /** Why, in words: what the runtime lacks. */
  reason: string;
  /** Nodes rewritten (the others only changed version). */
  rewritten: number;
  /** Time spent reading, upgrading and re-serializing the model (and on a refused first load). */
  durationMs: number;
}

/** Where a session's runner lives: a property of the session, never a second code path. */
export interface RunnerLocation {
  kind: 'this-process' | 'child-process' | 'remote';
  /** In words: `this process`, `python3 (child process)`, `jetson@nano (ssh)`. */
  label: string;
}

/** What an in-process session runs with, every default filled in (results keep it as `config.effective`). */
export interface SessionSettings {
  engine: string;
  /** The runtime and its version, e.g. `onnxruntime 1.30.0`. */
  engineVersion: string;
  executionProvider: string;
  intraOpThreads: number;
  interOpThreads: number;
  graphOptLevel: string;
  executionMode: string;
  providerOptions: Record<string, string | number | boolean>;
  profile: boolean;
  /** Whether an in-memory opset upgrade was allowed. */
  opsetUpgrade?: boolean;
}

/** A session that runs inferences in this process: the timing loop calls `run` between its clock reads. */
export interface InProcessSession {
  readonly kind: 'in-process';
  readonly where: RunnerLocation;
  readonly settings: SessionSettings;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Set when the model was upgraded in memory to an opset the runtime implements. */
  readonly opsetUpgrade?: OpsetUpgradeInfo;
  /** Runs one inference; resolves when the outputs are on the host (or on the device, if asked). */
  run(feeds: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>>;
  /**
   * The same inference, synchronously on this thread, where the engine can (onnxruntime's native
   * binding): the timing loop calls it so that nothing but the inference lies between its clock
   * reads, and yields to the event loop between samples itself.
   */
  runBlocking?(feeds: Readonly<Record<string, unknown>>): unknown;
  /** Converts host tensors to the engine's own feed objects once, outside the timed region. */
  prepareFeeds(feeds: Readonly<Record<string, HostTensor>>): Record<string, unknown>;
  /** Reads an engine output back as a host tensor (for fidelity checks, never timed). */
  readOutput(value: unknown): HostTensor;
  /** Ends the engine's own profiler, if it has one, and says where its trace is. */
  endProfiling?(): Promise<string | undefined>;
  dispose(): Promise<void>;
}

/**
 * A session whose runner measures on its own (a Python subprocess, trtexec, later another machine):
 * it runs the same warm-up and stop rules there and hands back every sample.
 */
export interface OutOfProcessSession {
  readonly kind: 'out-of-process';
  readonly where: RunnerLocation;
  measure(settings: ExternalMeasureSettings): Promise<ExternalMeasurement>;
  dispose(): Promise<void>;
}

export type Session = InProcessSession | OutOfProcessSession;

/** @deprecated The name of an in-process session before sessions could run elsewhere. */
export type LoadedModel = InProcessSession;

/**
 * An engine: what it is, whether it can run here (each variant, with the reason when not), and
 * opening a model as a session. `variant` is the part after the slash of `ort/webgpu`, `torch/cuda`.
 * Engines register once, in registry.ts; nothing else constructs one.
 */
export interface Engine<Options = unknown> {
  readonly id: string;
  probe(): Promise<EngineProbe[]>;
  /** Rejects with an EngineUnavailableError when it cannot run here, a UserError for bad input. */
  open(model: string, options?: Partial<Options>, variant?: string): Promise<Session>;
}

export interface EngineProbe {
  /** e.g. `ort/cpu`, `ort/webgpu`. */
  id: string;
  bundled: boolean;
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
  /** What was found when it works (versions, device), for `env --json`. */
  detail?: string;
}
