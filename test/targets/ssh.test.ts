/**
 * The SSH transport against a real OpenSSH server (test/targets/sshd.ts): quoting, one shared
 * connection, uploads kept by content, and every failure a user must act on, each as one clear error.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceCache } from '../../src/targets/cache.js';
import { TargetError } from '../../src/targets/errors.js';
import { SshTransport } from '../../src/targets/ssh.js';
import { tempDir } from '../helpers/temp.js';
import { deviceProgram, sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const skip = sshdSkipReason();

async function expectTargetError(promise: Promise<unknown>, kind: string): Promise<TargetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ${kind} TargetError`).toBeInstanceOf(TargetError);
  expect((error as TargetError).kind).toBe(kind);
  expect((error as TargetError).exitCode).toBe(2);
  expect((error as TargetError).message).not.toMatch(/\n/);
  return error as TargetError;
}

/** The process running exactly this argv on this machine (the "device"), or 0. */
function processWithArgs(argv: string[]): number {
  const wanted = `${argv.join('\0')}\0`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === wanted) return Number(entry);
    } catch {
      // gone
    }
  }
  return 0;
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe.skipIf(skip)('SSH transport (real sshd)', () => {
  let sshd: TestSshd;
  let board: SshTransport;
  let local = '';

  beforeAll(async () => {
    sshd = await startSshd();
    board = new SshTransport({
      address: { host: sshd.alias },
      sshConfig: sshd.sshConfig,
      label: "target 'board'",
    });
    local = await tempDir('edgebench-ssh-local-');
  }, 30_000);
  afterAll(async () => {
    await board?.close();
    await sshd?.stop();
    if (local) await rm(local, { recursive: true, force: true });
  });

  it('reaches the board by its ssh_config alias, where PATH has no node', async () => {
    await board.connect();
    const result = await board.exec(['sh', '-c', 'echo "$PATH"; command -v node || echo "no node"']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${sshd.bin}\nno node\n`);
    expect(result.stderr).toBe(''); // the pid marker line is ours, not the program's
  });

  it('passes every argument intact: no quote, $(), ;, space or newline reaches the shell', async () => {
    const canary = path.join(sshd.home, 'pwned');
    const nasty = [
      "it's",
      'a "quoted" word',
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `; touch ${canary}`,
      'two  spaces\tand a tab',
      'line one\nline two',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${…} is what must survive
      '$HOME ${PATH} * ? [a] ~ & | > <',
      '',
      '-n',
      '\\',
    ];
    const result = await board.exec(['printf', '%s\\0', ...nasty], { env: { EDGEBENCH_NOTE: "v'al; $(x)" } });
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(nasty);
    const env = await board.exec(['sh', '-c', 'printf %s "$EDGEBENCH_NOTE"'], {
      env: { EDGEBENCH_NOTE: "v'al; $(x)" },
    });
    expect(env.stdout).toBe("v'al; $(x)");
    expect(existsSync(canary)).toBe(false);
    expect(() => board.start(['true'], { env: { 'BAD;NAME': 'x' } })).toThrow(
      /not an environment variable name/,
    );
  });

  it('runs every call over one connection', async () => {
    await Promise.all([1, 2, 3, 4].map((n) => board.exec(['sh', '-c', `echo ${n}`])));
    expect(sshd.connectionPids()).toHaveLength(1);
  });

  it('copies a file once per content, and never leaves a complete-looking file behind a cut', async () => {
    const cache = new DeviceCache(board);
    const file = path.join(local, 'weird $(name); model.onnx');
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
    await writeFile(file, bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const first = await cache.upload(file);
    expect(first).toMatchObject({ sha256: sha, bytes: bytes.length, copied: true });
    expect(first.remotePath).toBe(`${sshd.home}/.cache/edgebench/blobs/${sha}/file.onnx`);
    expect(readFileSync(first.remotePath).equals(bytes)).toBe(true);
    const again = await cache.upload(file);
    expect(again).toEqual({ ...first, copied: false });
    const renamed = await cache.upload(file, { name: 'resnet18.onnx' });
    expect(renamed).toMatchObject({
      copied: false,
      remotePath: `${sshd.home}/.cache/edgebench/blobs/${sha}/resnet18.onnx`,
    });
    expect(readFileSync(renamed.remotePath).equals(bytes)).toBe(true);

    // A device whose `cat` stalls after 64 KiB: the connection is cut while the file is half there.
    const changed = path.join(local, 'changed.onnx');
    await writeFile(changed, Buffer.concat([bytes, Buffer.from('more')]));
    const changedSha = createHash('sha256').update(readFileSync(changed)).digest('hex');
    const blobDir = `${sshd.home}/.cache/edgebench/blobs/${changedSha}`;
    await deviceProgram(sshd, 'cat', 'dd bs=65536 count=1 2>/dev/null; sleep 20; exec /bin/cat');
    try {
      const upload = cache.upload(changed);
      const half = await until(
        () => existsSync(blobDir) && readdirSync(blobDir).some((name) => name.startsWith('.part.')),
      );
      expect(half).toBe(true);
      for (const pid of sshd.connectionPids()) process.kill(pid, 'SIGKILL');
      const cut = await expectTargetError(upload, 'connection-lost');
      expect(cut.message).toMatch(/the connection was cut while copying changed\.onnx/);
      expect(existsSync(`${blobDir}/changed.onnx`)).toBe(false);
      expect(readdirSync(blobDir).every((name) => name.startsWith('.part.'))).toBe(true);
    } finally {
      await rm(path.join(sshd.bin, 'cat'), { force: true });
      symlinkSync('/bin/cat', path.join(sshd.bin, 'cat'));
    }
    // The next call opens a new connection by itself, and the copy completes.
    const retry = await cache.upload(changed);
    expect(retry.copied).toBe(true);
    expect(createHash('sha256').update(readFileSync(retry.remotePath)).digest('hex')).toBe(changedSha);
  }, 30_000);

  it('keeps files that belong together in one folder, assembled once', async () => {
    const cache = new DeviceCache(board);
    await writeFile(path.join(local, 'a.py'), 'import b\n');
    await writeFile(path.join(local, 'b.py'), 'X = 1\n');
    const files = [
      { localPath: path.join(local, 'a.py'), name: 'a.py' },
      { localPath: path.join(local, 'b.py'), name: 'b.py' },
    ];
    const first = await cache.uploadBundle(files);
    expect(first.copied).toBe(2);
    expect(readdirSync(first.remoteDir).sort()).toEqual(['a.py', 'b.py']);
    expect(await cache.uploadBundle(files)).toEqual({ ...first, copied: 0 });
    // Media keep their class folders; nothing may climb out of the bundle or hide in it.
    const nested = await cache.uploadBundle([
      { localPath: path.join(local, 'a.py'), name: 'images/cats/a.py' },
      { localPath: path.join(local, 'b.py'), name: 'images/b.py' },
    ]);
    expect(readdirSync(path.join(nested.remoteDir, 'images', 'cats'))).toEqual(['a.py']);
    expect(readdirSync(path.join(nested.remoteDir, 'images')).sort()).toEqual(['b.py', 'cats']);
    for (const name of ['../a.py', 'images/../../a.py', 'images//a.py', '.hidden/a.py'])
      await expect(cache.uploadBundle([{ localPath: path.join(local, 'a.py'), name }])).rejects.toThrow(
        /bad or repeated bundle file name/,
      );
  });

  it('a connection cut mid-command is one clear error', async () => {
    let ticked: () => void = () => {};
    const firstTick = new Promise<void>((resolve) => {
      ticked = resolve;
    });
    const running = board.start(['sh', '-c', 'while :; do echo tick; sleep 0.1; done'], {
      doing: 'running the loop',
      onStdoutLine: () => ticked(),
    });
    running.stdin.end();
    await firstTick;
    for (const pid of sshd.connectionPids()) process.kill(pid, 'SIGKILL');
    const error = await expectTargetError(running.done, 'connection-lost');
    expect(error.message).toMatch(
      /^target 'board': the connection was cut while running the loop; .*run it again once 'ssh -F .* board' works$/,
    );
  });

  it('a missing program, a full disk, a timeout and an abort', async () => {
    const missing = await expectTargetError(board.exec(['trtexec', '--help']), 'command-not-found');
    expect(missing.message).toMatch(/'trtexec' is not installed on the device, or not on the PATH/);

    const full = await expectTargetError(
      board.exec(['sh', '-c', 'cat > /dev/full'], { stdin: 'x'.repeat(10_000), doing: 'writing the engine' }),
      'disk-full',
    );
    expect(full.message).toMatch(
      /ran out of disk space while writing the engine \(.*No space left on device\)/,
    );

    // The timed-out and the aborted programs must be gone from the device, not just from here.
    const slow = board.exec(['sh', '-c', 'exec sleep 37.25'], { timeoutMs: 3000 });
    const slowPid = await until(() => processWithArgs(['sleep', '37.25']) > 0).then(() =>
      processWithArgs(['sleep', '37.25']),
    );
    const error = await expectTargetError(slow, 'timeout');
    expect(error.message).toMatch(/'sh' did not finish within 3 s; it was stopped on the device/);
    expect(slowPid).toBeGreaterThan(0);
    expect(await until(() => !alive(slowPid))).toBe(true);

    const controller = new AbortController();
    const aborted = board.exec(['sleep', '38.25'], { signal: controller.signal });
    controller.abort(new Error('stopped by the user')); // before the program even started
    await expect(aborted).rejects.toThrow('stopped by the user');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(processWithArgs(['sleep', '38.25'])).toBe(0);
  }, 30_000);

  it('refuses an unknown host key with how to trust it, and accepts nothing by itself', async () => {
    const dir = await tempDir('edgebench-ssh-unknown-');
    try {
      const knownHosts = path.join(dir, 'known_hosts');
      await writeFile(knownHosts, '');
      const config = path.join(dir, 'ssh_config');
      await writeFile(
        config,
        readFileSync(sshd.sshConfig, 'utf8').replaceAll(
          `UserKnownHostsFile ${sshd.knownHosts}`,
          `UserKnownHostsFile ${knownHosts}`,
        ),
      );
      const stranger = new SshTransport({
        address: { host: sshd.alias },
        sshConfig: config,
        label: "target 'board'",
      });
      try {
        const error = await expectTargetError(stranger.connect(), 'host-key-unknown');
        expect(error.message).toBe(
          `target 'board': its host key is not trusted yet, and edgebench never accepts one on its own; connect once with 'ssh -F ${config} board', check the fingerprint it shows and answer yes, then run this again`,
        );
        expect(readFileSync(knownHosts, 'utf8')).toBe('');

        // A different key for the same host: refused as changed.
        const otherKey = path.join(dir, 'other');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
        const other = readFileSync(`${otherKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
        await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${other}\n`);
        const changed = await expectTargetError(stranger.connect(), 'host-key-changed');
        expect(changed.message).toMatch(
          /its host key is not the one trusted before \(.*known_hosts line 1\)/,
        );
      } finally {
        await stranger.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key the board does not know, and an address where nothing listens', async () => {
    const dir = await tempDir('edgebench-ssh-badkey-');
    try {
      const key = path.join(dir, 'stranger');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      const config = path.join(dir, 'ssh_config');
      await writeFile(
        config,
        readFileSync(sshd.sshConfig, 'utf8').replaceAll(/IdentityFile \S+/g, `IdentityFile ${key}`),
      );
      const refused = new SshTransport({
        address: { host: sshd.alias },
        sshConfig: config,
        label: "target 'board'",
      });
      const auth = await expectTargetError(refused.connect(), 'auth-failed');
      expect(auth.message).toMatch(/the device refused the login \(publickey\); .*ssh-copy-id/);
      await refused.close();

      // A port nothing listens on (this server's, once it is gone, would race; a fresh closed one).
      const nowhere = new SshTransport({
        address: { host: '127.0.0.1', port: 1, user: sshd.user },
        sshConfig: sshd.sshConfig,
        connectTimeoutS: 3,
      });
      const unreachable = await expectTargetError(nowhere.connect(), 'unreachable');
      expect(unreachable.message).toMatch(
        /^ssh:\/\/.*@127\.0\.0\.1:1: cannot reach the device \(.*Connection refused\)/,
      );
      await nowhere.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('close() ends the shared connection and removes its control socket', async () => {
    const t = new SshTransport({ address: { host: sshd.alias }, sshConfig: sshd.sshConfig });
    await t.connect();
    const args = t.sshArgs();
    const socket = args[args.indexOf(args.find((a) => a.startsWith('ControlPath='))!)].slice(
      'ControlPath='.length,
    );
    expect(existsSync(socket)).toBe(true);
    await t.close();
    expect(existsSync(path.dirname(socket))).toBe(false);
    const check = spawnSync('ssh', ['-o', `ControlPath=${socket}`, '-O', 'check', 'board']);
    expect(check.status).not.toBe(0);
  });
});

/** Whether this machine lets us mount a tmpfs (root, outside a locked-down container). */
function canMountTmpfs(): boolean {
  if (skip || process.getuid?.() !== 0) return false;
  const probe = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  spawnSync('rmdir', [probe]);
  return ok;
}

describe.skipIf(!canMountTmpfs())(
  'a device that is really out of space (a 256 KiB tmpfs; needs root)',
  () => {
    it('says so, and leaves no file that looks complete', async () => {
      const sshd = await startSshd();
      const board = new SshTransport({
        address: { host: sshd.alias },
        sshConfig: sshd.sshConfig,
        label: "target 'board'",
      });
      const cacheDir = path.join(sshd.home, '.cache', 'edgebench');
      await mkdir(cacheDir, { recursive: true });
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', cacheDir]).status).toBe(0);
      try {
        const file = path.join(sshd.dir, 'big.onnx');
        await writeFile(file, Buffer.alloc(1024 * 1024, 1));
        const error = await expectTargetError(new DeviceCache(board).upload(file), 'disk-full');
        expect(error.message).toMatch(
          /^target 'board': the device ran out of disk space while copying big\.onnx/,
        );
        const blobs = path.join(cacheDir, 'blobs');
        const left = readdirSync(blobs).flatMap((d) => readdirSync(path.join(blobs, d)));
        expect(left.filter((name) => !name.startsWith('.part.'))).toEqual([]);
      } finally {
        await board.close();
        spawnSync('umount', [cacheDir]);
        await sshd.stop();
      }
    }, 30_000);
  },
);
