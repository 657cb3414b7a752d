/**
 * TensorRT measured on a board over SSH: the built CLI and the library against a real sshd, a board
 * without Node or Python whose files are a fake Jetson Nano (JetPack 4.6, TensorRT 8.2) under a
 * folder the probe reads, with a fake trtexec at JetPack's place, /usr/src/tensorrt/bin, off PATH.
 * The fake prints recorded trtexec output and writes the recorded --exportTimes file; everything
 * else is real: the probe, the copy into the device cache, the engine plan built into and reused
 * from the device cache, the export read back over the connection, and the result.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reluProbeModel } from '../../src/engines/probe-model.js';
import { runTrtexecOutputs } from '../../src/engines/trtexec/outputs.js';
import { measure } from '../../src/measure/measure.js';
import { openStore } from '../../src/store/index.js';
import { connectTarget, type TargetConnection } from '../../src/targets/sessions.js';
import { deviceTrtexecHost } from '../../src/targets/trtexec-host.js';
import { runCli } from '../helpers/cli.js';
import { type FakeTrtexec, fakeTrtexec, TRTEXEC_FIXTURES, trtexecArgLines } from '../helpers/fake-trtexec.js';
import { tempDir } from '../helpers/temp.js';
import { cleanupFakeRoots, fakeRoot } from '../telemetry/fake-root.js';
import { jetsonNanoTree } from './jetson-tree.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const skip = sshdSkipReason();
const RUN_LOG = path.join(TRTEXEC_FIXTURES, 'trt-8.2.1-nano-mobilenet_v2-fp16.log');
const TIMES = path.join(TRTEXEC_FIXTURES, 'trt-8.2.1-nano-mobilenet_v2-fp16.times.json');
/** What the recorded run exported after its 25 warm-up queries (its log says so): the samples. */
const recordedLatencies = (): number[] =>
  (JSON.parse(readFileSync(TIMES, 'utf8')) as Array<{ latencyMs: number }>).slice(25).map((q) => q.latencyMs);

describe.skipIf(skip)('trtexec on a board over SSH (real sshd, fake Jetson Nano, fake trtexec)', () => {
  let sshd: TestSshd;
  let root = '';
  let dir = '';
  let fake: FakeTrtexec;
  let model = '';
  let env: Record<string, string> = {};
  let deviceCache = '';
  let firstKey = '';
  const quick = [
    '--warmup-time',
    '200',
    '--warmup-count',
    '0',
    '--min-time',
    '1000',
    '--min-count',
    '10',
    '--max-count',
    '0',
    '--max-time',
    '0',
    '--rel-ci',
    '0',
    '--telemetry-interval',
    '0',
  ];
  const cli = (...args: string[]) => runCli(args, { env, timeoutMs: 120_000 });
  /** `run MODEL --engine trtexec --target board --precision P` with the quick stop rules. */
  const runOnBoard = (precision: string, ...more: string[]) =>
    cli(
      'run',
      model,
      '--engine',
      'trtexec',
      '--target',
      'board',
      '--precision',
      precision,
      ...quick,
      ...more,
    );
  const planFiles = () =>
    existsSync(path.join(deviceCache, 'trt')) ? readdirSync(path.join(deviceCache, 'trt')).sort() : [];

  beforeAll(async () => {
    sshd = await startSshd({ without: ['python'] });
    root = await fakeRoot(jetsonNanoTree());
    fake = await fakeTrtexec({
      helpBanner: '[TensorRT v8201] ',
      runLog: RUN_LOG,
      times: TIMES,
      binDir: path.join(root, 'usr/src/tensorrt/bin'),
    });
    dir = await tempDir('edgebench-trtexec-remote-');
    model = path.join(dir, 'relu.onnx');
    await writeFile(model, reluProbeModel());
    deviceCache = path.join(sshd.home, '.cache', 'edgebench');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml'), EDGEBENCH_TEST_PROBE_ROOT: root };
    const added = await cli('target', 'add', 'board', `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig);
    expect(added.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    await cleanupFakeRoots();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds the plan on the board, runs it there, and the samples are the exported times', async () => {
    const run = await runOnBoard('fp16', '--json', '-');
    expect(run.stderr).not.toMatch(/^edgebench:/m);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.target).toEqual({
      name: 'board',
      address: expect.stringMatching(/board/),
      runner: 'trtexec',
      level: 'trtexec',
    });
    expect(result.samplesMs).toEqual(recordedLatencies());
    expect(result.samplesMs).toHaveLength(147);
    expect(result.external).toMatchObject({
      engine: 'trtexec',
      engineVersion: '8.2.1',
      device: 'NVIDIA Tegra X1',
    });
    expect(result.environment.host.node).toBe('none (agentless)');
    expect(result.external.extras.trtexec).toMatchObject({
      path: path.join(root, 'usr/src/tensorrt/bin/trtexec'),
      foundVia: 'device probe',
      versionFrom: 'banner',
    });

    // One build, then one run, both with device paths: the model from the device cache, the plan into it.
    const [build, timed, ...more] = await trtexecArgLines(fake);
    expect(more).toEqual([]);
    const blob = new RegExp(`^--onnx=${deviceCache}/blobs/[0-9a-f]{64}/relu\\.onnx `);
    expect(build).toMatch(blob);
    expect(build).toMatch(
      new RegExp(
        `--saveEngine=${deviceCache}/trt/[0-9a-f]{40}\\.engine\\.\\d+\\.tmp --skipInference --fp16 --timingCacheFile=${deviceCache}/trt/timing-[0-9a-f]{16}\\.cache$`,
      ),
    );
    expect(build).not.toMatch(/--memPoolSize|--explicitBatch/); // 8.2: neither
    expect(timed).toMatch(
      new RegExp(
        `^--loadEngine=${deviceCache}/trt/[0-9a-f]{40}\\.engine --warmUp=200 --duration=1 --iterations=10 --exportTimes=${deviceCache}/work/trtexec\\.\\w+/times\\.json$`,
      ),
    );
    // The plan and its record sit in the device cache; the run's work folder is gone.
    const plans = planFiles();
    expect(plans.filter((f) => f.endsWith('.engine'))).toHaveLength(1);
    expect(plans.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const key = plans.find((f) => f.endsWith('.engine'))!.replace(/\.engine$/, '');
    firstKey = key;
    const entry = JSON.parse(readFileSync(path.join(deviceCache, 'trt', `${key}.json`), 'utf8'));
    expect(entry).toMatchObject({
      key,
      parts: {
        tensorrt: '8.2.1',
        gpu: 'integrated Jetson GPU; NVIDIA Jetson Nano Developer Kit',
        flags: ['--fp16'],
      },
    });
    expect(result.external.extras.engineCache).toMatchObject({
      hit: false,
      key,
      path: `${deviceCache}/trt/${key}.engine`,
    });
    expect(readdirSync(path.join(deviceCache, 'work'))).toEqual([]);
  }, 120_000);

  it('reuses the plan on the next run: trtexec is not asked to build again', async () => {
    const before = await trtexecArgLines(fake);
    const run = await runOnBoard('fp16', '--json', '-');
    expect(run.code).toBe(0);
    const lines = await trtexecArgLines(fake);
    expect(lines).toHaveLength(before.length + 1);
    expect(lines.at(-1)).toMatch(/^--loadEngine=/);
    expect(lines.filter((l) => l.includes('--saveEngine'))).toHaveLength(1);
    const result = JSON.parse(run.stdout);
    expect(result.external.extras.engineCache).toMatchObject({ hit: true });
    expect(result.samplesMs).toEqual(recordedLatencies());
  }, 120_000);

  it('a failed build on the board is one clear line and exit code 2, and leaves no plan behind', async () => {
    await writeFile(fake.failBuildMarker, '');
    try {
      const plansBefore = planFiles();
      const run = await runOnBoard('int8');
      expect(run.code).toBe(2);
      const errors = run.stderr.split('\n').filter((l) => l.startsWith('edgebench:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^edgebench: trtexec could not build a TensorRT engine from .*relu\.onnx — trtexec exited with code 1: .*Plugin not found/,
      );
      expect(planFiles()).toEqual(plansBefore);
    } finally {
      await rm(fake.failBuildMarker, { force: true });
    }
  }, 120_000);

  it('measures a study’s trtexec variant on the board, the result naming the target', async () => {
    const spec = path.join(dir, 'study.yaml');
    await writeFile(
      spec,
      `name: trt-on-board
models: ['${model}']
optimized: [{ name: all, recipes: [], graphOptLevel: all }]
engines: [trtexec]
batches: [4]
rounds: 1
stopRules: { warmupTimeMs: 200, warmupCount: 0, minTimeMs: 1000, minCount: 10, maxCount: 0, maxTimeMs: 0, relCi: 0 }
telemetry: false
fidelity: { enabled: false }
`,
    );
    const store = path.join(dir, 'store.db');
    const before = (await trtexecArgLines(fake)).length;
    const run = await runCli(
      ['study', spec, '--target', 'board', '--store', store, '--out', path.join(dir, 'report'), '--json'],
      { env, timeoutMs: 180_000 },
    );
    expect(run.stderr).not.toMatch(/^edgebench:/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const opened = await openStore(store);
    const stored = await opened.loadStudy(report.study.id);
    await opened.close();
    const measured = stored.measurements.filter((m) => m.status === 'ok');
    expect(measured.length).toBeGreaterThanOrEqual(1);
    const trt = measured.filter((m) => m.result?.external?.engine === 'trtexec');
    expect(trt).toHaveLength(1);
    expect(trt[0].result?.target).toMatchObject({ name: 'board', runner: 'trtexec', level: 'trtexec' });
    expect(Array.from(trt[0].samplesMs)).toEqual(recordedLatencies());
    // fp32 is a new key: one build, one run on the board.
    const lines = (await trtexecArgLines(fake)).slice(before);
    expect(lines.filter((l) => l.includes('--saveEngine'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('--loadEngine'))).toHaveLength(1);
  }, 240_000);

  describe('through the library', () => {
    let connection: TargetConnection;
    beforeAll(async () => {
      process.env.EDGEBENCH_TEST_PROBE_ROOT = root;
      try {
        connection = await connectTarget('board', { targetsFile: env.EDGEBENCH_TARGETS });
      } finally {
        delete process.env.EDGEBENCH_TEST_PROBE_ROOT;
      }
    }, 60_000);
    afterAll(async () => {
      await connection?.transport.close();
    });

    it('speaks TensorRT 8.0’s flags to a TensorRT 8.0 trtexec', async () => {
      // JetPack 4.6.0's trtexec: --workspace (no --memPoolSize), no layer-info export.
      await writeFile(
        fake.helpFile,
        '&&&& RUNNING TensorRT.trtexec [TensorRT v8001] # trtexec --help\n  --workspace=N   Set workspace size in megabytes\n  --skipInference\n',
      );
      const before = (await trtexecArgLines(fake)).length;
      const result = await measure({
        engine: 'trtexec',
        model,
        target: connection,
        precision: 'fp16',
        trtexec: { workspaceMiB: 256 },
        telemetry: false,
        stopRules: {
          warmupTimeMs: 200,
          warmupCount: 0,
          minTimeMs: 1000,
          minCount: 10,
          maxCount: 0,
          maxTimeMs: 0,
          relCi: 0,
        },
      });
      const [build, timed] = (await trtexecArgLines(fake)).slice(before);
      expect(build).toMatch(/ --skipInference --fp16 --workspace=256 --timingCacheFile=\S+$/);
      expect(build).not.toMatch(/--memPoolSize|--exportLayerInfo|--profilingVerbosity|--explicitBatch/);
      expect(timed).toMatch(/^--loadEngine=\S+ --warmUp=200 --duration=1 --iterations=10 --exportTimes=\S+$/);
      expect(result.external?.extras.engineCache).toMatchObject({ hit: false });
      // The TensorRT version is part of the key: the 8.2 plan of the same model and flags is not reused.
      const cache = result.external?.extras.engineCache as { key?: string } | undefined;
      expect(cache?.key).toMatch(/^[0-9a-f]{40}$/);
      expect(cache?.key).not.toBe(firstKey);
      expect(result.target).toMatchObject({ name: 'board', runner: 'trtexec' });
      expect(result.samplesMs).toHaveLength(147);
    }, 120_000);

    it('runs a plan built there on given inputs and reads its outputs back', async () => {
      const plan = planFiles().find((f) => f.endsWith('.engine'))!;
      const input = path.join(dir, 'x.bin');
      await writeFile(input, Buffer.from(new Float32Array([1, -2, 3, -4]).buffer));
      const host = deviceTrtexecHost({
        transport: connection.transport,
        cache: connection.cache,
        device: connection.device,
        label: 'board',
      });
      const outputs = await runTrtexecOutputs(host, {
        enginePath: `${deviceCache}/trt/${plan}`,
        inputs: { x: input },
      });
      expect(outputs.map((o) => [o.name, o.dims])).toEqual([
        ['logits', [1, 6]],
        ['mask:0', [1, 2]],
      ]);
      const line = (await trtexecArgLines(fake)).at(-1)!;
      expect(line).toMatch(new RegExp(`--loadInputs=x:${deviceCache}/blobs/[0-9a-f]{64}/x\\.bin `));
      expect(readFileSync(fake.inputsLog, 'utf8').trim().split('\n').at(-1)).toBe('x 16');
    }, 60_000);
  });
});
