/**
 * The device-side Python (runners, shared core, telemetry collector) must run on Python 3.6, the
 * Python of JetPack 4 (Ubuntu 18.04). Checked two ways: always, by parsing each file with Python 3.6's
 * grammar and checking its imports and APIs (py36-check.py, run by the system's newer Python); and,
 * where a real Python 3.6 is installed ($EDGEBENCH_TEST_PYTHON36, python3.6 on PATH, or pyenv's), by
 * running the parts that need no torch or onnxruntime on it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON_RUNNER_PROTOCOL_VERSION } from '../../src/engines/ort-python/protocol.js';
import { runPythonRunner } from '../../src/targets/python-runner.js';
import { DEVICE_SCRIPTS, deviceScriptPath, deviceScriptsDir } from '../../src/targets/runners.js';
import { LocalTransport } from '../../src/targets/transport.js';
import { tempDir } from '../helpers/temp.js';
import { cleanupFakeRoots, fakeRoot } from '../telemetry/fake-root.js';

const CHECKER = fileURLToPath(new URL('./py36-check.py', import.meta.url));
const SYSTEM_PYTHON = '/usr/bin/python3';
const PYTHON_FILES = Object.values(DEVICE_SCRIPTS)
  .filter((name) => name.endsWith('.py'))
  .map((name) => path.join(deviceScriptsDir(), name));

function checkerRuns(): boolean {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)']);
  return r.status === 0;
}

function check(files: string[]): Record<string, string[]> {
  const r = spawnSync(SYSTEM_PYTHON, [CHECKER, ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`py36-check failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function findPython36(): string | undefined {
  const candidates = [process.env.EDGEBENCH_TEST_PYTHON36, 'python3.6'];
  const pyenv = path.join(os.homedir(), '.pyenv', 'versions');
  if (existsSync(pyenv))
    for (const version of readdirSync(pyenv).filter((v) => v.startsWith('3.6')))
      candidates.push(path.join(pyenv, version, 'bin', 'python3.6'));
  return candidates
    .filter((c): c is string => Boolean(c))
    .find((c) => {
      const r = spawnSync(c, ['-c', 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 6) else 1)']);
      return r.status === 0;
    });
}

afterAll(cleanupFakeRoots);

describe.skipIf(!checkerRuns())('device-side Python is Python 3.6', () => {
  it('every script parses with 3.6 grammar and uses only 3.6 imports and APIs', () => {
    expect(PYTHON_FILES.length).toBe(4);
    const problems = check(PYTHON_FILES);
    for (const file of PYTHON_FILES) expect(problems[file], file).toEqual([]);
  });

  it('the check catches what 3.6 lacks', async () => {
    const dir = await tempDir('edgebench-py36-');
    try {
      const grammar = path.join(dir, 'grammar.py');
      await writeFile(grammar, 'def f(a, /, b):\n    return (n := a)\n');
      const apis = path.join(dir, 'apis.py');
      await writeFile(
        apis,
        [
          'from __future__ import annotations',
          'import dataclasses',
          'import subprocess',
          'import time',
          't = time.perf_counter_ns()',
          'subprocess.run(["true"], capture_output=True)',
          '',
        ].join('\n'),
      );
      const found = check([grammar, apis]);
      expect(found[grammar][0]).toMatch(/not Python 3.6 syntax/);
      expect(found[apis].join('\n')).toMatch(/__future__ import annotations/);
      expect(found[apis].join('\n')).toMatch(/imports dataclasses/);
      expect(found[apis].join('\n')).toMatch(/perf_counter_ns is Python 3.7/);
      expect(found[apis].join('\n')).toMatch(/capture_output=\.\.\.\) is Python 3.7/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const PYTHON36 = findPython36();

describe.skipIf(!PYTHON36)(`on a real Python 3.6 (${PYTHON36 ?? 'none installed'})`, () => {
  const local = new LocalTransport();
  const stopRules = {
    warmupTimeMs: 0,
    warmupCount: 1,
    minTimeMs: 0,
    minCount: 1_000_000,
    maxCount: 40,
    maxTimeMs: 10_000,
    relCi: 0,
  };
  const precisionRule = { minSamples: 100, minTimeMs: 1000, checkEvery: 16 };

  it('every script compiles', () => {
    // compile() rather than py_compile, which would leave __pycache__ in the package's folder.
    const code = 'import sys\nfor f in sys.argv[1:]:\n    compile(open(f).read(), f, "exec")';
    const r = spawnSync(PYTHON36!, ['-c', code, ...PYTHON_FILES], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('both runners measure their null model and probe (saying what is missing)', async () => {
    for (const script of ['torch', 'ort'] as const) {
      const report = await runPythonRunner(local, {
        python: PYTHON36!,
        script: deviceScriptPath(script),
        config: {
          protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
          model: { kind: 'null' },
          stopRules,
          precisionRule,
        },
      });
      expect(report.done).toMatchObject({ count: 40, stopReason: 'max-count' });
      expect(report.samplesMs.length).toBe(40);
      const probe = await local.exec([PYTHON36!, deviceScriptPath(script), 'probe'], {
        env: { PYTHONDONTWRITEBYTECODE: '1' },
      });
      const event = JSON.parse(probe.stdout.trim());
      expect(event).toMatchObject({ event: 'probe', python: expect.stringMatching(/^3\.6\./) });
      expect(event[script === 'torch' ? 'torchError' : 'onnxruntimeError']).toMatch(/No module named/);
    }
  });

  it('the telemetry collector samples a fake Jetson', async () => {
    const root = await fakeRoot({
      'sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/rail_name_0': 'POM_5V_IN\n',
      'sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_power0_input': 3150,
      'sys/class/thermal/thermal_zone0/type': 'CPU-therm\n',
      'sys/class/thermal/thermal_zone0/temp': 41500,
    });
    // Stopped (stdin closed) after its third sample, however slowly this machine runs it.
    let samples = 0;
    let stop: () => void = () => {};
    const three = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const collector = local.start(
      [PYTHON36!, deviceScriptPath('telemetry'), '--interval-ms', '20', '--root', root],
      {
        env: { PYTHONDONTWRITEBYTECODE: '1' },
        onStdoutLine: (line) => {
          if (line.includes('"sample"') && ++samples === 3) stop();
        },
      },
    );
    const lines: string[] = [];
    await three;
    collector.stdin.end();
    const result = await collector.done;
    for (const line of result.stdout.trim().split('\n')) lines.push(JSON.parse(line).event);
    expect(lines[0]).toBe('info');
    expect(lines.at(-1)).toBe('end');
    const sample = JSON.parse(result.stdout.split('\n').find((l) => l.includes('"sample"'))!);
    expect(sample).toMatchObject({ railsMw: { POM_5V_IN: 3150 }, celsius: { 'zone0:CPU-therm': 41.5 } });
  });
});
