/**
 * The int8-static graph edits: a plan (plan.ts) and the activations' parameters become Q/DQ nodes
 * and quantized initializers, named so they never collide with the model's own names. The numbers
 * come from weights.ts.
 */
import {
  attr,
  createTensor,
  type Graph,
  type Model,
  type Node,
  opsetVersion,
  type Tensor,
  tensorToFloat32,
  topologicalSort,
} from '../../../onnx/ir.js';
import { constantInitializer, createNamer, isGraphOutput, makeNode, replaceUses } from '../../graph-utils.js';
import type { QuantParams, QuantType } from '../quant-math.js';
import type { Groups, Plan } from './plan.js';
import {
  quantizeConstantValues,
  quantizeWeightAndBiasValues,
  weightAxis,
  zeroPointTensor,
} from './weights.js';

export interface RewriteSettings {
  activationType: QuantType;
  perChannel: boolean;
  /** '' (ai.onnx) or 'com.microsoft' for weight and bias DequantizeLinear. */
  weightDomain: string;
  /** '' (ai.onnx) or 'com.microsoft' for activation Q/DQ. */
  activationDomain: string;
  /** 7-bit weights ([-63, 63]). */
  reduceRange: boolean;
}

/** What the rewrite adds to the report. */
export interface RewriteResult {
  /** Quantized nodes by op type. */
  quantized: Record<string, number>;
  /** Channels whose weight scale was raised so the int32 bias fits. */
  biasAdjustedChannels: number;
}

/**
 * Applies `plan` to `model` (the graph the plan left): weights and biases behind DequantizeLinear,
 * and a Q→DQ pair with its group's parameters after every planned activation.
 */
export function rewrite(
  model: Model,
  plan: Plan,
  groups: Groups,
  params: Map<string, QuantParams>,
  settings: RewriteSettings,
): RewriteResult {
  const graph = model.graph;
  const namer = createNamer(graph);
  const newNodes: Node[] = [];
  const qType = settings.activationType;
  const paramsOf = (name: string) => params.get(groups.root(name))!;

  // Shared scale / zero-point initializers, one pair per group.
  const groupInits = new Map<string, { scale: string; zeroPoint: string }>();
  const groupInitializers = (name: string) => {
    const root = groups.root(name);
    let inits = groupInits.get(root);
    if (!inits) {
      const p = params.get(root)!;
      const scale = namer(`${root}_scale`);
      const zeroPoint = namer(`${root}_zero_point`);
      graph.initializers.set(scale, createTensor(scale, 'float32', [], Float32Array.of(p.scale)));
      graph.initializers.set(zeroPoint, zeroPointTensor(zeroPoint, qType, [p.zeroPoint], []));
      inits = { scale, zeroPoint };
      groupInits.set(root, inits);
    }
    return inits;
  };

  // 1. Weights and biases (before activations are renamed: they read the original input names).
  const quantized: Record<string, number> = {};
  let biasAdjustedChannels = 0;
  const weightCache = new Map<string, string>();
  for (const node of graph.nodes) {
    const role = plan.roles.get(node);
    if (!role) continue;
    quantized[node.opType] = (quantized[node.opType] ?? 0) + 1;
    if (role !== 'compute') continue;
    if (
      node.opType === 'Conv' ||
      node.opType === 'Gemm' ||
      (node.opType === 'MatMul' && isConstWeight(model, node.inputs[1]))
    ) {
      biasAdjustedChannels += quantizeWeightAndBias(
        model,
        node,
        paramsOf(node.inputs[0]),
        settings,
        namer,
        newNodes,
        weightCache,
      );
    } else if (node.opType === 'Add' || node.opType === 'Mul') {
      for (const [i, input] of node.inputs.entries()) {
        const t = constantInitializer(model, input);
        if (!t) continue;
        node.inputs[i] = quantizeConstantActivation(
          graph,
          t,
          qType,
          namer,
          newNodes,
          settings.activationDomain,
        );
      }
    }
  }

  // 2. Q→DQ after every quantized activation; readers take the DQ output.
  for (const t of plan.tensors) {
    const { scale, zeroPoint } = groupInitializers(t);
    if (isGraphOutput(graph, t)) {
      const pre = namer(`${t}_QuantizeLinear_Input`);
      for (const node of graph.nodes) node.outputs = node.outputs.map((o) => (o === t ? pre : o));
      const q = namer(`${t}_QuantizeLinear_Output`);
      newNodes.push(
        makeNode(namer, 'QuantizeLinear', [pre, scale, zeroPoint], [q], {}, settings.activationDomain),
      );
      newNodes.push(
        makeNode(namer, 'DequantizeLinear', [q, scale, zeroPoint], [t], {}, settings.activationDomain),
      );
      // Readers in the graph keep reading `t`, now the dequantized value, as everywhere else.
      continue;
    }
    const q = namer(`${t}_QuantizeLinear_Output`);
    const dq = namer(`${t}_DequantizeLinear_Output`);
    replaceUses(graph, t, dq);
    newNodes.push(
      makeNode(namer, 'QuantizeLinear', [t, scale, zeroPoint], [q], {}, settings.activationDomain),
    );
    newNodes.push(
      makeNode(namer, 'DequantizeLinear', [q, scale, zeroPoint], [dq], {}, settings.activationDomain),
    );
  }
  // New Q/DQ nodes join only now, so the renames above never touched their inputs.
  graph.nodes.push(...newNodes);
  topologicalSort(graph);
  return { quantized, biasAdjustedChannels };
}

function isConstWeight(model: Model, name: string): boolean {
  const t = constantInitializer(model, name);
  return t !== undefined && t.dataType === 'float32';
}

/** A constant operand of Add/Mul, quantized per-tensor with the activation type. */
function quantizeConstantActivation(
  graph: Graph,
  tensor: Tensor,
  type: QuantType,
  namer: (base: string) => string,
  newNodes: Node[],
  domain: string,
): string {
  const { params: p, data } = quantizeConstantValues(tensorToFloat32(tensor), type);
  const qName = namer(`${tensor.name}_quantized`);
  const sName = namer(`${tensor.name}_scale`);
  const zName = namer(`${tensor.name}_zero_point`);
  graph.initializers.set(qName, zeroPointTensor(qName, type, data, [...tensor.dims]));
  graph.initializers.set(sName, createTensor(sName, 'float32', [], Float32Array.of(p.scale)));
  graph.initializers.set(zName, zeroPointTensor(zName, type, [p.zeroPoint], []));
  const out = namer(`${tensor.name}_DequantizeLinear_Output`);
  newNodes.push(makeNode(namer, 'DequantizeLinear', [qName, sName, zName], [out], {}, domain));
  return out;
}

/** Replaces a node's float weight (and bias) by int8 / int32 initializers behind DequantizeLinear. */
function quantizeWeightAndBias(
  model: Model,
  node: Node,
  inputParams: QuantParams,
  settings: RewriteSettings,
  namer: (base: string) => string,
  newNodes: Node[],
  cache: Map<string, string>,
): number {
  const graph = model.graph;
  const weightName = node.inputs[1];
  const weight = constantInitializer(model, weightName)!;
  const axis = settings.perChannel ? weightAxis(node, weight) : undefined;
  const biasName = node.opType === 'MatMul' ? '' : (node.inputs[2] ?? '');
  const bias = biasName ? constantInitializer(model, biasName) : undefined;
  const {
    weight: q,
    bias: biasQ,
    adjusted,
  } = quantizeWeightAndBiasValues(
    tensorToFloat32(weight),
    weight.dims,
    axis,
    bias ? tensorToFloat32(bias) : undefined,
    inputParams.scale,
    settings.reduceRange ? 63 : 127,
  );
  const domain = axis !== undefined ? settings.weightDomain : settings.activationDomain;
  const cacheKey = `${weightName}|${axis}|${Array.from(q.scales.slice(0, 4)).join(',')}|${q.scales.length}`;
  let dqOut = adjusted === 0 ? cache.get(cacheKey) : undefined;
  if (!dqOut) {
    const qName = namer(`${weightName}_quantized`);
    const sName = namer(`${weightName}_scale`);
    const zName = namer(`${weightName}_zero_point`);
    const perAxis = axis !== undefined;
    graph.initializers.set(qName, createTensor(qName, 'int8', [...weight.dims], q.values));
    graph.initializers.set(sName, createTensor(sName, 'float32', perAxis ? [q.scales.length] : [], q.scales));
    graph.initializers.set(
      zName,
      createTensor(
        zName,
        'int8',
        perAxis ? [q.scales.length] : [],
        new Int8Array(perAxis ? q.scales.length : 1),
      ),
    );
    dqOut = namer(`${weightName}_DequantizeLinear_Output`);
    newNodes.push(
      makeNode(
        namer,
        'DequantizeLinear',
        [qName, sName, zName],
        [dqOut],
        perAxis ? { axis: attr.int(axis) } : {},
        domain,
      ),
    );
    if (adjusted === 0) cache.set(cacheKey, dqOut);
  }
  node.inputs[1] = dqOut;
  if (bias && biasQ) {
    const qName = namer(`${biasName}_quantized`);
    const sName = namer(`${biasName}_quantized_scale`);
    const zName = namer(`${biasName}_quantized_zero_point`);
    const n = biasQ.values.length;
    graph.initializers.set(qName, createTensor(qName, 'int32', [n], biasQ.values));
    graph.initializers.set(sName, createTensor(sName, 'float32', [n], biasQ.scales));
    graph.initializers.set(zName, createTensor(zName, 'int32', [n], new Int32Array(n)));
    const out = namer(`${biasName}_DequantizeLinear_Output`);
    const biasDomain = n > 1 && settings.weightDomain ? settings.weightDomain : settings.activationDomain;
    // A per-element bias needs the axis attribute (opset 13, or the com.microsoft op below it).
    if (n > 1 && !biasDomain && (opsetVersion(model) ?? 17) < 13) {
      graph.initializers.set(sName, createTensor(sName, 'float32', [], Float32Array.of(biasQ.scales[0])));
      graph.initializers.set(zName, createTensor(zName, 'int32', [], new Int32Array(1)));
      newNodes.push(makeNode(namer, 'DequantizeLinear', [qName, sName, zName], [out]));
    } else {
      newNodes.push(
        makeNode(
          namer,
          'DequantizeLinear',
          [qName, sName, zName],
          [out],
          n > 1 ? { axis: attr.int(0) } : {},
          biasDomain,
        ),
      );
    }
    node.inputs[2] = out;
  }
  return adjusted;
}
