/** The `run` terminal view: one memory unit throughout, and only the input settings that applied. */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/measure/result.js';
import { formatRunResult } from '../../src/report/run-table.js';
import { summarizeTelemetry, type TelemetrySample } from '../../src/telemetry/index.js';
import { fakeResult } from './fixture.js';

const T0 = 1_700_000_000_000;
const PEAK_KB = 320_922; // 313.4 MiB (328.6 MB)

function withTelemetry(result: RunResult): RunResult {
  const samples: TelemetrySample[] = [0, 1, 2].map((i) => ({
    tMs: T0 + i * 100,
    proc: {
      processCpuMs: i * 50,
      rssKb: PEAK_KB,
      peakRssKb: PEAK_KB,
      systemBusyTicks: i * 10,
      systemTotalTicks: i * 20,
    },
  }));
  const telemetry = summarizeTelemetry(
    {
      intervalMs: 100,
      pid: 1,
      startedMs: T0,
      stoppedMs: T0 + 200,
      detections: [{ id: 'proc', available: true }],
      info: { proc: { pid: 1, command: 'node', mode: 'procfs', cpuCount: 2 } },
      samples,
      cost: { wallMs: 200, threadCpuMs: 1, childCpuMs: null, pctOfCore: 0.5, ticks: 3, lateTicks: 0 },
    },
    { startMs: T0, endMs: T0 + 200 },
  );
  return { ...result, peakRssBytes: PEAK_KB * 1024, telemetry };
}

function withInputSource(source: RunResult['config']['effective']['inputSource']): RunResult {
  const result = fakeResult([1, 2, 3]);
  return {
    ...result,
    config: { ...result.config, effective: { ...result.config.effective, inputSource: source, seed: 42 } },
  };
}

describe('formatRunResult', () => {
  it('prints peak RSS in binary units in the table and in the telemetry line alike', () => {
    const text = formatRunResult(withTelemetry(fakeResult([1, 2, 3])));
    expect(text).toMatch(/peak RSS\s+313\.4 MiB/);
    expect(text).toMatch(/; peak RSS 313\.4 MiB$/m);
    expect(text).not.toMatch(/\bMB\b/);
  });

  it('shows the seed only when some input was synthesized from it', () => {
    const inputsLine = (r: RunResult) => formatRunResult(r).split('\n')[1];
    expect(inputsLine(withInputSource('files'))).toMatch(/\[files\]$/);
    expect(inputsLine(withInputSource('files'))).not.toMatch(/seed/);
    expect(inputsLine(withInputSource('synthetic'))).toMatch(/\[synthetic, seed 42\]$/);
    expect(inputsLine(withInputSource('mixed'))).toMatch(/\[files \+ synthetic, seed 42\]$/);
  });

  it('prints scalar inputs with their value, and the compute rate with the peak as an estimate', () => {
    const base = fakeResult([10, 10, 10]);
    const result: RunResult = {
      ...base,
      config: {
        ...base.config,
        effective: {
          ...base.config.effective,
          shapes: { input: [1, 512], sr: [] },
          inputValues: { sr: '16000' },
          inputSource: 'mixed',
        },
      },
      compute: {
        flops: 2e9,
        integerOps: 0,
        unknownNodes: 0,
        notes: [],
        unit: 'GFLOP/s',
        gflopsPerSec: 200,
        peak: {
          gflopsPerSec: 800,
          estimated: true,
          precision: 'fp32',
          cores: 4,
          coresSource: 'physical cores',
          clockMHz: 3125,
          clockSource: 'cpufreq cpuinfo_max_freq',
          opsPerCycle: 64,
          isa: 'AVX-512 FMA',
          formula:
            '4 cores × 3.13 GHz (cpufreq cpuinfo_max_freq) × 64 FLOP/cycle (AVX-512 FMA) = 800.0 GFLOP/s',
        },
        fractionOfPeak: 0.25,
      },
    };
    const text = formatRunResult(result);
    expect(text.split('\n')[1]).toBe('inputs input=1x512 sr=16000 (scalar)  [files + synthetic, seed 42]');
    expect(text).toMatch(/^GFLOP\/s +200 \(25\.0% of peak, est\.\)$/m);
    expect(text).toMatch(/^compute: 2\.00G FLOPs per inference \/ median latency$/m);
    expect(text).toMatch(/^peak \(estimate\): 4 cores × 3\.13 GHz \(cpufreq cpuinfo_max_freq\)/m);
    const noPeak = formatRunResult({
      ...result,
      compute: {
        ...result.compute!,
        peak: null,
        fractionOfPeak: null,
        peakAbsentReason: 'the CPU clock is unknown',
      },
    });
    expect(noPeak).toMatch(/^GFLOP\/s +200$/m);
    expect(noPeak).toMatch(/^peak: not estimated \(the CPU clock is unknown\)$/m);
  });
});
