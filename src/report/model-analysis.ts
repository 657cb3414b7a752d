/** `edgebench inspect` as text: what a model is (inputs, outputs, weights) and what it costs. Pure. */
import type { ModelAnalysis } from '../onnx/analysis.js';
import { bytes, siCount, table } from './format.js';

function shapeText(shape: (number | string | null)[] | undefined): string {
  return shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : '[?]';
}

function giga(value: number): string {
  return (value / 1e9).toFixed(3);
}

/** How one If/Loop/Scan entered the totals: each subgraph's cost per run, and what was counted. */
function controlFlowLine(c: ModelAnalysis['compute']['controlFlow'][number]): string {
  const each = c.subgraphs
    .map((s) => `${s.attribute} ${siCount(s.macs)} MACs (${siCount(s.flops)} FLOPs)`)
    .join(', ');
  return `subgraphs    ${c.opType} '${c.node}': ${each}; counted: ${c.counted} = ${siCount(c.macs)} MACs (${siCount(c.flops)} FLOPs)`;
}

/** The human-readable report (a pure function of the analysis). */
export function formatAnalysis(path: string, a: ModelAnalysis): string {
  const lines = [
    `model        ${path}`,
    `producer     ${a.producer || '—'}  (IR ${a.irVersion}, opsets ${a.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')})`,
    ...a.inputs.map((v) => `input        ${v.name}  ${v.dataType ?? '?'} ${shapeText(v.shape)}`),
    ...a.outputs.map((v) => `output       ${v.name}  ${v.dataType ?? '?'} ${shapeText(v.shape)}`),
    `parameters   ${a.parameters.toLocaleString('en-US')}`,
    `weights      ${bytes(a.weightBytes)} in ${a.initializerCount} initializers`,
    `nodes        ${a.nodeCount}${a.subgraphNodeCount > 0 ? ` (+ ${a.subgraphNodeCount} in subgraphs)` : ''}`,
    `MACs         ${siCount(a.compute.macs)}   (conv+matmul FLOPs ${siCount(a.compute.convMatmulFlops)}, all FLOPs ${siCount(a.compute.flops)}${a.compute.integerOps > 0 ? `, of which integer ops ${siCount(a.compute.integerOps)}` : ''})`,
    ...a.compute.controlFlow.map(controlFlowLine),
    `peak memory  ${bytes(a.peakActivationBytes)} of activations (estimate)`,
    `shapes       ${a.shapeSource === 'static' ? 'static inference' : 'static inference + one onnxruntime run'}`,
  ];
  if (a.unresolvedValues.length > 0 || a.compute.unknownNodes > 0)
    lines.push(
      `unknown      ${a.unresolvedValues.length} value shapes (costs of ${a.compute.unknownNodes} nodes left out, subgraphs included)`,
    );
  for (const note of a.notes) lines.push(`note         ${note}`);
  const rows = [
    ['op type', 'count', 'GMACs', 'GFLOPs'],
    ...Object.entries(a.compute.byOpType)
      .sort((x, y) => y[1].flops - x[1].flops || y[1].count - x[1].count)
      .map(([op, c]) => [op, String(c.count), giga(c.macs), giga(c.flops)]),
  ];
  return `${lines.join('\n')}\n\n${table(rows)}`;
}
