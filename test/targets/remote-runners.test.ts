/**
 * The Python runners and the telemetry collector on a board over real SSH (a board without Node):
 * copied there once as a bundle, run with the device's own /usr/bin/python3, read through the same
 * protocol reader as locally. onnxruntime is the stand-in package (test/helpers/fake-onnxruntime.ts),
 * installed in the board account's user site-packages as `pip install --user` would; torch is
 * Debian's python3-torch where it is installed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_RUNNER_PROTOCOL_VERSION } from '../../src/engines/ort-python/protocol.js';
import { DeviceCache } from '../../src/targets/cache.js';
import { runPythonRunner } from '../../src/targets/python-runner.js';
import { type DeviceScripts, installDeviceScripts } from '../../src/targets/runners.js';
import { SshTransport } from '../../src/targets/ssh.js';
import { deviceWindow, startDeviceTelemetry } from '../../src/targets/telemetry.js';
import { summarizeTelemetry } from '../../src/telemetry/summarize.js';
import { writeFakeModel, writeFakeOnnxruntime } from '../helpers/fake-onnxruntime.js';
import { TORCH_PYTHON } from '../helpers/torch-python.js';
import { cleanupFakeRoots, fakeRoot } from '../telemetry/fake-root.js';
import { jetsonNanoTree } from './jetson-tree.js';
import { deviceProgram, sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const PYTHON = '/usr/bin/python3';
const skip =
  sshdSkipReason() ?? (spawnSync(PYTHON, ['-c', 'import numpy']).status === 0 ? undefined : 'no numpy');
const stopRules = (over: Record<string, number> = {}) => ({
  warmupTimeMs: 0,
  warmupCount: 1,
  minTimeMs: 0,
  minCount: 20,
  maxCount: 0,
  maxTimeMs: 20_000,
  relCi: 0,
  ...over,
});
const precisionRule = { minSamples: 100, minTimeMs: 1000, checkEvery: 16 };

describe.skipIf(skip)('runners and telemetry on a board over SSH', () => {
  let sshd: TestSshd;
  let board: SshTransport;
  let scripts: DeviceScripts;

  beforeAll(async () => {
    sshd = await startSshd();
    // The board account's user site-packages (what `pip install --user onnxruntime` fills).
    const site = spawnSync(PYTHON, ['-c', 'import site; print(site.getusersitepackages())'], {
      env: { ...process.env, HOME: sshd.home },
      encoding: 'utf8',
    }).stdout.trim();
    await writeFakeOnnxruntime(site);
    board = new SshTransport({
      address: { host: sshd.alias },
      sshConfig: sshd.sshConfig,
      label: "target 'board'",
    });
    scripts = await installDeviceScripts(new DeviceCache(board));
  }, 30_000);
  afterAll(async () => {
    await board?.close();
    await sshd?.stop();
    await cleanupFakeRoots();
  });

  it('copies the scripts once, side by side', async () => {
    expect(scripts.copied).toBe(5);
    expect(scripts.dir.startsWith(`${sshd.home}/.cache/edgebench/bundles/`)).toBe(true);
    const again = await installDeviceScripts(new DeviceCache(board));
    expect(again).toMatchObject({ dir: scripts.dir, copied: 0 });
  });

  it('the torch runner measures its null model there, its window on the device clock', async () => {
    const report = await runPythonRunner(board, {
      python: PYTHON,
      script: scripts.path('torch'),
      config: {
        protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
        model: { kind: 'null' },
        stopRules: stopRules({ maxCount: 64, minCount: 1_000_000 }),
        precisionRule,
      },
    });
    expect(report.done).toMatchObject({ count: 64, stopReason: 'max-count' });
    expect(report.samplesMs.length).toBe(64);
    expect(report.done.endMonotonicMs! - report.done.startMonotonicMs!).toBeGreaterThan(0);
  });

  it.skipIf(TORCH_PYTHON !== PYTHON)(
    'the torch runner runs a zoo model with the board’s torch',
    async () => {
      const report = await runPythonRunner(board, {
        python: PYTHON,
        script: scripts.path('torch'),
        config: {
          protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
          model: { kind: 'zoo', name: 'squeezenet1_1', numClasses: 2 },
          device: 'cpu',
          threads: 1,
          precision: 'fp32',
          seed: 1,
          inputs: [{ name: 'input', shape: [1, 3, 64, 64] }],
          stopRules: stopRules({ minCount: 3 }),
          precisionRule,
        },
        timeoutMs: 120_000,
      });
      expect(report.ready).toMatchObject({ device: 'cpu', mode: 'eager', torch: expect.any(String) });
      expect(report.done.count).toBe(3);
      expect(report.done.outputs).toEqual([{ name: 'output0', shape: [1, 2] }]);
    },
    120_000,
  );

  it('the onnxruntime runner runs an uploaded model there', async () => {
    const model = await writeFakeModel(path.join(sshd.dir, 'tiny.onnx'), {
      inputs: [{ name: 'x', shape: ['batch', 8], type: 'tensor(float)' }],
      outputs: [{ name: 'y', shape: ['batch', 4], type: 'tensor(float)' }],
    });
    const uploaded = await new DeviceCache(board).upload(model);
    const report = await runPythonRunner(board, {
      python: PYTHON,
      script: scripts.path('ort'),
      config: {
        protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
        model: { kind: 'onnx', path: uploaded.remotePath },
        provider: 'cpu',
        batch: 2,
        stopRules: stopRules(),
        precisionRule,
      },
    });
    expect(report.ready).toMatchObject({
      onnxruntime: '1.11.0+fake',
      inputs: [{ name: 'x', shape: [2, 8] }],
    });
    expect(report.done).toMatchObject({ count: 20, outputs: [{ name: 'y', shape: [2, 4] }] });
    // An unavailable provider is the board's fact, reported as such.
    await expect(
      runPythonRunner(board, {
        python: PYTHON,
        script: scripts.path('ort'),
        config: {
          protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
          model: { kind: 'onnx', path: uploaded.remotePath },
          provider: 'tensorrt',
          stopRules: stopRules(),
          precisionRule,
        },
      }),
    ).rejects.toThrow(/has no TensorrtExecutionProvider .* on target 'board'$/);
  });

  it('telemetry sampled on the device lines up with a runner’s window: INA3221 rails in sysfs', async () => {
    const root = await fakeRoot(jetsonNanoTree());
    const session = await startDeviceTelemetry(board, { python: PYTHON, scripts, intervalMs: 20, root });
    expect(session.info).toMatchObject({
      railMode: 'sysfs',
      rails: ['POM_5V_IN', 'POM_5V_GPU', 'POM_5V_CPU'],
      gpuLoad: true,
    });
    const report = await runPythonRunner(board, {
      python: PYTHON,
      script: scripts.path('ort'),
      config: {
        protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
        model: { kind: 'null' },
        stopRules: stopRules({ minTimeMs: 400, minCount: 1 }),
        precisionRule,
      },
    });
    const record = await session.stop();
    const window = deviceWindow(record, {
      startMonotonicMs: report.done.startMonotonicMs!,
      endMonotonicMs: report.done.endMonotonicMs!,
    });
    expect(window.endMs - window.startMs).toBeCloseTo(
      report.done.endMonotonicMs! - report.done.startMonotonicMs!,
      2,
    );
    expect(window.startMs).toBeGreaterThan(record.startedMs);
    expect(window.endMs).toBeLessThan(record.stoppedMs);
    expect(record.samples.length).toBeGreaterThanOrEqual(2);
    expect(record.samples[0]).toMatchObject({
      jetson: { railsMw: { POM_5V_IN: 3000, POM_5V_GPU: 500, POM_5V_CPU: 1000 }, gpuLoadPct: 0 },
      thermal: { celsius: { 'zone0:CPU-therm': 37.5, 'zone1:GPU-therm': 36 } },
      cpufreq: { khz: { '0': 1479000 } },
    });
    expect(record.info.jetson).toMatchObject({ l4t: 'R32.7.1', mode: 'sysfs', totalRail: 'POM_5V_IN' });
    expect(record.info.jetson?.powerMode).toMatchObject({ maxName: 'MAXN', from: null });

    const summary = summarizeTelemetry(record, window, { inferences: report.done.count });
    // The module input rail reads 3000 mW throughout: 3 W over the window, whatever its length.
    expect(summary.energy?.avgPowerW).toBeCloseTo(3, 6);
    expect(summary.energy?.components.map((c) => c.source)).toEqual(['jetson']);
    expect(summary.energy?.inferences).toBe(report.done.count);
  });

  it('telemetry from tegrastats where sysfs has no rails', async () => {
    const root = await fakeRoot(jetsonNanoTree({ rails: false }));
    const line =
      'RAM 2005/3964MB (lfb 9x4MB) SWAP 0/1982MB (cached 0MB) CPU [12%@1479,8%@1479,off,off] EMC_FREQ 4%@1600 GR3D_FREQ 57%@921 APE 25 PLL@35C CPU@37.5C PMIC@100C GPU@36C AO@43C thermal@36.75C POM_5V_IN 4250/3300 POM_5V_GPU 1200/600 POM_5V_CPU 900/700';
    await deviceProgram(sshd, 'tegrastats', `while :; do echo '${line}'; sleep 0.05; done`);
    let fromTool = 0;
    let seen: () => void = () => {};
    const twoLines = new Promise<void>((resolve) => {
      seen = resolve;
    });
    const session = await startDeviceTelemetry(board, {
      python: PYTHON,
      scripts,
      intervalMs: 50,
      root,
      onSample: (sample) => {
        if (sample.jetson?.cpuLoadPct && ++fromTool >= 2) seen();
      },
    });
    expect(session.info.railMode).toBe('tegrastats');
    await twoLines;
    const record = await session.stop();
    const fromTegrastats = record.samples.filter((s) => s.jetson?.cpuLoadPct);
    expect(fromTegrastats.length).toBeGreaterThan(0);
    expect(fromTegrastats[0].jetson).toMatchObject({
      railsMw: { POM_5V_IN: 4250, POM_5V_GPU: 1200, POM_5V_CPU: 900 },
      gpuLoadPct: 57,
      emcLoadPct: 4,
      cpuLoadPct: [12, 8, null, null],
    });
    expect(record.info.jetson).toMatchObject({ mode: 'tegrastats', totalRail: 'POM_5V_IN' });
    expect(record.info.jetson?.rails.sort()).toEqual(['POM_5V_CPU', 'POM_5V_GPU', 'POM_5V_IN']);
  });
});
