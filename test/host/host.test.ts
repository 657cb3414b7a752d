import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectJetson, parseCpuInfo } from '../../src/host/host.js';
import { tempDir } from '../helpers/temp.js';

describe('cpuinfo', () => {
  it('reads x86 model, ISA features and physical cores', () => {
    const text = [
      'processor\t: 0',
      'physical id\t: 0',
      'core id\t\t: 0',
      'model name\t: AMD EPYC 9454P 48-Core Processor',
      'flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni avx512_bf16',
      '',
      'processor\t: 1',
      'physical id\t: 0',
      'core id\t\t: 0',
      'model name\t: AMD EPYC 9454P 48-Core Processor',
      'flags\t\t: fpu',
      '',
      'processor\t: 2',
      'physical id\t: 0',
      'core id\t\t: 1',
      'model name\t: AMD EPYC 9454P 48-Core Processor',
      'flags\t\t: fpu',
      '',
    ].join('\n');
    const info = parseCpuInfo(text);
    expect(info.model).toBe('AMD EPYC 9454P 48-Core Processor');
    expect(info.features).toEqual([
      'sse4_2',
      'avx',
      'avx2',
      'fma',
      'f16c',
      'avx512f',
      'avx512bw',
      'avx512vl',
      'avx512_vnni',
      'avx512_bf16',
    ]);
    expect(info.physicalCores).toBe(2);
  });
  it('reads Arm features as NEON and dot product', () => {
    const text =
      'processor\t: 0\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 asimddp\nCPU implementer\t: 0x41\n\nModel\t\t: NVIDIA Jetson Nano Developer Kit\n';
    const info = parseCpuInfo(text);
    expect(info.features).toEqual(['neon', 'asimddp']);
    expect(info.model).toBe('NVIDIA Jetson Nano Developer Kit');
  });
});

describe('Jetson detection', () => {
  it('reads the L4T release and board model from a fake root', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'etc'), { recursive: true });
    await mkdir(path.join(root, 'proc/device-tree'), { recursive: true });
    await writeFile(
      path.join(root, 'etc/nv_tegra_release'),
      '# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, EABI: aarch64, DATE: Sat Feb 19 17:05:08 UTC 2022\n',
    );
    await writeFile(path.join(root, 'proc/device-tree/model'), 'NVIDIA Jetson Nano Developer Kit\0');
    const jetson = await detectJetson(root);
    expect(jetson?.release).toMatch(/^R32 \(release\), REVISION: 7.1/);
    expect(jetson?.model).toBe('NVIDIA Jetson Nano Developer Kit');
  });
  it('is absent elsewhere', async () => {
    expect(await detectJetson(await tempDir())).toBeUndefined();
  });
});
