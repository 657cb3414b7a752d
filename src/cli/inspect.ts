/** `edgebench inspect MODEL`: what an ONNX model is and what it costs. */
import type { Command } from 'commander';
import type { TensorInfo } from '../engines/engine.js';
import { UserError } from '../errors.js';
import { type AnalyzeOptions, analyzeModel, type ModelAnalysis } from '../onnx/analysis.js';
import { type Dim, type Model, modelInputs } from '../onnx/ir.js';
import { loadModel } from '../onnx/model-io.js';
import { bytes, siCount, table } from '../report/format.js';
import { literalTensor, looksLikeLiteral, tensorNumbers } from '../workloads/input-values.js';
import { bindDimensionNames, type GivenShapes, parseShapeFlag } from '../workloads/shapes.js';
import { parseInputFlag } from '../workloads/tensor-files.js';
import { resolveModel } from '../zoo/resolve.js';
import { collect, intFlag } from './flags.js';
import { printableText, terminalJson } from './terminal.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show inputs/outputs, parameters, op types, MACs/FLOPs and memory of a model')
    .argument('<model>', 'ONNX file path, or zoo:NAME[?classes=N&input=1x3x224x224&seed=S]')
    .option('--json', 'print JSON instead of text')
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
      const resolved = await resolveModel(spec);
      const model = await loadModel(resolved.path);
      const analysis = await analyzeModel(model, {
        allowRun: flags.run,
        source: resolved.path,
        ...requestedInputs(model, flags),
      });
      if (flags.json) {
        process.stdout.write(`${terminalJson({ model: resolved, ...analysis }, 2)}\n`);
        return;
      }
      process.stdout.write(`${printableText(formatAnalysis(resolved.path, analysis))}\n`);
    });
}

interface InspectFlags {
  json?: boolean;
  run: boolean;
  batch?: number;
  shape?: string[];
  input?: string[];
}

/**
 * The shapes and values the flags ask the counts for: names bound across inputs as `run` binds them;
 * dimensions nothing binds stay symbolic (taken as 1 by the analysis, which says so).
 */
function requestedInputs(
  model: Model,
  flags: InspectFlags,
): Pick<AnalyzeOptions, 'inputShapes' | 'inputValues'> {
  const infos: TensorInfo[] = modelInputs(model.graph).map((v) => ({
    name: v.name,
    type: v.dataType ?? 'unknown',
    shape: (v.shape ?? []).map((d) => d ?? ''),
  }));
  const byName = new Map(infos.map((i) => [i.name, i]));
  const shapes = Object.fromEntries((flags.shape ?? []).map(parseShapeFlag));
  const inputValues: Record<string, number[]> = {};
  const given: GivenShapes = {};
  for (const [name, text] of (flags.input ?? []).map(parseInputFlag)) {
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
  const bindings = bindDimensionNames(infos, { batch: flags.batch, shapes }, given);
  const inputShapes: Record<string, Dim[]> = {};
  for (const info of infos) {
    const fixed = shapes[info.name] ?? given[info.name]?.dims;
    inputShapes[info.name] = fixed
      ? [...fixed]
      : info.shape.map((d, i) => {
          if (typeof d === 'number' && d > 0) return d;
          const bound = typeof d === 'string' && d !== '' ? bindings.get(d) : undefined;
          if (bound) return bound.size;
          if (i === 0 && flags.batch !== undefined) return flags.batch;
          return typeof d === 'string' && d !== '' ? d : null;
        });
  }
  return { inputShapes, ...(Object.keys(inputValues).length > 0 ? { inputValues } : {}) };
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
