import { open } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  epochNowMs,
  startTelemetry,
  summarizeTelemetry,
  telemetrySummarySchema,
} from '../../src/telemetry/index.js';
import { cleanupFakeRoots, fakeProgram, fakeRoot, pidStat, pidStatus, procStat } from './fake-root.js';

afterAll(cleanupFakeRoots);

/**
 * Overwrites a file in place with content of the same length, in one write: the sampler keeps
 * its files open (as sysfs files are never replaced), so a new inode would go unseen.
 */
async function overwrite(root: string, relative: string, content: string): Promise<void> {
  const handle = await open(path.join(root, relative), 'r+');
  try {
    await handle.write(content, 0);
  } finally {
    await handle.close();
  }
}

const fixedWidth = (value: number): string => `${String(value).padStart(12, '0')}\n`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startTelemetry', () => {
  it('samples a fake machine in a worker thread, on the common clock', async () => {
    const pid = 31337;
    const root = await fakeRoot({
      [`proc/${pid}/stat`]: pidStat(pid, 'bench', 100, 0),
      [`proc/${pid}/status`]: pidStatus(50_000, 60_000),
      'proc/stat': procStat(1000, 9000),
      'sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq': 2_400_000,
      'sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq': 3_000_000,
      'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor': 'performance\n',
      'sys/class/thermal/thermal_zone0/type': 'x86_pkg_temp\n',
      'sys/class/thermal/thermal_zone0/temp': 45000,
      'sys/class/powercap/intel-rapl:0/name': 'package-0\n',
      'sys/class/powercap/intel-rapl:0/energy_uj': fixedWidth(0),
      'sys/class/powercap/intel-rapl:0/max_energy_range_uj': 262143328850,
    });
    const smi = await fakeProgram(
      root,
      'nvidia-smi',
      [
        'row="0, NVIDIA A2, 40.5, 80, 20, 900, 15356, 1770, 6251, 55, 0x0000000000000000"',
        'case "$*" in *-lms*) while true; do echo "$row"; sleep 0.05; done ;; esac',
        'echo "$row"',
      ].join('\n'),
    );

    const before = epochNowMs();
    const sampler = await startTelemetry({
      root,
      pid,
      intervalMs: 50,
      commands: { nvidiaSmi: smi, tegrastats: path.join(root, 'bin/tegrastats') },
    });
    expect(sampler.detections.map((d) => [d.id, d.available])).toEqual([
      ['proc', true],
      ['cpufreq', true],
      ['thermal', true],
      ['rapl', true],
      ['nvidia-smi', true],
      ['jetson', false],
    ]);
    // The measured "process" burns CPU and the package draws 10 W while we wait.
    let energyUj = 0;
    let ticks = 100;
    const startedAt = epochNowMs();
    while (epochNowMs() - startedAt < 600) {
      await sleep(25);
      energyUj += 250_000;
      ticks += 1;
      await overwrite(root, 'sys/class/powercap/intel-rapl:0/energy_uj', fixedWidth(energyUj));
      await overwrite(root, `proc/${pid}/stat`, pidStat(pid, 'bench', ticks, 0)); // ticks stay 3 digits
    }
    const record = await sampler.stop();
    const after = epochNowMs();
    expect(await sampler.stop()).toBe(record);

    expect(record.samples.length).toBeGreaterThanOrEqual(4);
    expect(record.cost.ticks).toBe(record.samples.length);
    const times = record.samples.map((s) => s.tMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times.at(-1)!).toBeLessThanOrEqual(after);
    const last = record.samples.at(-1)!;
    expect(last.proc?.rssKb).toBe(50_000);
    expect(last.proc?.peakRssKb).toBe(60_000);
    expect(last.cpufreq?.khz).toEqual({ 0: 2_400_000 });
    expect(last.thermal?.celsius).toEqual({ 'zone0:x86_pkg_temp': 45 });
    expect(last.rapl?.energyUj['intel-rapl:0']).toBeGreaterThan(0);
    expect(record.samples.some((s) => s['nvidia-smi']?.gpus[0]?.powerDrawW === 40.5)).toBe(true);
    expect(record.info.rapl?.zones[0].name).toBe('package-0');
    expect(record.cost.wallMs).toBeGreaterThan(0);

    // The window a measurement would report: here, the span the nvidia-smi rows cover (its child
    // starts with the sampler, so its first row comes a little after the first sample).
    const gpuTimes = record.samples.flatMap((s) => s['nvidia-smi']?.gpus.map((gpu) => gpu.tMs) ?? []);
    const window = {
      startMs: Math.max(Math.min(...gpuTimes), times[0]),
      endMs: Math.min(Math.max(...gpuTimes), times.at(-1)!),
    };
    const summary = summarizeTelemetry(record, window, { inferences: 100 });
    expect(summary.energyAbsentReason).toBeUndefined();
    expect(summary.energy?.method).toBe('rapl+nvidia-smi');
    expect(summary.energy?.estimated).toBe(false);
    expect(summary.sources.rapl?.joules).toBeGreaterThan(0);
    expect(summary.sources['nvidia-smi']?.gpus[0].powerWMean).toBe(40.5);
    expect(summary.sources.proc?.processCpuPctMean).toBeGreaterThan(0);
    expect(summary.sourcesUnavailable).toEqual([
      { id: 'jetson', reason: expect.stringMatching(/not a Jetson/) },
    ]);
    expect(() => telemetrySummarySchema.parse(summary)).not.toThrow();
  });

  it('watches this process by default and records its own cost', async () => {
    const sampler = await startTelemetry({ sources: ['proc'], intervalMs: 20 });
    await sleep(200);
    const record = await sampler.stop();
    expect(record.pid).toBe(process.pid);
    expect(record.samples.length).toBeGreaterThanOrEqual(2);
    if (process.platform === 'linux') {
      expect(record.samples[0].proc?.processCpuMs).toBeGreaterThan(0);
      expect(record.cost.threadCpuMs).not.toBeNull();
    }
  });

  it('rejects bad settings with a message naming them', async () => {
    await expect(startTelemetry({ intervalMs: 0 })).rejects.toThrow(UserError);
    await expect(startTelemetry({ sources: ['gpu' as 'proc'] })).rejects.toThrow(
      /unknown telemetry source 'gpu'/,
    );
  });
});
