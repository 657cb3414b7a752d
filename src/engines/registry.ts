/**
 * Engines by id, registered once here: nothing else constructs an engine. `env` asks every listed
 * engine whether it works here and reports all failures together; `measure()` and the study look
 * engines up by the name a flag or a spec gives (`ort/webgpu` → engine `ort`, variant `webgpu`).
 */
import { UserError } from '../errors.js';
import type { Engine, EngineProbe, InProcessSession } from './engine.js';
import { NullEngine } from './null.js';
import { OrtEngine } from './ort.js';
import { TorchEngine } from './torch/engine.js';
import { TrtexecEngine } from './trtexec/engine.js';

/** What an engine may need to know of where it runs: the environment and the user's Python. */
export interface EngineContext {
  env?: NodeJS.ProcessEnv;
  /** The interpreter for Python-side engines (`--python`), tried before $EDGEBENCH_PYTHON and PATH. */
  python?: string;
}

type EngineFactory = (context: EngineContext) => Engine;

interface Registration {
  factory: EngineFactory;
  /** Listed by `env` (the null engine measures the harness and is not listed). */
  listed: boolean;
}

const engines = new Map<string, Registration>([
  ['ort', { factory: () => new OrtEngine(), listed: true }],
  ['trtexec', { factory: (c) => new TrtexecEngine(c.env ? { env: c.env } : {}), listed: true }],
  ['torch', { factory: (c) => new TorchEngine(c), listed: true }],
  ['null', { factory: () => new NullEngine(), listed: false }],
]);

/** Replaces or adds an engine (tests register fakes under an engine's id). */
export function registerEngine(id: string, factory: EngineFactory, listed = true): void {
  engines.set(id, { factory, listed });
}

export function engineNames(): string[] {
  return [...engines.keys()];
}

export function getEngine(id: string, context: EngineContext = {}): Engine {
  const registration = engines.get(id);
  if (!registration)
    throw new UserError(`unknown engine '${id}'; known engines: ${engineNames().join(', ')}`);
  return registration.factory(context);
}

/** `ort/webgpu` → { engine: 'ort', variant: 'webgpu' }; `trtexec` → { engine: 'trtexec' }. */
export function parseEngineName(name: string): { engine: string; variant?: string } {
  const [engine, variant, ...rest] = name.split('/');
  if (!engine || rest.length > 0 || variant === '')
    throw new UserError(
      `malformed engine name '${name}': expected ENGINE or ENGINE/VARIANT (e.g. ort/webgpu)`,
    );
  return variant ? { engine, variant } : { engine };
}

/**
 * A session in this process, for the callers that feed inputs themselves (pipelines, fidelity
 * checks): an engine whose sessions measure elsewhere is refused with one line.
 */
export async function openInProcess(
  name: string,
  model: string,
  options: Record<string, unknown> = {},
  context: EngineContext = {},
): Promise<InProcessSession> {
  const { engine, variant } = parseEngineName(name);
  const session = await getEngine(engine, context).open(model, options, variant);
  if (session.kind === 'in-process') return session;
  await session.dispose();
  throw new UserError(
    `the ${engine} engine measures in its own process (${session.where.label}), so it cannot be fed inputs one by one here: use onnxruntime (ort) for this`,
  );
}

/** Every listed engine's probes; an engine whose probe itself throws is reported as unavailable. */
export async function probeAllEngines(context: EngineContext = {}): Promise<EngineProbe[]> {
  const listed = [...engines.entries()].filter(([, r]) => r.listed).map(([id]) => id);
  const results = await Promise.all(
    listed.map(async (id) => {
      try {
        return await getEngine(id, context).probe();
      } catch (error) {
        return [
          {
            id,
            bundled: false,
            available: false,
            reason: error instanceof Error ? error.message : String(error),
          },
        ];
      }
    }),
  );
  return results.flat();
}
