/**
 * `edgebench target …` end to end: the built CLI, a real sshd, a board without Node (Python with
 * Debian's torch where installed, and the stand-in onnxruntime in the account's user site-packages).
 * Few invocations on purpose (each starts the CLI); the library tests cover the cases one by one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeFakeOnnxruntime } from '../helpers/fake-onnxruntime.js';
import { tempDir } from '../helpers/temp.js';
import { TORCH_PYTHON } from '../helpers/torch-python.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const skip = sshdSkipReason();

describe.skipIf(skip)('edgebench target (CLI, real sshd)', () => {
  let sshd: TestSshd;
  let dir = '';
  let env: Record<string, string> = {};
  const cli = (...args: string[]) => runCli(['target', ...args], { env, timeoutMs: 120_000 });

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('edgebench-target-cli-');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml') };
    const site = spawnSync('/usr/bin/python3', ['-c', 'import site; print(site.getusersitepackages())'], {
      env: { ...process.env, HOME: sshd.home },
      encoding: 'utf8',
    }).stdout.trim();
    if (site) await writeFakeOnnxruntime(site);
  }, 30_000);
  afterAll(async () => {
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses an odd name and a password with one line each, and saves nothing', async () => {
    const odd = await cli('add', 'a;$(touch x)', 'ssh://board');
    expect(odd.code).toBe(2);
    expect(odd.stderr).toMatch(
      /^edgebench: bad target name: target names are 1 to 63 letters.*\(got "a;\$\(touch x\)"\)\n$/,
    );
    const secret = await cli('add', 'nano', 'ssh://jetson:hunter2@nano');
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/^edgebench: a target address never holds a password: .*ssh-copy-id\)\n$/);
    expect(secret.stderr).not.toMatch(/hunter2/);
    expect(existsSync(env.EDGEBENCH_TARGETS)).toBe(false);
  });

  it('adds, lists and checks a board: what it is, what runs there and why not', async () => {
    const added = await cli('add', 'board', `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^saved target 'board' \(ssh:\/\/board\)/);
    const list = await cli('list');
    expect(list.stdout).toMatch(new RegExp(`^board\\s+board\\s+${sshd.sshConfig}$`, 'm'));
    expect(readFileSync(env.EDGEBENCH_TARGETS, 'utf8')).not.toMatch(/user_ed25519/); // the config's path only

    const check = await cli('check', 'board');
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    const lines = check.stdout.split('\n');
    const row = (id: string) =>
      lines.find((line) => line.startsWith(`${id} `) && /\s(yes|no)\s/.test(line)) ?? '';
    expect(row('edgebench')).toMatch(
      /^edgebench\s+no\s+no Node\.js on the device's PATH \(edgebench needs Node 20\+\)/,
    );
    expect(row('trtexec')).toMatch(
      /\sno\s+trtexec is neither on PATH nor at \/usr\/src\/tensorrt\/bin\/trtexec/,
    );
    expect(row('ort-python/cpu')).toMatch(
      /\syes\s+onnxruntime 1\.11\.0\+fake on Python 3\.\d+\.\d+ \(.*python3\)/,
    );
    expect(row('ort-python/cuda')).toMatch(
      /\sno\s+onnxruntime 1\.11\.0\+fake .* has no CUDAExecutionProvider/,
    );
    if (TORCH_PYTHON === '/usr/bin/python3') expect(row('torch/cpu')).toMatch(/\syes\s+torch \S+, Python 3/);
    expect(row('torch/cuda')).toMatch(/\sno\s/);
    expect(check.stdout).toMatch(/^node\s+none$/m);
    expect(check.stdout).toMatch(/measures with: agentless: onnxruntime in Python/);
  }, 90_000);

  it('says what to do about an unknown name, cleans the board and forgets it', async () => {
    const unknown = await cli('check', 'xavier');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^edgebench: no target named 'xavier' in .*\(saved: board\); save one with 'edgebench target add xavier ssh:\/\/\[user@\]host\[:port\]'\n$/,
    );
    const cache = path.join(sshd.home, '.cache', 'edgebench');
    expect(existsSync(cache)).toBe(true); // the runner scripts the check copied
    const clean = await cli('clean', 'board');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(new RegExp(`^removed ${cache} on target 'board' \\(board\\) \\(\\d+ kB\\)`));
    expect(existsSync(cache)).toBe(false);
    expect((await cli('remove', 'board')).stdout).toBe("removed target 'board'\n");
  }, 60_000);
});
