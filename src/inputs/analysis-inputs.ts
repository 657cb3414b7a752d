/** What `inspect` is asked to count for: input shapes and small input values, resolved against a model. */

import { UserError } from '../errors.js';
import type { AnalyzeOptions } from '../onnx/analysis.js';
import { type Dim, type Model, modelInputs } from '../onnx/ir.js';
import { bindDimensionNames, type GivenShapes } from '../onnx/shapes.js';
import type { TensorInfo } from '../onnx/tensor.js';
import { literalTensor, looksLikeLiteral, tensorNumbers } from './input-values.js';

export interface AnalysisInputRequest {
  /** Binds the name of each symbolic leading dimension. */
  batch?: number;
  /** Full shapes by input name. */
  shapes?: Record<string, number[]>;
  /** `[name, value]` pairs (e.g. `['sr', '16000']`): values of scalar or 1-D inputs. */
  values?: Array<[string, string]>;
}

/**
 * The shapes and values a request (`inspect --batch/--shape/--input`) asks the counts for: names bound across inputs as `run` binds them;
 * dimensions nothing binds stay symbolic (taken as 1 by the analysis, which says so).
 */
export function analysisInputs(
  model: Model,
  request: AnalysisInputRequest,
): Pick<AnalyzeOptions, 'inputShapes' | 'inputValues'> {
  const infos: TensorInfo[] = modelInputs(model.graph).map((v) => ({
    name: v.name,
    type: v.dataType ?? 'unknown',
    shape: (v.shape ?? []).map((d) => d ?? ''),
  }));
  const byName = new Map(infos.map((i) => [i.name, i]));
  const shapes = request.shapes ?? {};
  const inputValues: Record<string, number[]> = {};
  const given: GivenShapes = {};
  for (const [name, text] of request.values ?? []) {
    const info = byName.get(name);
    if (!info)
      throw new UserError(
        `the model has no input named '${name}'; its inputs are: ${[...byName.keys()].join(', ')}`,
      );
    if (!looksLikeLiteral(text))
      throw new UserError(`--input ${name}=${text}: inspect takes values (e.g. sr=16000), not files`);
    const tensor = literalTensor(info, text);
    inputValues[name] = tensorNumbers(tensor);
    given[name] = { dims: tensor.dims, source: `--input ${name}=${text}` };
  }
  for (const name of Object.keys(shapes))
    if (!byName.has(name))
      throw new UserError(
        `the model has no input named '${name}'; its inputs are: ${[...byName.keys()].join(', ')}`,
      );
  const bindings = bindDimensionNames(infos, { batch: request.batch, shapes }, given);
  const inputShapes: Record<string, Dim[]> = {};
  for (const info of infos) {
    const fixed = shapes[info.name] ?? given[info.name]?.dims;
    inputShapes[info.name] = fixed
      ? [...fixed]
      : info.shape.map((d, i) => {
          if (typeof d === 'number' && d > 0) return d;
          const bound = typeof d === 'string' && d !== '' ? bindings.get(d) : undefined;
          if (bound) return bound.size;
          if (i === 0 && request.batch !== undefined) return request.batch;
          return typeof d === 'string' && d !== '' ? d : null;
        });
  }
  return { inputShapes, ...(Object.keys(inputValues).length > 0 ? { inputValues } : {}) };
}
