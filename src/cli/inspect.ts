/** `edgebench inspect MODEL`: what an ONNX model is and what it costs. */
import type { Command } from 'commander';
import { analyzeModel, type ModelAnalysis } from '../onnx/analysis.js';
import { loadModel } from '../onnx/model-io.js';
import { bytes, table } from '../report/format.js';
import { resolveModel } from '../zoo/resolve.js';
import { printableText, terminalJson } from './terminal.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show inputs/outputs, parameters, op types, MACs/FLOPs and memory of a model')
    .argument('<model>', 'ONNX file path, or zoo:NAME[?classes=N&input=1x3x224x224&seed=S]')
    .option('--json', 'print JSON instead of text')
    .option('--no-run', 'never run the model to find shapes static inference cannot')
    .action(async (spec: string, flags: { json?: boolean; run: boolean }) => {
      const resolved = await resolveModel(spec);
      const model = await loadModel(resolved.path);
      const analysis = await analyzeModel(model, { allowRun: flags.run, source: resolved.path });
      if (flags.json) {
        process.stdout.write(`${terminalJson({ model: resolved, ...analysis }, 2)}\n`);
        return;
      }
      process.stdout.write(`${printableText(formatAnalysis(resolved.path, analysis))}\n`);
    });
}

function shapeText(shape: (number | string | null)[] | undefined): string {
  return shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : '[?]';
}

function giga(value: number): string {
  return (value / 1e9).toFixed(3);
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
    `nodes        ${a.nodeCount}`,
    `MACs         ${giga(a.compute.macs)} G   (conv+matmul FLOPs ${giga(a.compute.convMatmulFlops)} G, all FLOPs ${giga(a.compute.flops)} G)`,
    `peak memory  ${bytes(a.peakActivationBytes)} of activations (estimate)`,
    `shapes       ${a.shapeSource === 'static' ? 'static inference' : 'static inference + one onnxruntime run'}`,
  ];
  if (a.unresolvedValues.length > 0)
    lines.push(
      `unknown      ${a.unresolvedValues.length} value shapes (costs of ${a.compute.unknownNodes} nodes left out)`,
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
