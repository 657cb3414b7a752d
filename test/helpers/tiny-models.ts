/** Small ONNX models the CLI tests generate (nothing committed): built straight from the IR. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  attr,
  DEFAULT_IR_VERSION,
  float32Tensor,
  type Graph,
  int64Tensor,
  type Model,
  type Node,
  type Tensor,
} from '../../src/onnx/ir.js';
import { saveModel } from '../../src/onnx/model-io.js';

/** y = relu(x · W + b), x: [batch, features] with a symbolic batch dimension. */
export function denseReluModel(features = 16, outputs = 8, batchDim: number | string = 'batch'): Model {
  const weights = Array.from({ length: features * outputs }, (_, i) => Math.sin(i) * 0.3);
  const bias = Array.from({ length: outputs }, (_, i) => (i % 3) * 0.1);
  return {
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'edgebench-tests',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    metadata: {},
    functions: [],
    graph: {
      name: 'dense_relu',
      nodes: [
        { name: 'matmul', opType: 'MatMul', domain: '', inputs: ['x', 'W'], outputs: ['xw'], attributes: {} },
        { name: 'add', opType: 'Add', domain: '', inputs: ['xw', 'b'], outputs: ['pre'], attributes: {} },
        { name: 'relu', opType: 'Relu', domain: '', inputs: ['pre'], outputs: ['y'], attributes: {} },
      ],
      initializers: new Map([
        ['W', float32Tensor('W', [features, outputs], weights)],
        ['b', float32Tensor('b', [outputs], bias)],
      ]),
      inputs: [{ name: 'x', dataType: 'float32', shape: [batchDim, features] }],
      outputs: [{ name: 'y', dataType: 'float32', shape: [batchDim, outputs] }],
      valueInfo: [],
    },
  };
}

/** Writes the dense model plus broken files next to it; returns their paths. */
export async function writeFixtureModels(
  dir: string,
): Promise<{ dynamic: string; fixed: string; notOnnx: string; truncated: string }> {
  const dynamic = path.join(dir, 'dense-dynamic.onnx');
  const fixed = path.join(dir, 'dense-fixed.onnx');
  await saveModel(denseReluModel(), dynamic);
  await saveModel(denseReluModel(16, 8, 2), fixed);
  const notOnnx = path.join(dir, 'readme.onnx');
  await writeFile(notOnnx, 'this is a text file, not a model\n');
  const truncated = path.join(dir, 'truncated.onnx');
  const bytes = await readFile(dynamic);
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  return { dynamic, fixed, notOnnx, truncated };
}

const sinValues = (count: number, scale: number, phase = 0) =>
  Array.from({ length: count }, (_, i) => Math.sin(i * 0.37 + phase) * scale);

function valueNode(
  name: string,
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Node['attributes'] = {},
): Node {
  return { name, opType, domain: '', inputs, outputs, attributes };
}

/**
 * A voice-activity detector with the traits of the ones apps ship: inputs `input` [batch, sequence]
 * (audio samples), `sr` an int64 scalar (the sample rate) and LSTM state `h`, `c` [2, batch, 64];
 * an If on `sr == 16000` runs two stacked LSTM layers over 64-sample frames (then), or a cheap
 * energy path that passes the state through (else). Outputs: `output` [batch, 1], `hn`, `cn`.
 */
export function voiceActivityModel(hidden = 64, frame = 64): Model {
  const lstmLayer = (
    k: number,
    x: string,
    y: string,
    yh: string,
    yc: string,
  ): { nodes: Node[]; tensors: Tensor[] } => {
    const w = float32Tensor(
      `W${k}`,
      [1, 4 * hidden, k === 0 ? frame : hidden],
      sinValues(4 * hidden * (k === 0 ? frame : hidden), 0.08, k),
    );
    const r = float32Tensor(`R${k}`, [1, 4 * hidden, hidden], sinValues(4 * hidden * hidden, 0.05, k + 1));
    const b = float32Tensor(`B${k}`, [1, 8 * hidden], sinValues(8 * hidden, 0.02, k + 2));
    const start = int64Tensor(`start${k}`, [1], [k]);
    const end = int64Tensor(`end${k}`, [1], [k + 1]);
    return {
      tensors: [w, r, b, start, end],
      nodes: [
        valueNode(`h_slice${k}`, 'Slice', ['h', `start${k}`, `end${k}`, 'axis0'], [`h${k}`]),
        valueNode(`c_slice${k}`, 'Slice', ['c', `start${k}`, `end${k}`, 'axis0'], [`c${k}`]),
        valueNode(`lstm${k}`, 'LSTM', [x, `W${k}`, `R${k}`, `B${k}`, '', `h${k}`, `c${k}`], [y, yh, yc], {
          hidden_size: attr.int(hidden),
        }),
      ],
    };
  };
  const layer0 = lstmLayer(0, 'frames', 'y0', 'hn0', 'cn0');
  const layer1 = lstmLayer(1, 'y0_seq', 'y1', 'hn1', 'cn1');
  const thenBranch: Graph = {
    name: 'lstm_path',
    nodes: [
      valueNode('to_frames', 'Reshape', ['input', 'frame_shape'], ['framed']),
      valueNode('time_major', 'Transpose', ['framed'], ['frames'], { perm: attr.ints([1, 0, 2]) }),
      ...layer0.nodes,
      valueNode('drop_dir', 'Squeeze', ['y0', 'axis1'], ['y0_seq']),
      ...layer1.nodes,
      valueNode('last_h', 'Squeeze', ['hn1', 'axis0'], ['last']),
      valueNode('head', 'MatMul', ['last', 'W_out'], ['logit']),
      valueNode('prob', 'Sigmoid', ['logit'], ['then_output']),
      valueNode('stack_h', 'Concat', ['hn0', 'hn1'], ['then_hn'], { axis: attr.int(0) }),
      valueNode('stack_c', 'Concat', ['cn0', 'cn1'], ['then_cn'], { axis: attr.int(0) }),
    ],
    initializers: new Map(
      [
        ...layer0.tensors,
        ...layer1.tensors,
        int64Tensor('frame_shape', [3], [0, -1, frame]),
        int64Tensor('axis0', [1], [0]),
        int64Tensor('axis1', [1], [1]),
        float32Tensor('W_out', [hidden, 1], sinValues(hidden, 0.3)),
      ].map((t) => [t.name, t]),
    ),
    inputs: [],
    outputs: [
      { name: 'then_output', dataType: 'float32' },
      { name: 'then_hn', dataType: 'float32' },
      { name: 'then_cn', dataType: 'float32' },
    ],
    valueInfo: [],
  };
  const elseBranch: Graph = {
    name: 'energy_path',
    nodes: [
      valueNode('square', 'Mul', ['input', 'input'], ['power']),
      valueNode('energy', 'ReduceMean', ['power'], ['mean_power'], {
        axes: attr.ints([1]),
        keepdims: attr.int(1),
      }),
      valueNode('scaled', 'Mul', ['mean_power', 'gain'], ['energy_logit']),
      valueNode('prob8k', 'Sigmoid', ['energy_logit'], ['else_output']),
      valueNode('keep_h', 'Identity', ['h'], ['else_hn']),
      valueNode('keep_c', 'Identity', ['c'], ['else_cn']),
    ],
    initializers: new Map([['gain', float32Tensor('gain', [], [4])]]),
    inputs: [],
    outputs: [
      { name: 'else_output', dataType: 'float32' },
      { name: 'else_hn', dataType: 'float32' },
      { name: 'else_cn', dataType: 'float32' },
    ],
    valueInfo: [],
  };
  return {
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'edgebench-tests',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    metadata: {},
    functions: [],
    graph: {
      name: 'voice_activity',
      nodes: [
        valueNode('is_16k', 'Equal', ['sr', 'sr_16k'], ['wideband']),
        valueNode('by_rate', 'If', ['wideband'], ['output', 'hn', 'cn'], {
          then_branch: attr.graph(thenBranch),
          else_branch: attr.graph(elseBranch),
        }),
      ],
      initializers: new Map([['sr_16k', int64Tensor('sr_16k', [], [16000])]]),
      inputs: [
        { name: 'input', dataType: 'float32', shape: ['batch', 'sequence'] },
        { name: 'sr', dataType: 'int64', shape: [] },
        { name: 'h', dataType: 'float32', shape: [2, 'batch', hidden] },
        { name: 'c', dataType: 'float32', shape: [2, 'batch', hidden] },
      ],
      outputs: [
        { name: 'output', dataType: 'float32', shape: ['batch', 1] },
        { name: 'hn', dataType: 'float32', shape: [2, 'batch', hidden] },
        { name: 'cn', dataType: 'float32', shape: [2, 'batch', hidden] },
      ],
      valueInfo: [],
    },
  };
}
