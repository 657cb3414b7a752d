/**
 * A `zoo:NAME?classes=…&input=…` spec as the torch engine runs it: the architecture's definition by
 * name, with the spec's class count and input shape (the batch set when one is given), so torch runs
 * the same architecture, head and input as the ONNX file the zoo generates for the other engines.
 */
import { resolveZooOptions } from '../../zoo/options.js';
import { getArchitecture } from '../../zoo/registry.js';
import { parseZooSpec } from '../../zoo/resolve.js';

export interface TorchZooModel {
  /** The architecture name the torch runner builds. */
  name: string;
  numClasses: number;
  /** Its input's full shape. */
  input: number[];
}

export function torchZooModel(spec: string, batch?: number): TorchZooModel {
  const { name, options } = parseZooSpec(spec);
  const zoo = resolveZooOptions(getArchitecture(name), options);
  const input = batch !== undefined ? [batch, ...zoo.input.slice(1)] : [...zoo.input];
  return { name, numClasses: zoo.classes, input };
}
