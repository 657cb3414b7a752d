/** Generating a zoo model: architecture + resolved options → ONNX IR. */
import { UserError } from '../errors.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { Model } from '../onnx/ir.js';
import { formatShape, type ResolvedZooOptions, resolveZooOptions, type ZooOptions } from './options.js';
import { getArchitecture } from './registry.js';

/**
 * Bump when any generator's output changes (architecture, weights, names): it is part of the cache
 * key, so stale cached models are never reused.
 */
export const ZOO_GENERATOR_VERSION = 1;

export const ZOO_INPUT_NAME = 'input';
export const ZOO_OUTPUT_NAME = 'logits';

export interface BuildZooModelOptions {
  /** 'none' skips weight generation (for counting parameters and FLOPs only; cannot be saved). */
  weights?: 'random' | 'none';
}

export interface ZooModel {
  model: Model;
  options: ResolvedZooOptions;
}

/** Builds the named architecture. Throws UserError for unknown names, bad options or too-small inputs. */
export function buildZooModel(
  name: string,
  options: ZooOptions = {},
  build: BuildZooModelOptions = {},
): ZooModel {
  const architecture = getArchitecture(name);
  const resolved = resolveZooOptions(architecture, options);
  const builder = new GraphBuilder({
    name,
    seed: resolved.seed,
    weights: build.weights,
    producerName: 'edgebench',
    producerVersion: `zoo-${ZOO_GENERATOR_VERSION}`,
    docString: architecture.description,
  });
  const input = builder.input(ZOO_INPUT_NAME, resolved.input);
  let logits: string;
  try {
    logits = architecture.build(builder, input, resolved);
  } catch (error) {
    // A too-small input usually breaks a later layer's arithmetic (negative sizes, NaN weights):
    // name the first layer whose output collapsed, as for inputs that build but would not run.
    checkShapes(builder, name, resolved);
    throw new UserError(
      `cannot build ${name} for input ${formatShape(resolved.input)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  checkShapes(builder, name, resolved);
  builder.output(logits, ZOO_OUTPUT_NAME);
  const model = builder.build();
  model.metadata = {
    'edgebench.zoo.name': name,
    'edgebench.zoo.classes': String(resolved.classes),
    'edgebench.zoo.input': formatShape(resolved.input),
    'edgebench.zoo.seed': String(resolved.seed),
    'edgebench.zoo.generator_version': String(ZOO_GENERATOR_VERSION),
  };
  return { model, options: resolved };
}

/** Every intermediate must have a positive static shape, and the logits must be [N, classes]. */
function checkShapes(builder: GraphBuilder, name: string, options: ResolvedZooOptions): void {
  for (const node of builder.graph.nodes) {
    for (const out of node.outputs) {
      const shape = builder.shapeOf(out);
      if (shape.some((d) => typeof d !== 'number' || d <= 0)) {
        throw new UserError(
          `input ${formatShape(options.input)} is too small for ${name}: ${node.name} would output [${shape.join(', ')}]`,
        );
      }
    }
  }
}
