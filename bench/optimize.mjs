// What the optimization recipes buy, measured on this machine's CPU (onnxruntime-node, 2 threads).
//
// 1. The reference: int8-static applied to the fp32 reference graphs vs the INT8 models that
//    onnxruntime's Python quantizer made from the same graphs (bench/reference/ort-quant-reference.tar.xz),
//    measured in the same run, interleaved. Ratio = reference INT8 median / our INT8 median (≥ 1.0:
//    ours is at least as fast). Fidelity is printed too (the reference weights are constants, so it
//    says little there).
// 2. The zoo: resnet18, resnet50, mobilenet_v2, vgg16 (un-fused, BatchNorm as separate nodes, fp32,
//    graph optimizations disabled) vs every recipe (its output run with onnxruntime's default level, all).
//
// Medians are the best of ROUNDS interleaved rounds (A B C … A B C …). Prints figures only; never
// passes or fails on a timing. Build first: npx tsc -p tsconfig.build.json
// Usage: node bench/optimize.mjs [--quick] [--only reference|zoo] [--models resnet18,vgg16]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeHost } from '../dist/host/host.js';
import { benchmark } from '../dist/measure/benchmark.js';
import { compareOutputs, optimize } from '../dist/optimize/index.js';
import { resolveModel } from '../dist/zoo/resolve.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const modelFilter = args.includes('--models') ? args[args.indexOf('--models') + 1].split(',') : undefined;

const THREADS = 2;
// More, shorter rounds: on a shared machine, load changes between blocks of runs.
const ROUNDS = 3;
const STOP_RULES = quick
  ? { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 0, minCount: 3, maxCount: 3, maxTimeMs: 10_000, relCi: 0 }
  : {
      warmupTimeMs: 200,
      warmupCount: 3,
      minTimeMs: 300,
      minCount: 8,
      maxCount: 20,
      maxTimeMs: 6_000,
      relCi: 0,
    };
const CALIBRATION = { source: 'synthetic', count: 8, method: 'minmax' };
const FIDELITY_COUNT = quick ? 2 : 4;

const here = path.dirname(fileURLToPath(import.meta.url));
const work = await mkdtemp(path.join(os.tmpdir(), 'edgebench-bench-optimize-'));
const host = await describeHost();

function cpuFlags() {
  try {
    const flags =
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^flags\s*:\s*(.*)$/m)?.[1]
        .split(' ') ?? [];
    return (
      ['avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_int8'].filter((f) => flags.includes(f)).join(' ') ||
      'none listed'
    );
  } catch {
    return 'unknown';
  }
}

const ms = (x) => (x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const log = (line) => process.stdout.write(`${line}\n`);

/** Median latency of each variant: best of ROUNDS interleaved rounds. */
async function measure(variants) {
  const best = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      const result = await benchmark({
        modelPath: v.path,
        modelName: v.label,
        engine: { intraOpThreads: THREADS, graphOptLevel: v.level },
        stopRules: STOP_RULES,
        host,
      });
      const median = result.stats.medianMs;
      best.set(v.label, Math.min(best.get(v.label) ?? Infinity, median));
      process.stderr.write(`  round ${round + 1}: ${v.label} ${ms(median)} ms\n`);
    }
  }
  return best;
}

function fidelityLine(f) {
  const o = f.outputs[0];
  const top = o.top1Agreement === undefined ? '' : `, top-1 ${(o.top1Agreement * 100).toFixed(0)}%`;
  // NaN with finite errors: undefined (an all-zero output), see OutputFidelity; never printed as a number.
  const nan = Number.isNaN(o.maxAbsError) ? 'NaN' : 'n/a';
  const snr = Number.isNaN(o.snrDb) ? nan : o.snrDb === Infinity ? '∞ dB' : `${o.snrDb.toFixed(1)} dB`;
  const cosine = Number.isNaN(o.cosine) ? nan : o.cosine.toFixed(4);
  return `cosine ${cosine}, SNR ${snr}, max |err| ${o.maxAbsError.toExponential(2)}${top}`;
}

log(`# edgebench bench:optimize — ${new Date().toISOString()}`);
log(
  `CPU: ${host.cpu?.model ?? os.cpus()[0]?.model} (${os.cpus().length} logical cores; flags: ${cpuFlags()})`,
);
log(`onnxruntime-node, CPU EP, ${THREADS} intra-op threads; median ms, best of ${ROUNDS} interleaved rounds`);
log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}${quick ? ' (--quick: 3 runs per median)' : ''}`,
);

// ---------------------------------------------------------------------------------------------
// 1. The reference INT8 models

if (only === undefined || only === 'reference') {
  const refDir = path.join(work, 'reference');
  execFileSync('mkdir', ['-p', refDir]);
  execFileSync('tar', ['-xJf', path.join(here, 'reference', 'ort-quant-reference.tar.xz'), '-C', refDir]);
  log('');
  log('## int8-static vs onnxruntime Python quantizer (same fp32 graphs, same run)');
  log(
    '| model | fp32 all | INT8 reference | INT8 edgebench | ratio (ref/ours, ≥ 1.0 = ours as fast) | our INT8 vs fp32 all |',
  );
  log('|---|---|---|---|---|---|');
  const fidelity = [];
  for (const name of ['resnet18', 'resnet50', 'mobilenet_v2']) {
    if (modelFilter && !modelFilter.includes(name)) continue;
    const fp32 = path.join(refDir, `${name}.onnx`);
    const reference = path.join(refDir, `${name}.int8.onnx`);
    const ours = path.join(work, `${name}.edgebench.int8.onnx`);
    process.stderr.write(`${name}: quantizing…\n`);
    const report = await optimize({
      input: fp32,
      output: ours,
      recipes: 'int8-static',
      calibration: CALIBRATION,
      fidelity: { count: FIDELITY_COUNT },
    });
    const refFidelity = await compareOutputs(fp32, reference, { count: FIDELITY_COUNT });
    const t = await measure([
      { label: `${name} fp32`, path: fp32, level: 'all' },
      { label: `${name} ref`, path: reference, level: 'all' },
      { label: `${name} ours`, path: ours, level: 'all' },
    ]);
    const [f, r, o] = [t.get(`${name} fp32`), t.get(`${name} ref`), t.get(`${name} ours`)];
    log(`| ${name} | ${ms(f)} | ${ms(r)} | ${ms(o)} | ${(r / o).toFixed(2)} | ${(f / o).toFixed(2)}× |`);
    fidelity.push(
      `- ${name}: edgebench INT8 vs fp32: ${fidelityLine(report.fidelity)}; reference INT8 vs fp32: ${fidelityLine(refFidelity)}`,
    );
  }
  log('');
  log('Fidelity (reference weights are constants, so these say little about accuracy):');
  for (const line of fidelity) log(line);
}

// ---------------------------------------------------------------------------------------------
// 2. The zoo

const RECIPE_RUNS = [
  { label: 'ort-all', recipes: 'ort-all', level: 'all' },
  { label: 'fuse', recipes: 'fuse', level: 'all' },
  { label: 'fp16', recipes: 'fp16', level: 'all' },
  { label: 'int8-dynamic', recipes: 'fuse,int8-dynamic', level: 'all' },
  { label: 'int8-dynamic +conv', recipes: 'fuse,int8-dynamic', dynamicConv: true, level: 'all' },
  { label: 'fuse,int8-static', recipes: 'fuse,int8-static', level: 'all' },
];

if (only === undefined || only === 'zoo') {
  log('');
  log('## The zoo: un-fused fp32 with graph optimizations disabled vs each recipe (run with level all)');
  log(
    `| model | baseline (disabled) | fp32, level all | ${RECIPE_RUNS.map((r) => r.label).join(' | ')} | best | best speedup |`,
  );
  log(`|---|---|---|${RECIPE_RUNS.map(() => '---|').join('')}---|---|`);
  const fidelity = [];
  for (const name of ['resnet18', 'resnet50', 'mobilenet_v2', 'vgg16']) {
    if (modelFilter && !modelFilter.includes(name)) continue;
    const base = await resolveModel(`zoo:${name}`);
    const variants = [
      { label: 'baseline', path: base.path, level: 'disabled' },
      { label: 'fp32 all', path: base.path, level: 'all' },
    ];
    for (const run of RECIPE_RUNS) {
      const out = path.join(work, `${name}.${run.label.replace(/[^a-z0-9-]+/g, '_')}.onnx`);
      process.stderr.write(`${name}: ${run.label}…\n`);
      const report = await optimize({
        input: base.path,
        output: out,
        recipes: run.recipes,
        dynamicConv: run.dynamicConv === true,
        calibration: CALIBRATION,
        fidelity: { count: FIDELITY_COUNT },
      });
      fidelity.push(`- ${name} ${run.label}: ${fidelityLine(report.fidelity)}`);
      variants.push({ label: run.label, path: out, level: run.level });
    }
    const t = await measure(variants);
    const baseline = t.get('baseline');
    const optimized = variants.slice(2).map((v) => [v.label, t.get(v.label)]);
    const [bestLabel, bestMs] = optimized.reduce((a, b) => (b[1] < a[1] ? b : a));
    const cell = (label) => `${ms(t.get(label))} (${(baseline / t.get(label)).toFixed(2)}×)`;
    log(
      `| ${name} | ${ms(baseline)} | ${cell('fp32 all')} | ${RECIPE_RUNS.map((r) => cell(r.label)).join(' | ')} | ${bestLabel} | ${(baseline / bestMs).toFixed(2)}× |`,
    );
  }
  log('');
  log('Fidelity vs the un-fused fp32 model (synthetic inputs, seeded weights):');
  for (const line of fidelity) log(line);
}

log('');
log(
  `load average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await rm(work, { recursive: true, force: true });
