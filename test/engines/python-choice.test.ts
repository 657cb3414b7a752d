/**
 * Which Python the torch engine uses: --python, $EDGEBENCH_PYTHON, python3 on PATH, then the system's
 * (where Debian's python3-torch lives even when pyenv/venv/conda comes first on PATH). Interpreters
 * here are small scripts that answer the runner's `probe` as a Python with or without torch would.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TorchEngine } from '../../src/engines/torch/engine.js';
import { choosePython, clearPythonProbeCache, pythonCandidates } from '../../src/engines/torch/python.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { TORCH_PYTHON } from '../helpers/torch-python.js';

const unix = process.platform !== 'win32';

/** An interpreter that reports `version` and, when `torch` is set, that torch imports. */
function fakePython(version: string, torch: string | null): string {
  const probe = torch
    ? { event: 'probe', protocol: 1, python: version, torch, torchvision: '0.14.0', cudaAvailable: false }
    : { event: 'probe', protocol: 1, python: version, torch: null, torchError: "No module named 'torch'" };
  return `#!${process.execPath}\nprocess.stdout.write(${JSON.stringify(`${JSON.stringify(probe)}\n`)});\n`;
}

describe.skipIf(!unix)('choosing the Python interpreter', () => {
  let dir: string;
  let pathDir: string;
  let systemWithTorch: string;
  let withoutTorch: string;

  beforeAll(async () => {
    dir = await tempDir('edgebench-python-choice-');
    pathDir = path.join(dir, 'venv-bin');
    await mkdir(pathDir);
    await writeFile(path.join(pathDir, 'python3'), fakePython('3.12.1', null));
    await chmod(path.join(pathDir, 'python3'), 0o755);
    systemWithTorch = path.join(dir, 'system-python3');
    await writeFile(systemWithTorch, fakePython('3.11.2', '1.13.0'));
    await chmod(systemWithTorch, 0o755);
    withoutTorch = path.join(dir, 'other-python3');
    await writeFile(withoutTorch, fakePython('3.9.0', null));
    await chmod(withoutTorch, 0o755);
  });

  const envWith = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: pathDir, ...extra });

  it("passes over a PATH python3 without torch for the system's, and says why", async () => {
    clearPythonProbeCache();
    const engine = new TorchEngine({ env: envWith(), systemPythons: [systemWithTorch] });
    const choice = await engine.choosePython();
    expect(choice.chosen).toMatchObject({ python: systemWithTorch, source: 'system' });
    expect(choice.skipped).toEqual([
      expect.objectContaining({
        python: 'python3',
        source: 'PATH',
        reason: expect.stringMatching(/torch is not importable/),
      }),
    ]);
    const [cpu] = await engine.probe();
    expect(cpu).toMatchObject({ id: 'torch/cpu', available: true });
    expect((cpu as { detail?: string }).detail).toMatch(
      /python: the system's .*system-python3; passed over python3 \(python3 on PATH\): torch is not importable/,
    );
  });

  it('keeps a user-given interpreter and names the one that would work', async () => {
    clearPythonProbeCache();
    for (const [explicit, extra, flag] of [
      [withoutTorch, {}, '--python'],
      [undefined, { EDGEBENCH_PYTHON: withoutTorch }, '$EDGEBENCH_PYTHON'],
    ] as const) {
      const choice = await choosePython(
        (probe) => (probe.ok && probe.info.torch ? undefined : 'torch is not importable'),
        explicit,
        envWith(extra),
        [systemWithTorch],
      );
      expect(choice.chosen).toBeUndefined();
      expect(choice.skipped.map((s) => s.python)).toEqual([withoutTorch]);
      expect(choice.reason).toContain(`the system's ${systemWithTorch} would do`);
      expect(choice.reason).toContain(flag === '--python' ? '--python' : flag);
    }
  });

  it('asks the same executable once, whichever way it is reached', async () => {
    const linkDir = path.join(dir, 'link-bin');
    await mkdir(linkDir);
    await symlink(systemWithTorch, path.join(linkDir, 'python3'));
    const candidates = pythonCandidates(undefined, { PATH: linkDir }, [systemWithTorch]);
    expect(candidates).toEqual([{ python: 'python3', source: 'PATH' }]);
  });

  it('`env --python` reports the choice in the table and in JSON', async () => {
    const json = await runCli(['env', '--json', '--python', systemWithTorch], {
      env: { PATH: `${pathDir}:${process.env.PATH}` },
    });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      pythons: Array<{ engine: string; chosen?: { python: string; source: string; version: string } }>;
    };
    expect(report.pythons[0]).toMatchObject({
      engine: 'torch',
      chosen: { python: systemWithTorch, source: 'option', version: '3.11.2' },
    });
    const table = await runCli(['env', '--python', withoutTorch], {
      env: { PATH: `${pathDir}:${process.env.PATH}` },
    });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`torch +none: torch is not importable in ${withoutTorch.replace(/[/.]/g, '\\$&')}`),
    );
  });

  it.skipIf(TORCH_PYTHON !== '/usr/bin/python3')(
    "finds Debian's python3-torch behind a python3 on PATH that has no torch (real interpreters)",
    async () => {
      const result = await runCli(['env', '--json'], {
        env: { PATH: `${pathDir}:${process.env.PATH}`, EDGEBENCH_PYTHON: '' },
      });
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as {
        pythons: Array<{ chosen?: { python: string; source: string }; skipped: Array<{ source: string }> }>;
        executionProviders: Array<{ id: string; available: boolean }>;
      };
      expect(report.pythons[0].chosen).toMatchObject({ python: '/usr/bin/python3', source: 'system' });
      expect(report.pythons[0].skipped.map((s) => s.source)).toEqual(['PATH']);
      expect(report.executionProviders.find((p) => p.id === 'torch/cpu')?.available).toBe(true);
    },
  );
});
