/**
 * TensorRT's fidelity measured on the board it runs on: a study on a real sshd board (a fake Jetson
 * Nano that runs edgebench, so onnxruntime is the board's edgebench with onnxruntime-node for real)
 * with `engines: [torch/cpu, trtexec, ort]`. torch cannot run there (no Python), so the trtexec fp16
 * variant is compared with the onnxruntime baseline of the same ONNX file. trtexec is the stand-in
 * of test/helpers/fake-trtexec.ts in its `computeOutputs` mode: its plan is the ONNX file it was
 * "built" from and its --exportOutput holds that model's outputs on the loaded inputs (onnxruntime,
 * six significant digits as trtexec prints). Real: the probe, the plan built into and reused from
 * the board's cache, the input files copied there, the export read back, and every figure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareInputs } from '../../src/measure/inputs.js';
import { openStore } from '../../src/store/index.js';
import { outputFidelity } from '../../src/study/fidelity.js';
import { runStudy } from '../../src/study/run.js';
import { parseSpec } from '../../src/study/spec.js';
import { addTarget } from '../../src/targets/config.js';
import { targetOutputs } from '../../src/targets/outputs.js';
import { connectTarget, type TargetConnection } from '../../src/targets/sessions.js';
import { resolveModel } from '../../src/zoo/resolve.js';
import { type FakeTrtexec, fakeTrtexec, TRTEXEC_FIXTURES, trtexecArgLines } from '../helpers/fake-trtexec.js';
import { tempDir } from '../helpers/temp.js';
import { cleanupFakeRoots, fakeRoot } from '../telemetry/fake-root.js';
import { jetsonNanoTree } from './jetson-tree.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const MODEL = 'zoo:squeezenet1_1?classes=4&input=1x3x32x32';
const COUNT = 2;
const SPEC = `name: trt-fidelity
models: ['${MODEL}']
optimized: [{ name: all, recipes: [], graphOptLevel: all }]
engines: [torch/cpu, trtexec, ort]
rounds: 1
stopRules: { warmupTimeMs: 200, warmupCount: 0, minTimeMs: 1000, minCount: 10, maxCount: 0, maxTimeMs: 0, relCi: 0 }
telemetry: false
fidelity: { enabled: true, count: ${COUNT} }
`;

describe.skipIf(sshdSkipReason())(
  'trtexec fidelity on a board over SSH (real sshd, stand-in trtexec)',
  () => {
    let sshd: TestSshd;
    let root = '';
    let dir = '';
    let fake: FakeTrtexec;
    let board: TargetConnection;
    let deviceCache = '';

    beforeAll(async () => {
      sshd = await startSshd({ withNode: true, without: ['python'] });
      root = await fakeRoot(jetsonNanoTree());
      fake = await fakeTrtexec({
        helpBanner: '[TensorRT v8201] ',
        runLog: path.join(TRTEXEC_FIXTURES, 'trt-8.2.1-nano-mobilenet_v2-fp16.log'),
        times: path.join(TRTEXEC_FIXTURES, 'trt-8.2.1-nano-mobilenet_v2-fp16.times.json'),
        binDir: path.join(root, 'usr/src/tensorrt/bin'),
        computeOutputs: true,
      });
      dir = await tempDir('edgebench-trtexec-fidelity-');
      deviceCache = path.join(sshd.home, '.cache', 'edgebench');
      const targets = path.join(dir, 'targets.yaml');
      await addTarget('board', `ssh://${sshd.alias}`, { sshConfig: sshd.sshConfig, file: targets });
      process.env.EDGEBENCH_TEST_PROBE_ROOT = root;
      try {
        board = await connectTarget('board', { targetsFile: targets });
      } finally {
        delete process.env.EDGEBENCH_TEST_PROBE_ROOT;
      }
    }, 60_000);
    afterAll(async () => {
      await board?.transport.close();
      await sshd?.stop();
      await cleanupFakeRoots();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const study = async (name: string) => {
      const spec = parseSpec(SPEC, 'study.yaml');
      const store = await openStore(path.join(dir, `${name}.db`));
      try {
        const outcome = await runStudy({
          store,
          spec: { spec, source: 'study.yaml', baseDir: dir },
          target: board,
        });
        expect(outcome.status).toBe('finished');
        const byLabel = new Map(outcome.stored.variants.map((v) => [v.label, v]));
        const trt = byLabel.get('trtexec-fp16')!;
        return {
          spec,
          stored: outcome.stored,
          trt,
          ortBaseline: byLabel.get('baseline')!,
          record: outcome.stored.fidelity.find((f) => f.variantId === trt.id),
        };
      } finally {
        await store.close();
      }
    };

    it('compares the fp16 plan the study timed with the onnxruntime baseline, on the same inputs there', async () => {
      const { spec, stored, trt, ortBaseline, record } = await study('first');
      expect(stored.variants.find((v) => v.label === 'torch-cpu-fp32')?.failure?.kind).toBe('unavailable');
      expect(trt.status).toBe('ok');
      expect(ortBaseline.status).toBe('ok');
      expect(record).toBeDefined();
      expect(record!.error).toBeNull();
      expect(record!.source).toBe('board: study');
      expect(record!.baselineVariantId).toBe(ortBaseline.id);

      // One build (fp16), one timed run, then one outputs run per input set on that same plan.
      const lines = await trtexecArgLines(fake);
      const builds = lines.filter((l) => l.includes('--saveEngine'));
      expect(builds).toHaveLength(1);
      expect(builds[0]).toMatch(/ --fp16 /);
      const timed = lines.filter((l) => l.includes('--exportTimes'));
      expect(timed).toHaveLength(1);
      const plan = /--loadEngine=(\S+)/.exec(timed[0])![1];
      expect(plan).toMatch(new RegExp(`^${deviceCache}/trt/[0-9a-f]{40}\\.engine$`));
      const outputsRuns = lines.filter((l) => l.includes('--exportOutput'));
      expect(outputsRuns).toHaveLength(COUNT);
      for (const line of outputsRuns) {
        expect(line).toMatch(new RegExp(`^--loadEngine=${plan} --loadInputs=input:${deviceCache}/blobs/`));
      }
      // Each input set went over as its raw float32 bytes; none is left in the board's cache after.
      expect(readFileSync(fake.inputsLog, 'utf8').trim().split('\n')).toEqual(
        Array(COUNT).fill(`input ${1 * 3 * 32 * 32 * 4}`),
      );
      const blobs = readdirSync(path.join(deviceCache, 'blobs')).flatMap((sha) =>
        readdirSync(path.join(deviceCache, 'blobs', sha)),
      );
      expect(blobs.filter((name) => name.endsWith('.bin'))).toEqual([]);

      // The figures are those of trtexec's export: the baseline's outputs on the board against the
      // model's outputs as the stand-in printed them, on the same seeded inputs.
      const onnx = (await resolveModel(MODEL)).path;
      const base = await targetOutputs(board)({
        path: onnx,
        engine: { executionProvider: 'cpu', graphOptLevel: 'disabled' },
      });
      const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'] });
      try {
        const pairs = [];
        for (let i = 0; i < COUNT; i++) {
          const { tensors } = await prepareInputs(base, { batch: 1, seed: spec.seed + i });
          const expected = (await base.run(tensors))[base.outputs[0].name];
          const input = tensors.input;
          const ran = await session.run({
            input: new ort.Tensor('float32', input.data as Float32Array, input.dims),
          });
          const printed = Float32Array.from(ran[session.outputNames[0]].data as Float32Array, (v) =>
            Number(v.toPrecision(6)),
          );
          pairs.push({ base: expected.data as Float32Array, optimized: printed, dims: expected.dims });
        }
        const metrics = outputFidelity(pairs);
        expect(record!.metrics).toEqual(metrics);
        expect(metrics.identical).toBe(false); // six digits do not carry a float32 exactly
        expect(metrics.maxAbsErr).toBeGreaterThan(0);
        expect(metrics.top1Agreement).toBe(1);
      } finally {
        await base.close();
        await session.release();
      }
    }, 240_000);

    it('a failing --exportOutput is stored as the comparison’s error, with trtexec’s reason', async () => {
      await writeFile(fake.failExportMarker, '');
      try {
        const before = (await trtexecArgLines(fake)).length;
        const { trt, record } = await study('failing');
        expect(trt.status).toBe('ok');
        expect(record).toMatchObject({ source: 'board', metrics: null });
        expect(record!.error).toMatch(
          /^error: trtexec could not run [0-9a-f]{40}\.engine on the given inputs — trtexec exited with code 1: .*Error opening engine inputs/,
        );
        // The plan in the board's cache served the timed run and the outputs run: nothing was built.
        const lines = (await trtexecArgLines(fake)).slice(before);
        expect(lines.filter((l) => l.includes('--saveEngine'))).toEqual([]);
        expect(lines.filter((l) => l.includes('--exportOutput'))).toHaveLength(1);
        expect(
          existsSync(path.join(deviceCache, 'work')) ? readdirSync(path.join(deviceCache, 'work')) : [],
        ).toEqual([]);
      } finally {
        await rm(fake.failExportMarker, { force: true });
      }
    }, 240_000);
  },
);
