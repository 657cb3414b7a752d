/** `edgebench inspect MODEL`: what an ONNX model is and what it costs. */
import type { Command } from 'commander';
import type { ModelAnalysis } from '../onnx/analysis.js';
import { parseInputFlag, parseShapeFlag } from '../onnx/shapes.js';
import { jsonDocument } from '../report/documents.js';
import { bytes, siCount, table } from '../report/format.js';
import { collect, intFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';
import { printableText } from './terminal.js';

export function register(command: Command): void {
  jsonOption(command, 'the analysis')
    .argument('<model>', 'ONNX file path, or zoo:NAME[?classes=N&input=1x3x224x224&seed=S]')
    .option('--no-run', 'never run the model to find shapes static inference cannot')
    .option(
      '--batch <n>',
      "count for this batch (sets a symbolic leading dimension's name)",
      intFlag('--batch', 1),
    )
    .option(
      '--shape <name=dims>',
      'count for this input shape; its dimension names bind across inputs (repeatable)',
      collect,
    )
    .option(
      '--input <name=value>',
      'a value for a scalar/1-D input (e.g. sr=16000), so an If it decides counts the branch it takes (repeatable)',
      collect,
    )
    .action(async (spec: string, flags: InspectFlags) => {
      const [{ resolveModel }, { loadModel }, { analyzeModel }, { analysisInputs }, { ortShapeRunner }] =
        await Promise.all([
          import('../zoo/resolve.js'),
          import('../onnx/model-io.js'),
          import('../onnx/analysis.js'),
          import('../inputs/analysis-inputs.js'),
          import('../engines/ort-shapes.js'),
        ]);
      const resolved = await resolveModel(spec);
      const model = await loadModel(resolved.path);
      const analysis = await analyzeModel(model, {
        allowRun: flags.run,
        runShapes: ortShapeRunner,
        source: resolved.path,
        ...analysisInputs(model, {
          batch: flags.batch,
          shapes: Object.fromEntries((flags.shape ?? []).map(parseShapeFlag)),
          values: (flags.input ?? []).map(parseInputFlag),
        }),
      });
      await printResult(
        flags.json,
        jsonDocument('model-analysis', { model: resolved, ...analysis }),
        () => `${printableText(formatAnalysis(resolved.path, analysis))}\n`,
      );
    });
}

interface InspectFlags {
  json?: JsonFlag;
  run: boolean;
  batch?: number;
  shape?: string[];
  input?: string[];
}

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
