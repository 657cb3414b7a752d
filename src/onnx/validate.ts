/**
 * Structural checks on a model read from a file, before anything walks it as a graph: what onnx's
 * checker would refuse and edgebench's own passes cannot work with (a graph without outputs, a graph
 * input without a type, a cycle). Each failure is a UserError naming the model and what is wrong.
 */
import { UserError } from '../errors.js';
import { type Model, topologicalSort } from './ir.js';

export function checkGraph(model: Model, source: string): void {
  const graph = model.graph;
  if (graph.outputs.length === 0)
    throw new UserError(
      `${source} is not a usable ONNX model: its graph declares no outputs, so nothing in it is computed (check the export)`,
    );
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    if (input.dataType === undefined && input.nonTensorType === undefined)
      throw new UserError(
        `${source} is not a valid ONNX model: graph input '${input.name}' has no type (every graph input must declare its element type; re-export the model)`,
      );
  }
  try {
    topologicalSort({ ...graph, nodes: [...graph.nodes] });
  } catch (error) {
    throw new UserError(
      `${source} is not a valid ONNX model: ${(error as Error).message} (a node reads, directly or through others, what it produces itself)`,
      { cause: error },
    );
  }
}
