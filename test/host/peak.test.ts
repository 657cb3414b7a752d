/** The peak estimate on fixed host descriptions, and where the clock comes from. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOCK_SOURCES, type CpuInfo, describeHost } from '../../src/host/host.js';
import { estimatePeak } from '../../src/host/peak.js';
import { tempDir } from '../helpers/temp.js';

const cpu = (over: Partial<CpuInfo>): CpuInfo => ({
  model: 'test CPU',
  logicalCores: 8,
  physicalCores: 4,
  architecture: 'x64',
  features: [],
  clock: { mhz: 3000, source: CLOCK_SOURCES.cpufreq },
  ...over,
});

describe('peak estimate: cores × clock × operations per cycle', () => {
  it('AVX2 with FMA: 32 fp32 FLOP/cycle; 64 int8 ops without VNNI', () => {
    const host = cpu({ features: ['avx', 'avx2', 'fma'] });
    const fp32 = estimatePeak(host, { precision: 'fp32' });
    expect(fp32.peak).toMatchObject({ cores: 4, opsPerCycle: 32, gflopsPerSec: 384, estimated: true });
    expect(fp32.peak?.formula).toBe(
      '4 cores × 3.00 GHz (cpufreq cpuinfo_max_freq) × 32 FLOP/cycle (AVX2 FMA: 2 units × 8 fp32 lanes × 2) = 384.0 GFLOP/s',
    );
    expect(estimatePeak(host, { precision: 'int8' }).peak).toMatchObject({
      opsPerCycle: 64,
      gflopsPerSec: 768,
    });
  });

  it('AVX-512 with VNNI: 64 FLOP/cycle, 256 int8 ops/cycle; AMX above that', () => {
    const host = cpu({ features: ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512_vnni'] });
    expect(estimatePeak(host, { precision: 'fp32' }).peak).toMatchObject({
      opsPerCycle: 64,
      gflopsPerSec: 768,
    });
    expect(estimatePeak(host, { precision: 'int8' }).peak).toMatchObject({
      opsPerCycle: 256,
      gflopsPerSec: 3072,
    });
    const amx = cpu({ features: ['avx512f', 'avx512_vnni', 'amx_int8'] });
    expect(estimatePeak(amx, { precision: 'int8' }).peak?.opsPerCycle).toBe(2048);
  });

  it('NEON: 16 FLOP/cycle; the dot product doubles int8', () => {
    const arm = cpu({ architecture: 'arm64', features: ['neon'], physicalCores: undefined, logicalCores: 4 });
    const fp32 = estimatePeak(arm, { precision: 'fp32' }).peak;
    expect(fp32).toMatchObject({ cores: 4, opsPerCycle: 16, gflopsPerSec: 192 });
    expect(fp32?.coresSource).toMatch(/logical cores \(the physical count is unknown\)/);
    expect(estimatePeak(arm, { precision: 'int8' }).peak?.opsPerCycle).toBe(32);
    const dot = cpu({ architecture: 'arm64', features: ['neon', 'asimddp'] });
    expect(estimatePeak(dot, { precision: 'int8' }).peak?.opsPerCycle).toBe(64);
  });

  it('counts the intra-op threads when fewer than the cores', () => {
    const peak = estimatePeak(cpu({ features: ['avx2', 'fma'] }), { precision: 'fp32', threads: 1 }).peak;
    expect(peak).toMatchObject({ cores: 1, gflopsPerSec: 96 });
    expect(peak?.coresSource).toBe('intra-op threads (of 4 physical cores)');
  });

  it('is absent, with the reason, without a clock or for another architecture', () => {
    expect(estimatePeak(cpu({ clock: undefined }), { precision: 'fp32' })).toEqual({
      peak: null,
      reason: 'the CPU clock is unknown (no cpufreq maximum, no "cpu MHz" in /proc/cpuinfo)',
    });
    expect(estimatePeak(cpu({ architecture: 'riscv64' }), { precision: 'fp32' }).peak).toBeNull();
  });
});

describe('the clock a host description gives', () => {
  const cpuinfo =
    'processor\t: 0\ncore id\t\t: 0\nmodel name\t: Test\ncpu MHz\t\t: 2096.011\nflags\t\t: avx2 fma\n';
  it('prefers cpufreq cpuinfo_max_freq', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'proc'), { recursive: true });
    await mkdir(path.join(root, 'sys/devices/system/cpu/cpu0/cpufreq'), { recursive: true });
    await writeFile(path.join(root, 'proc/cpuinfo'), cpuinfo);
    await writeFile(path.join(root, 'sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'), '3500000\n');
    expect((await describeHost(root)).cpu.clock).toEqual({ mhz: 3500, source: 'cpufreq cpuinfo_max_freq' });
  });
  it('falls back on the current "cpu MHz", and says so; else has none', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'proc'), { recursive: true });
    await writeFile(path.join(root, 'proc/cpuinfo'), cpuinfo);
    expect((await describeHost(root)).cpu.clock).toEqual({
      mhz: 2096.011,
      source: '/proc/cpuinfo "cpu MHz", the clock when read',
    });
    expect((await describeHost(await tempDir())).cpu.clock).toBeUndefined();
  });
});
