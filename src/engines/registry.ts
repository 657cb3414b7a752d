/**
 * Engines by name. `env` asks every registered engine whether it works here and reports all
 * failures together; the study looks engines up by the name a spec gives.
 */
import { UserError } from '../errors.js';
import type { Engine, EngineProbe } from './engine.js';
import { OrtEngine } from './ort.js';
import { TorchEngine } from './torch/engine.js';
import { TrtexecEngine } from './trtexec/engine.js';

type EngineFactory = () => Engine;

const factories = new Map<string, EngineFactory>([
  ['ort', () => new OrtEngine()],
  ['trtexec', () => new TrtexecEngine()],
  ['torch', () => new TorchEngine()],
]);

export function registerEngine(name: string, factory: EngineFactory): void {
  factories.set(name, factory);
}

export function engineNames(): string[] {
  return [...factories.keys()];
}

export function getEngine(name: string): Engine {
  const factory = factories.get(name);
  if (!factory) throw new UserError(`unknown engine '${name}'; known engines: ${engineNames().join(', ')}`);
  return factory();
}

/** Every engine's probes; an engine whose probe itself throws is reported as unavailable. */
export async function probeAllEngines(): Promise<EngineProbe[]> {
  const results = await Promise.all(
    engineNames().map(async (name) => {
      try {
        return await getEngine(name).probe();
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
