/**
 * The parts of targets that need no server: quoting (checked against real shells), target names and
 * addresses, the targets file, reading ssh's own failure messages, and deciding what runs on a device.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { deviceFileName } from '../../src/targets/cache.js';
import { addTarget, loadTargets, removeTarget, resolveTarget } from '../../src/targets/config.js';
import { classifySshFailure } from '../../src/targets/errors.js';
import { type DevicePython, decideEngines, parseFacts, splitSections } from '../../src/targets/probe.js';
import { remoteCommandLine, shellQuote } from '../../src/targets/shell.js';
import { checkTargetName, parseSshUrl, targetNameProblem } from '../../src/targets/spec.js';
import { tempDir } from '../helpers/temp.js';

const NASTY = [
  '',
  'plain',
  "it's",
  "''",
  '"double"',
  '$(touch /tmp/edgebench-should-not-exist)',
  '`id`',
  'a; rm -rf x',
  'tab\there',
  'new\nline',
  '\\backslash\\',
  '$HOME',
  '!event',
  '*?[]{}~#&|<>',
  'ünïcødé ✓',
];

describe('quoting for the remote shell', () => {
  for (const shell of ['/bin/sh', '/bin/bash', '/bin/dash', '/usr/bin/zsh'].filter(existsSync)) {
    it(`every argument comes back byte for byte from ${shell}`, () => {
      const line = ['printf', "'%s\\0'", ...NASTY.map(shellQuote)].join(' ');
      const result = spawnSync(shell, ['-c', line], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(result.stdout.split('\0').slice(0, -1)).toEqual(NASTY);
    });
  }

  it('leaves plain words readable, execs the program, and refuses what cannot be passed', () => {
    expect(shellQuote('/usr/bin/python3')).toBe('/usr/bin/python3');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(remoteCommandLine(['python3', 'a b'], { PYTHONPATH: '/x y' })).toBe(
      "exec env 'PYTHONPATH=/x y' python3 'a b'",
    );
    expect(() => shellQuote('nul\0byte')).toThrow(/NUL/);
    expect(() => remoteCommandLine([])).toThrow(/program name/);
    expect(() => remoteCommandLine(['true'], { 'X;Y': '1' })).toThrow(/not an environment variable name/);
  });

  it('names files on the device safely', () => {
    expect(deviceFileName('resnet18-int8.onnx')).toBe('resnet18-int8.onnx');
    expect(deviceFileName('$(reboot); x.onnx')).toBe('file.onnx');
    expect(deviceFileName('.hidden')).toBe('file.hidden');
    expect(deviceFileName('new\nline.pt')).toBe('file.pt');
  });
});

describe('target names and addresses', () => {
  it('takes short plain names and refuses the rest, saying why', () => {
    for (const name of ['nano', 'orin-agx.2', 'lab_01']) expect(targetNameProblem(name)).toBeUndefined();
    for (const name of [
      '',
      'a;b',
      '$(touch x)',
      'two words',
      'new\nline',
      '-rf',
      '.hidden',
      'ssh://x',
      'x'.repeat(64),
    ])
      expect(targetNameProblem(name), JSON.stringify(name)).toMatch(/target names are 1 to 63/);
    expect(targetNameProblem('local')).toMatch(/always means this machine/);
    expect(() => checkTargetName('a\nb')).toThrow(UserError);
    expect(() => checkTargetName('a\nb')).toThrow(/"a\\nb"/); // shown escaped: the message stays one line
  });

  it('parses ssh:// addresses strictly', () => {
    expect(parseSshUrl('ssh://nano')).toEqual({ host: 'nano' });
    expect(parseSshUrl('ssh://jetson@10.0.0.5:2222')).toEqual({
      host: '10.0.0.5',
      user: 'jetson',
      port: 2222,
    });
    expect(parseSshUrl('ssh://[fe80::1]:22')).toEqual({ host: '[fe80::1]', port: 22 });
    expect(() => parseSshUrl('ssh://nano:secret@host')).toThrow(/never holds a password/);
    expect(() => parseSshUrl('ssh://-oProxyCommand=x')).toThrow(/not a host name/);
    expect(() => parseSshUrl('ssh://host:99999')).toThrow(/not between 1 and 65535/);
    expect(() => parseSshUrl('ssh://ho st')).toThrow(/not a host name/);
    expect(() => parseSshUrl('http://host')).toThrow(/write ssh:\/\/\[user@\]host\[:port\]/);
    expect(() => parseSshUrl('ssh://$(id)@host')).toThrow(/not a user name/);
  });
});

describe('the targets file', () => {
  let dir = '';
  let file = '';
  beforeAll(async () => {
    dir = await tempDir('edgebench-targets-');
    file = path.join(dir, 'targets.yaml');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('saves, lists, resolves and removes targets, addresses only', async () => {
    expect(await loadTargets(file)).toEqual([]);
    await addTarget('nano', 'ssh://jetson@nano.local', { file });
    await addTarget('orin', 'ssh://orin:2222', { file, sshConfig: path.join(dir, 'cfg') });
    await expect(addTarget('nano', 'ssh://other', { file })).rejects.toThrow(/exists already .* --replace/);
    await addTarget('nano', 'ssh://jetson@nano2.local', { file, replace: true });
    expect(await loadTargets(file)).toEqual([
      { name: 'nano', url: 'ssh://jetson@nano2.local' },
      { name: 'orin', url: 'ssh://orin:2222', sshConfig: path.join(dir, 'cfg') },
    ]);
    expect(await resolveTarget('orin', file)).toEqual({
      kind: 'ssh',
      name: 'orin',
      address: { host: 'orin', port: 2222 },
      sshConfig: path.join(dir, 'cfg'),
    });
    expect(await resolveTarget('local', file)).toEqual({ kind: 'local', name: 'local' });
    expect(await resolveTarget('ssh://a@b:3', file)).toEqual({
      kind: 'ssh',
      address: { host: 'b', user: 'a', port: 3 },
    });
    await expect(resolveTarget('xavier', file)).rejects.toThrow(
      /no target named 'xavier' .*\(saved: nano, orin\).*target add xavier/,
    );
    await expect(resolveTarget('a;b', file)).rejects.toThrow(/bad target/);
    expect(await removeTarget('orin', file)).toBe(true);
    expect(await removeTarget('orin', file)).toBe(false);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/never keys or passwords/);
    expect(text).toMatch(/nano:\n\s+url: ssh:\/\/jetson@nano2\.local/);
  });

  it('says what is wrong with a hand-edited file', async () => {
    await writeFile(file, 'targets: [unclosed');
    await expect(loadTargets(file)).rejects.toThrow(/is not valid YAML/);
    await writeFile(file, 'targets:\n  nano:\n    url: ssh://a\n    password: hunter2\n');
    await expect(loadTargets(file)).rejects.toThrow(/malformed at targets\.nano/);
    await writeFile(file, 'targets:\n  "bad name":\n    url: ssh://a\n');
    await expect(loadTargets(file)).rejects.toThrow(/holds a bad name/);
    await writeFile(file, 'targets:\n  nano:\n    url: ssh://a:b@c\n');
    await expect(loadTargets(file)).rejects.toThrow(/target 'nano': a target address never holds a password/);
  });
});

describe("reading ssh's own failure messages (OpenSSH 7.x–9.x wording)", () => {
  const context = { target: "target 'nano'", sshHint: 'ssh nano' };
  const kind = (stderr: string) => classifySshFailure(stderr, context)?.kind;
  it('tells each failure apart', () => {
    expect(kind('ssh: connect to host 10.0.0.5 port 22: Connection timed out')).toBe('unreachable');
    expect(kind('ssh: connect to host nano port 22: No route to host')).toBe('unreachable');
    expect(kind('ssh: Could not resolve hostname nano: Name or service not known')).toBe('unreachable');
    expect(kind('Connection timed out during banner exchange')).toBe('unreachable');
    expect(kind('jetson@10.0.0.5: Permission denied (publickey,password).')).toBe('auth-failed');
    expect(kind('Received disconnect from 10.0.0.5 port 22:2: Too many authentication failures')).toBe(
      'auth-failed',
    );
    expect(
      kind(
        'No ED25519 host key is known for nano and you have requested strict checking.\r\nHost key verification failed.',
      ),
    ).toBe('host-key-unknown');
    expect(
      kind(
        '@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nOffending ED25519 key in /home/u/.ssh/known_hosts:3\nHost key verification failed.',
      ),
    ).toBe('host-key-changed');
    expect(kind('Connection to nano closed by remote host.')).toBe('connection-lost');
    expect(kind('client_loop: send disconnect: Broken pipe')).toBe('connection-lost');
    expect(kind('Timeout, server nano not responding.')).toBe('connection-lost');
    expect(kind('Traceback (most recent call last):\nValueError: bad')).toBeUndefined();
  });

  it('says where the changed key is recorded', () => {
    const error = classifySshFailure(
      'WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!\nOffending ECDSA key in /home/u/.ssh/known_hosts:7',
      context,
    );
    expect(error?.message).toMatch(
      /\(\/home\/u\/\.ssh\/known_hosts line 7\); if the device was reinstalled, remove the old key with 'ssh-keygen -R HOST'/,
    );
  });
});

describe('what runs on a device, decided from its facts', () => {
  const marker = '@@m';
  const facts = (sections: Record<string, string>) =>
    parseFacts(
      splitSections(
        Object.entries({ uname: 'Linux\n4.9.253-tegra\naarch64\nnano', glibc: 'glibc 2.27', ...sections })
          .map(([name, body]) => `${marker} ${name}\n${body}`)
          .join('\n'),
        marker,
      ),
    );
  const python = (over: Partial<DevicePython>): DevicePython => ({
    candidate: 'python3',
    path: '/usr/bin/python3',
    realPath: '/usr/bin/python3.6',
    version: '3.6.9',
    torch: null,
    onnxruntime: null,
    ...over,
  });
  const byId = (engines: ReturnType<typeof decideEngines>) =>
    Object.fromEntries(engines.map((e) => [e.id, e]));

  it('a JetPack 4 Nano: no Node (and why it cannot have one), onnxruntime-gpu, torch 1.10 with CUDA', () => {
    const engines = byId(
      decideEngines(facts({ 'gpu-nodes': '/dev/nvhost-ctrl-gpu' }), [
        python({
          onnxruntime: {
            version: '1.11.0',
            numpy: '1.19.5',
            providers: ['TensorrtExecutionProvider', 'CUDAExecutionProvider', 'CPUExecutionProvider'],
          },
          torch: {
            version: '1.10.0',
            torchvision: null,
            cudaBuilt: '10.2',
            cudaAvailable: true,
            cudaDevice: 'NVIDIA Tegra X1',
          },
        }),
      ]),
    );
    expect(engines.edgebench.reason).toMatch(
      /no Node\.js on the device's PATH .*glibc 2\.27 is older than the 2\.28/,
    );
    expect(engines['ort-python/tensorrt']).toMatchObject({
      available: true,
      detail: 'onnxruntime 1.11.0 on Python 3.6.9 (/usr/bin/python3)',
    });
    expect(engines['torch/cuda'].detail).toMatch(
      /^torch 1\.10\.0 on NVIDIA Tegra X1, Python 3\.6\.9 .*torchvision is missing/,
    );
  });

  it('a CPU-only onnxruntime, a torch without CUDA, an old Node, no GPU', () => {
    const engines = byId(
      decideEngines(facts({ node: '/usr/bin/node\nv12.22.9' }), [
        python({ onnxruntime: { version: '1.11.0', numpy: '1.19.5', providers: ['CPUExecutionProvider'] } }),
        python({
          path: '/opt/py/bin/python3',
          realPath: '/opt/py/bin/python3.8',
          version: '3.8.10',
          torch: {
            version: '2.0.0',
            torchvision: '0.15.0',
            cudaBuilt: null,
            cudaAvailable: false,
            cudaDevice: null,
            cudaError: 'this torch build has no CUDA support (a CPU-only wheel)',
          },
        }),
      ]),
    );
    expect(engines.edgebench.reason).toMatch(/^Node v12\.22\.9 at \/usr\/bin\/node is older than 20/);
    expect(engines['ort-python/cuda'].reason).toMatch(
      /has no CUDAExecutionProvider \(it has CPUExecutionProvider\): a CPU-only build/,
    );
    expect(engines['ort-python/cpu'].available).toBe(true);
    expect(engines['torch/cuda'].reason).toBe('this torch build has no CUDA support (a CPU-only wheel)');
    expect(engines['torch/cpu'].detail).toMatch(
      /^torch 2\.0\.0, Python 3\.8\.10 \(\/opt\/py\/bin\/python3\)$/,
    );
    expect(engines.trtexec.reason).toMatch(/neither on PATH nor at \/usr\/src\/tensorrt\/bin\/trtexec/);
  });

  it('an edgebench command that does not run, and one that does', () => {
    const broken = byId(
      decideEngines(
        facts({
          node: '/usr/bin/node\nv20.11.1',
          edgebench: '/usr/local/bin/edgebench\nError: Cannot find module commander\nstatus 1',
        }),
        [],
      ),
    );
    expect(broken.edgebench.reason).toBe(
      'edgebench at /usr/local/bin/edgebench does not run: Error: Cannot find module commander',
    );
    const working = byId(
      decideEngines(
        facts({ node: '/usr/bin/node\nv20.11.1', edgebench: '/usr/local/bin/edgebench\n0.1.0\nstatus 0' }),
        [],
      ),
    );
    expect(working.edgebench).toEqual({
      id: 'edgebench',
      available: true,
      detail: 'edgebench 0.1.0 on Node v20.11.1 (/usr/local/bin/edgebench)',
    });
    expect(working['torch/cpu'].reason).toBe('no python3 on the device');
  });

  it('a Python too old for the runners, and trtexec whose libraries are missing', () => {
    const engines = byId(
      decideEngines(
        facts({ trtexec: 'path /usr/src/tensorrt/bin/trtexec\n\tlibnvinfer.so.8 => not found' }),
        [python({ version: '3.5.2', problem: 'Python 3.5.2 is older than 3.6, which the runners need' })],
      ),
    );
    expect(engines['torch/cpu'].reason).toMatch(
      /no usable Python 3\.6\+ \(python3: Python 3\.5\.2 is older than 3\.6/,
    );
    expect(engines.trtexec.reason).toMatch(/its library libnvinfer\.so\.8 cannot be loaded/);
  });
});
