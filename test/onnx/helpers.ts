/** Small hand-written graphs for the ONNX-layer tests. */
import type { Graph, Model, Node, Tensor, ValueInfo } from '../../src/onnx/ir.js';

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Node['attributes'] = {},
): Node {
  return { name: `${opType}_${outputs[0]}`, opType, domain: '', inputs, outputs, attributes };
}

export function model(
  nodes: Node[],
  inputs: ValueInfo[],
  outputs: ValueInfo[],
  initializers: Tensor[] = [],
  opset = 17,
): Model {
  const graph: Graph = {
    name: 'test',
    nodes,
    initializers: new Map(initializers.map((t) => [t.name, t])),
    inputs,
    outputs,
    valueInfo: [],
  };
  return {
    irVersion: 8,
    opsetImports: [{ domain: '', version: opset }],
    producerName: 'edgebench-tests',
    producerVersion: '0',
    domain: '',
    modelVersion: 0,
    docString: '',
    metadata: {},
    graph,
    functions: [],
  };
}
