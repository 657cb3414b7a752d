import { describe, expect, it } from 'vitest';
import {
  detectDrift,
  detectThrottling,
  type SourceInfos,
  summarizeTelemetry,
  type TelemetryRecord,
  type TelemetrySample,
  theilSenSlope,
} from '../../src/telemetry/index.js';

const T0 = 1_700_000_000_000;

function freqSamples(mhzPerSample: number[]): TelemetrySample[] {
  return mhzPerSample.map((mhz, i) => ({
    tMs: T0 + i * 100,
    cpufreq: { khz: { 0: mhz * 1000, 1: 800_000 } }, // cpu1 idles at 800 MHz throughout
  }));
}

describe('detectThrottling', () => {
  it('warns when the fastest core drops below its peak', () => {
    const mhz = [...Array(30).fill(3000), ...Array(10).fill(2100)];
    const info: Partial<SourceInfos> = {
      cpufreq: {
        cpus: [
          {
            cpu: 0,
            minKHz: 800_000,
            maxKHz: 3_500_000,
            scalingMaxKHz: 3_500_000,
            scalingMinKHz: 800_000,
            governor: 'performance',
            driver: 'intel_pstate',
          },
        ],
      },
    };
    const warnings = detectThrottling(freqSamples(mhz), { info });
    expect(warnings).toHaveLength(1);
    expect(warnings[0].kind).toBe('cpu-frequency-drop');
    expect(warnings[0].fraction).toBeCloseTo(0.25, 9);
    expect(warnings[0].firstAtMs).toBe(T0 + 3000);
    expect(warnings[0].message).toMatch(
      /peak \(3000 MHz, lowest 2100 MHz; hardware max 3500 MHz\) in 10 of 40 samples/,
    );
  });

  it('stays quiet for steady clocks and for a single blip', () => {
    expect(detectThrottling(freqSamples(Array(40).fill(3000)))).toEqual([]);
    expect(detectThrottling(freqSamples([...Array(39).fill(3000), 1500]))).toEqual([]);
    // idle cores at low clocks are not throttling: only the fastest core counts
    expect(detectThrottling(freqSamples(Array(40).fill(2400)))).toEqual([]);
  });

  it('warns when a sensor reaches its passive trip point', () => {
    const info: Partial<SourceInfos> = {
      thermal: {
        sensors: [
          {
            key: 'zone0:x86_pkg_temp',
            kind: 'thermal_zone',
            name: 'x86_pkg_temp',
            limitC: 95,
            limitKind: 'passive',
          },
        ],
      },
    };
    const samples: TelemetrySample[] = [80, 90, 95, 97, 96, 92].map((celsius, i) => ({
      tMs: T0 + i * 100,
      thermal: { celsius: { 'zone0:x86_pkg_temp': celsius } },
    }));
    const warnings = detectThrottling(samples, { info });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: 'thermal-limit', source: 'thermal', firstAtMs: T0 + 200 });
    expect(warnings[0].message).toMatch(
      /x86_pkg_temp reached 97.0 °C, at or above its passive of 95 °C, in 3 of 6 samples/,
    );
    // without a limit nothing is guessed
    expect(detectThrottling(samples)).toEqual([]);
    // a configured limit applies to tegrastats temperatures too
    const tegra: TelemetrySample[] = [70, 88, 89].map((celsius, i) => ({
      tMs: T0 + i * 100,
      jetson: {
        railsMw: {},
        gpuLoadPct: null,
        emcLoadPct: null,
        cpuLoadPct: null,
        cpuFreqMHz: null,
        celsius: { tj: celsius },
      },
    }));
    expect(detectThrottling(tegra, { thermalLimitC: 87 })[0]).toMatchObject({
      kind: 'thermal-limit',
      source: 'jetson',
    });
  });

  it('reports NVIDIA throttle reasons, ignoring idle and settings bits', () => {
    const gpu = (mask: number) => ({
      index: 0,
      name: 'NVIDIA GeForce RTX 3090',
      powerDrawW: 350,
      utilizationGpuPct: 99,
      utilizationMemoryPct: 40,
      memoryUsedMiB: 1000,
      memoryTotalMiB: 24576,
      smClockMHz: 1700,
      memClockMHz: 9751,
      temperatureC: 83,
      throttleReasonsMask: mask,
      tMs: T0,
    });
    const masks = [0x1, 0x0, 0x4, 0x24, 0x24, 0x0];
    const samples: TelemetrySample[] = masks.map((mask, i) => ({
      tMs: T0 + i * 100,
      'nvidia-smi': { gpus: [gpu(mask)] },
    }));
    const warnings = detectThrottling(samples);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].kind).toBe('gpu-throttle');
    expect(warnings[0].message).toBe(
      'GPU 0 was throttled: sw_power_cap (3), sw_thermal_slowdown (2) of 6 samples, first at +0.2 s',
    );
  });

  it('shows up in summaries', () => {
    const mhz = [...Array(20).fill(3000), ...Array(10).fill(2000)];
    const record: TelemetryRecord = {
      intervalMs: 100,
      pid: 1,
      startedMs: T0,
      stoppedMs: T0 + 3000,
      detections: [{ id: 'cpufreq', available: true }],
      info: { cpufreq: { cpus: [] } },
      samples: freqSamples(mhz),
      cost: { wallMs: 3000, threadCpuMs: 3, childCpuMs: null, pctOfCore: 0.1, ticks: 30, lateTicks: 0 },
    };
    const summary = summarizeTelemetry(record, { startMs: T0, endMs: T0 + 2900 });
    expect(summary.warnings.map((w) => w.kind)).toEqual(['cpu-frequency-drop']);
    expect(summary.sources.cpufreq).toMatchObject({
      fastestCoreMinMHz: 2000,
      fastestCoreMaxMHz: 3000,
      minMHz: 800,
    });
  });
});

describe('detectDrift', () => {
  it('computes the Theil–Sen slope, unmoved by outliers', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ys = xs.map((x) => 2 * x + 1);
    ys[3] = 100; // one wild point
    expect(theilSenSlope(xs, ys)).toBe(2);
  });

  it('flags a steady climb, with first/last medians and the trend', () => {
    // 1000 samples climbing linearly from 10 ms to ~12 ms, one every 10 ms (10 s)
    const latencies = Array.from({ length: 1000 }, (_, i) => 10 + (i / 1000) * 2);
    const times = latencies.map((_, i) => T0 + i * 10);
    const result = detectDrift(latencies, { timestampsMs: times });
    expect(result.drifting).toBe(true);
    // latency_i = 10 + i/500: the first 200 have median at i = 99.5, the last 200 at i = 899.5
    expect(result.firstMedianMs).toBeCloseTo(10.199, 9);
    expect(result.lastMedianMs).toBeCloseTo(11.799, 9);
    expect(result.changePct).toBeCloseTo((1.6 / 10.199) * 100, 9);
    // slope 0.002 ms per sample, relative to the overall median (~11 ms): 2 ms per 1000 ≈ 18.2%
    expect(result.slopePctPer1000).toBeCloseTo((2 / 10.999) * 100, 0);
    // 1000 samples in 10 s: per minute six times the run's climb
    expect(result.slopePctPerMinute).toBeCloseTo(((0.2 * 60) / 10.999) * 100, 0);
    expect(result.warnings[0].kind).toBe('latency-drift');
    expect(result.warnings[0].message).toMatch(/latency drifted \+15\.7% from the first 20% of samples/);
  });

  it('stays quiet for noise around a flat level and for a lone slow start', () => {
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const flat = Array.from({ length: 2000 }, () => 10 + noise());
    expect(detectDrift(flat).drifting).toBe(false);
    const slowStart = [50, 40, 30, ...Array.from({ length: 500 }, () => 10 + noise() * 0.1)];
    expect(detectDrift(slowStart).drifting).toBe(false);
  });

  it('reports speed-ups as drift too (warm-up too short)', () => {
    const latencies = Array.from({ length: 300 }, (_, i) => 20 - (i / 300) * 5);
    const result = detectDrift(latencies);
    expect(result.drifting).toBe(true);
    expect(result.changePct!).toBeLessThan(0);
    expect(result.warnings[0].message).toMatch(/warm-up was probably too short/);
  });

  it('gives no verdict on too few samples, and checks its arguments', () => {
    expect(detectDrift([1, 2, 3])).toMatchObject({ samples: 3, drifting: false, changePct: null });
    expect(() => detectDrift(Array(30).fill(1), { timestampsMs: [1, 2] })).toThrow(RangeError);
    expect(() => detectDrift(Array(30).fill(1), { partFraction: 0.7 })).toThrow(RangeError);
  });
});
