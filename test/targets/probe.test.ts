/**
 * The device probe over real SSH, on a board that has Node and edgebench on PATH (so edgebench itself
 * is the best way to measure there) and whose files are a fake Jetson Nano on JetPack 4.6.1: the
 * probe's sh script reads them under a root prefix, and fake nvpmodel/trtexec programs answer as
 * JetPack's do. The board without Node is probed through the CLI (cli.test.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDeviceDescription } from '../../src/report/device-table.js';
import { jetpackForL4t, parseL4tRelease } from '../../src/targets/jetson-facts.js';
import { type DeviceDescription, probeDevice } from '../../src/targets/probe.js';
import { SshTransport } from '../../src/targets/ssh.js';
import { EDGEBENCH_VERSION } from '../../src/version.js';
import { cleanupFakeRoots, fakeProgram, fakeRoot } from '../telemetry/fake-root.js';
import { jetsonNanoTree } from './jetson-tree.js';
import { deviceProgram, sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const skip = sshdSkipReason();

/** JetPack's trtexec --help, the lines that matter (TensorRT 8.2.1). */
const TRTEXEC_HELP = `echo '&&&& RUNNING TensorRT.trtexec [TensorRT v8201] # trtexec --help'
echo '=== Model Options ==='
echo '  --onnx=<file>               ONNX model'
echo '  --workspace=N               Set workspace size in MiB.'
echo '  --buildOnly                 Skip inference perf measurement'
exit 0`;

describe.skipIf(skip)('device probe (real sshd, a fake Jetson Nano with Node and edgebench)', () => {
  let sshd: TestSshd;
  let board: SshTransport;
  let root = '';
  let description: DeviceDescription;

  beforeAll(async () => {
    sshd = await startSshd({ withNode: true, without: ['python'] });
    root = await fakeRoot(jetsonNanoTree());
    await fakeProgram(path.join(root, 'usr/src/tensorrt'), 'trtexec', TRTEXEC_HELP);
    await deviceProgram(sshd, 'nvpmodel', 'printf "NV Fan Mode:quiet\\nNV Power Mode: MAXN\\n0\\n"');
    board = new SshTransport({
      address: { host: sshd.alias },
      sshConfig: sshd.sshConfig,
      label: "target 'nano'",
    });
    description = await probeDevice(board, { root, target: 'nano' });
  }, 60_000);
  afterAll(async () => {
    await board?.close();
    await sshd?.stop();
    await cleanupFakeRoots();
  });

  it('finds edgebench itself first, and trtexec at JetPack’s place off PATH', () => {
    const byId = Object.fromEntries(description.engines.map((e) => [e.id, e]));
    expect(byId.edgebench.reason).toBeUndefined();
    expect(description.level).toBe('edgebench');
    expect(byId.edgebench).toMatchObject({ available: true });
    expect(byId.edgebench.detail).toMatch(
      new RegExp(`^edgebench ${EDGEBENCH_VERSION.replaceAll('.', '\\.')} on Node v20`),
    );
    expect(byId.trtexec).toEqual({
      id: 'trtexec',
      available: true,
      detail: `TensorRT 8.2.1 (${root}/usr/src/tensorrt/bin/trtexec)`,
    });
    expect(description.trtexec).toMatchObject({ version: '8.2.1', versionSource: 'banner', runs: true });
    expect(byId['torch/cpu']).toEqual({
      id: 'torch/cpu',
      available: false,
      reason: 'no python3 on the device',
    });
    expect(byId['ort-python/cuda'].available).toBe(false);
    // Nothing needed Python, so nothing was copied to the device.
    expect(existsSync(path.join(sshd.home, '.cache', 'edgebench'))).toBe(false);
  });

  it('describes the board as env describes this machine', () => {
    expect(description).toMatchObject({
      target: 'nano',
      address: sshd.alias,
      user: sshd.user,
      memoryBytes: 4051032 * 1024,
      cuda: '10.2.300',
      tensorrt: '8.2.1',
      cacheDir: path.join(sshd.home, '.cache', 'edgebench'),
      gpuDeviceNodes: ['/dev/nvhost-ctrl-gpu'],
    });
    expect(description.cpu).toMatchObject({ model: 'ARMv8 Processor rev 1 (v8l)', governors: ['schedutil'] });
    expect(description.cpu.features).toContain('neon');
    expect(description.node?.version).toMatch(/^v20\./);
    expect(description.jetson).toEqual({
      model: 'NVIDIA Jetson Nano Developer Kit',
      l4t: 'R32.7.1',
      jetpack: '4.6.1',
      jetpackFrom: 'l4t',
      powerMode: { id: 0, name: 'MAXN', maxId: 0, maxName: 'MAXN', isMax: true, from: 'nvpmodel' },
      clocksLocked: false,
      clocksDetail: 'CPU 0,1,2,3 min < max; GPU 57000000.gpu min 76800000 < max 921600000',
      rails: ['POM_5V_IN', 'POM_5V_GPU', 'POM_5V_CPU'],
      powerSource: 'sysfs',
      tegrastats: null,
      jetsonClocks: null,
    });
    expect(description.warnings).toEqual([
      "clocks are not locked (CPU 0,1,2,3 min < max; GPU 57000000.gpu min 76800000 < max 921600000): 'sudo jetson_clocks' makes runs repeatable",
    ]);
  });

  it('renders it as a table, engines best first', () => {
    const text = formatDeviceDescription(description);
    expect(text).toMatch(
      /jetson\s+NVIDIA Jetson Nano Developer Kit; L4T R32\.7\.1; JetPack 4\.6\.1 \(from L4T\)/,
    );
    expect(text).toMatch(/power mode\s+MAXN \(mode 0\); the maximum/);
    expect(text).toMatch(/power rails\s+POM_5V_IN, POM_5V_GPU, POM_5V_CPU/);
    const engines = text
      .split('\n')
      .filter((line) => /^(edgebench|trtexec|ort-python|torch)\S*\s+(yes|no)\s/.test(line));
    expect(engines.map((line) => line.split(/\s+/)[0])).toEqual([
      'edgebench',
      'trtexec',
      'ort-python/tensorrt',
      'ort-python/cuda',
      'ort-python/cpu',
      'torch/cuda',
      'torch/cpu',
    ]);
    expect(text).toMatch(/measures with: edgebench runs on the device itself/);
  });
});

describe('L4T and JetPack releases', () => {
  it('reads /etc/nv_tegra_release and knows which JetPack ships it', () => {
    expect(parseL4tRelease('# R32 (release), REVISION: 6.1, GCID: 27863751, BOARD: t210ref')).toBe('R32.6.1');
    expect(jetpackForL4t('R32.6.1')).toBe('4.6');
    expect(jetpackForL4t('R32.7.4')).toBe('4.6.4');
    expect(jetpackForL4t('R35.4.1')).toBe('5.1.2');
    expect(jetpackForL4t('R99.0.0')).toBeNull();
  });
});
