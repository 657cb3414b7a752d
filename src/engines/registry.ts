/**
 * Engines by name. `env` asks every registered engine whether it works here and reports all
 * failures together; the study looks engines up by the name a spec gives.
 */
import { UserError } from '../errors.js';
import type { Engine, EngineProbe } from './engine.js';
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

const factories = new Map<string, EngineFactory>([
  ['ort', () => new OrtEngine()],
  ['trtexec', (context) => new TrtexecEngine(context.env ? { env: context.env } : {})],
  ['torch', (context) => new TorchEngine(context)],
]);

export function registerEngine(name: string, factory: EngineFactory): void {
  factories.set(name, factory);
}

export function engineNames(): string[] {
  return [...factories.keys()];
}

export function getEngine(name: string, context: EngineContext = {}): Engine {
  const factory = factories.get(name);
  if (!factory) throw new UserError(`unknown engine '${name}'; known engines: ${engineNames().join(', ')}`);
  return factory(context);
}

/** Every engine's probes; an engine whose probe itself throws is reported as unavailable. */
export async function probeAllEngines(context: EngineContext = {}): Promise<EngineProbe[]> {
  const results = await Promise.all(
    engineNames().map(async (name) => {
      try {
        return await getEngine(name, context).probe();
      } catch (error) {
        return [
          {
            id: name,
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
