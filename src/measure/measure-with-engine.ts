/**
 * `measureWithEngine('torch/cuda', 'resnet18', settings)`: the name-first form of `measure()`, kept
 * because studies and users call it by this name.
 */
import type { PortableMeasureRequest } from './measure.js';
import { type MeasureRequest, measure } from './measure.js';
import type { RunResult } from './result.js';

export { type ExternalResultContext, externalResult as toEngineRunResult } from './measure.js';

export type MeasureWithEngineSettings = Omit<MeasureRequest, 'engine' | 'model'>;
/** Settings that can cross a process boundary (no hooks, callbacks or signal). */
export type PortableMeasureSettings = Omit<PortableMeasureRequest, 'engine' | 'model'>;

export { parseEngineName } from '../engines/registry.js';

export function measureWithEngine(
  name: string,
  model: string,
  settings: MeasureWithEngineSettings = {},
): Promise<RunResult> {
  return measure({ ...settings, engine: name, model });
}
