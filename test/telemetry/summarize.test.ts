import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GRID_INTENSITY_G_PER_KWH,
  energyFigures,
  integratePower,
  type SourceDetection,
  type SourceInfos,
  summarizeTelemetry,
  type TelemetryRecord,
  type TelemetrySample,
  telemetrySummarySchema,
  unwrapCounter,
} from '../../src/telemetry/index.js';

const T0 = 1_700_000_000_000;

function record(
  samples: TelemetrySample[],
  info: Partial<SourceInfos> = {},
  detections: SourceDetection[] = [],
): TelemetryRecord {
  const used = new Set(Object.keys(info));
  const all: SourceDetection[] = [
    ...detections,
    ...[...used].map((id) => ({ id, available: true }) as SourceDetection),
  ];
  return {
    intervalMs: 100,
    pid: 4242,
    startedMs: samples[0]?.tMs ?? T0,
    stoppedMs: samples.at(-1)?.tMs ?? T0,
    detections: all,
    info,
    samples,
    cost: {
      wallMs: 1000,
      threadCpuMs: 2,
      childCpuMs: null,
      pctOfCore: 0.2,
      ticks: samples.length,
      lateTicks: 0,
    },
  };
}

const noSensors: SourceDetection[] = [
  { id: 'rapl', available: false, reason: 'no /sys/class/powercap' },
  { id: 'nvidia-smi', available: false, reason: 'nvidia-smi not found on PATH' },
  { id: 'jetson', available: false, reason: 'not a Jetson' },
];

const PROC_INFO: SourceInfos['proc'] = { pid: 4242, command: 'bench', mode: 'procfs', cpuCount: 4 };

/** proc samples: the process burns `pct`% of a core and the system is `sysPct`% busy. */
function procSamples(count: number, pct: number, sysPct: number): TelemetrySample[] {
  return Array.from({ length: count }, (_, i) => ({
    tMs: T0 + i * 100,
    proc: {
      processCpuMs: 1000 + i * pct, // pct ms of CPU per 100 ms = pct %
      rssKb: 100_000 + i * 1024,
      peakRssKb: 100_000 + i * 1024,
      systemBusyTicks: 5000 + i * sysPct * 0.4, // 4 CPUs × 10 ticks per 100 ms = 40 ticks
      systemTotalTicks: 20_000 + i * 40,
    },
  }));
}

describe('energy arithmetic', () => {
  it('computes mJ per inference, inferences per joule and CO2e per 1000 inferences', () => {
    // 12.5 J for 500 inferences: 25 mJ each, 40 per joule; 1000 of them take 25 J = 25 / 3.6e6 kWh.
    const figures = energyFigures(12.5, 500, 475);
    expect(figures.mJPerInference).toBeCloseTo(25, 12);
    expect(figures.inferencesPerJoule).toBeCloseTo(40, 12);
    expect(figures.co2eGramsPer1000).toBeCloseTo((25 / 3_600_000) * 475, 15);
    expect(energyFigures(12.5, null, 475)).toEqual({
      mJPerInference: null,
      inferencesPerJoule: null,
      co2eGramsPer1000: null,
    });
    expect(DEFAULT_GRID_INTENSITY_G_PER_KWH).toBe(475);
  });

  it('integrates power with the trapezoid rule, interpolating at the window edges', () => {
    const points = [
      { t: 0, v: 100 },
      { t: 100, v: 200 },
      { t: 200, v: 100 },
    ];
    // (100+200)/2 W × 0.1 s + (200+100)/2 W × 0.1 s = 30 J
    expect(integratePower(points, { startMs: 0, endMs: 200 })).toEqual({ joules: 30, coveredMs: 200 });
    // [50, 150]: 150 W→200 W over 0.05 s, 200 W→150 W over 0.05 s = 8.75 + 8.75 J
    expect(integratePower(points, { startMs: 50, endMs: 150 }).joules).toBeCloseTo(17.5, 12);
    // Outside the readings nothing is invented.
    expect(integratePower(points, { startMs: 100, endMs: 400 })).toEqual({ joules: 15, coveredMs: 100 });
  });

  it('unwraps a RAPL counter at max_energy_range_uj', () => {
    const raw = [3e6, 4e6, 0, 1e6, 2e6].map((v, i) => ({ t: i * 100, v }));
    expect(unwrapCounter(raw, 5e6).map((p) => p.v)).toEqual([3e6, 4e6, 5e6, 6e6, 7e6]);
  });
});

describe('summarizeTelemetry: energy from sensors', () => {
  // 10 W: 1 J (1e6 µJ) per 100 ms, on a counter that wraps at 5 J.
  const raplInfo: SourceInfos['rapl'] = {
    zones: [
      { id: 'intel-rapl:0', name: 'package-0', maxEnergyRangeUj: 5_000_000, parent: null },
      { id: 'intel-rapl:0:0', name: 'core', maxEnergyRangeUj: 5_000_000, parent: 'intel-rapl:0' },
    ],
  };
  const raplSamples: TelemetrySample[] = Array.from({ length: 11 }, (_, i) => ({
    tMs: T0 + i * 100,
    rapl: {
      energyUj: { 'intel-rapl:0': (3_000_000 + i * 1_000_000) % 5_000_000, 'intel-rapl:0:0': i * 500_000 },
    },
  }));

  it('RAPL across a wraparound: joules, average power and per-inference figures', () => {
    const summary = summarizeTelemetry(
      record(raplSamples, { rapl: raplInfo }),
      { startMs: T0, endMs: T0 + 500 },
      { inferences: 1000, gridIntensityGPerKWh: 400 },
    );
    expect(summary.energy).not.toBeNull();
    const energy = summary.energy!;
    expect(energy.method).toBe('rapl');
    expect(energy.estimated).toBe(false);
    expect(energy.joules).toBeCloseTo(5, 9); // 10 W × 0.5 s, through the wrap at 5 J
    expect(energy.avgPowerW).toBeCloseTo(10, 9);
    expect(energy.mJPerInference).toBeCloseTo(5, 9);
    expect(energy.inferencesPerJoule).toBeCloseTo(200, 6);
    // 1000 inferences = 5 J = 5 / 3.6e6 kWh, × 400 g/kWh
    expect(energy.co2eGramsPer1000).toBeCloseTo((5 / 3.6e6) * 400, 9);
    expect(energy.gridIntensityGPerKWh).toBe(400);
    expect(energy.coverage).toBe(1);
    expect(energy.scope).toMatch(/package-0/);
    // the subzone is reported but not added to the package
    expect(summary.sources.rapl?.zones.find((z) => z.name === 'core')?.joules).toBeCloseTo(2.5, 9);
    expect(summary.energyAbsentReason).toBeUndefined();
    expect(() => telemetrySummarySchema.parse(summary)).not.toThrow();
  });

  it('interpolates a window that does not start or end on a sample', () => {
    const summary = summarizeTelemetry(record(raplSamples, { rapl: raplInfo }), {
      startMs: T0 + 50,
      endMs: T0 + 450,
    });
    expect(summary.energy!.joules).toBeCloseTo(4, 9);
    expect(summary.energy!.mJPerInference).toBeNull(); // no inference count given
  });

  it('adds nvidia-smi GPU power to RAPL (rapl+nvidia-smi), integrating by the rows’ own times', () => {
    const gpu = (tMs: number, powerDrawW: number) => ({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      powerDrawW,
      utilizationGpuPct: 90,
      utilizationMemoryPct: 40,
      memoryUsedMiB: 2000,
      memoryTotalMiB: 81559,
      smClockMHz: 1980,
      memClockMHz: 2619,
      temperatureC: 50,
      throttleReasonsMask: 0,
      tMs,
    });
    const samples = raplSamples.map((sample, i) => ({
      ...sample,
      'nvidia-smi': { gpus: [gpu(sample.tMs - 10, i % 2 === 0 ? 100 : 200)] },
    }));
    const info: Partial<SourceInfos> = {
      rapl: raplInfo,
      'nvidia-smi': {
        gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, powerReadable: true }],
        throttleField: 'clocks_throttle_reasons.active',
      },
    };
    const summary = summarizeTelemetry(
      record(samples, info),
      { startMs: T0 + 190, endMs: T0 + 590 },
      { inferences: 100 },
    );
    // GPU: a 100/200 W triangle wave → 150 W mean over whole periods: 0.4 s × 150 W = 60 J; CPU: 4 J.
    expect(summary.energy!.method).toBe('rapl+nvidia-smi');
    expect(summary.energy!.components.map((c) => c.source)).toEqual(['rapl', 'nvidia-smi']);
    expect(summary.energy!.components[1].joules).toBeCloseTo(60, 6);
    expect(summary.energy!.joules).toBeCloseTo(64, 6);
    expect(summary.energy!.mJPerInference).toBeCloseTo(640, 6);
    expect(summary.sources['nvidia-smi']?.gpus[0]).toMatchObject({
      powerWMax: 200,
      smClockMHzMax: 1980,
      throttleReasons: [],
    });
  });

  it('Jetson: the input rail when there is one, else the sum of rails', () => {
    const samples: TelemetrySample[] = Array.from({ length: 11 }, (_, i) => ({
      tMs: T0 + i * 100,
      jetson: {
        railsMw: { VDD_IN: 5000, VDD_CPU_GPU_CV: 1500, VDD_SOC: 1200 },
        gpuLoadPct: 50,
        emcLoadPct: null,
        cpuLoadPct: null,
        cpuFreqMHz: null,
        celsius: null,
      },
    }));
    const jetsonInfo: SourceInfos['jetson'] = {
      model: 'NVIDIA Jetson Orin Nano Developer Kit',
      l4t: 'R36.4.3',
      mode: 'sysfs',
      rails: ['VDD_IN', 'VDD_CPU_GPU_CV', 'VDD_SOC'],
      totalRail: 'VDD_IN',
      powerMode: {
        id: 2,
        name: 'MAXN_SUPER',
        maxId: 2,
        maxName: 'MAXN_SUPER',
        isMax: true,
        from: 'nvpmodel',
      },
      clocks: { locked: true, detail: 'CPU and GPU minimum clocks equal their maximum' },
    };
    const window = { startMs: T0, endMs: T0 + 1000 };
    const withInput = summarizeTelemetry(record(samples, { jetson: jetsonInfo }), window, {
      inferences: 250,
    });
    expect(withInput.energy).toMatchObject({ method: 'jetson-rails', estimated: false });
    expect(withInput.energy!.joules).toBeCloseTo(5, 9);
    expect(withInput.energy!.mJPerInference).toBeCloseTo(20, 9);
    expect(withInput.sources.jetson?.totalPowerWMean).toBeCloseTo(5, 9);

    const sumInfo = { ...jetsonInfo, totalRail: null };
    const summed = summarizeTelemetry(record(samples, { jetson: sumInfo }), window);
    expect(summed.energy!.joules).toBeCloseTo(7.7, 9);
    expect(summed.energy!.scope).toMatch(/sum of Jetson rails/);
  });

  it('refuses an energy figure when readings cover too little of the window', () => {
    const summary = summarizeTelemetry(record(raplSamples.slice(0, 6), { rapl: raplInfo }), {
      startMs: T0,
      endMs: T0 + 1000,
    });
    expect(summary.energy).toBeNull();
    expect(summary.energyAbsentReason).toMatch(/cover only 50% of the window/);
  });
});

describe('summarizeTelemetry: absence and estimates', () => {
  const samples = procSamples(21, 50, 40);
  const base = () => record(samples, { proc: PROC_INFO }, noSensors);
  const window = { startMs: T0, endMs: T0 + 2000 };

  it('without a sensor, energy is null and says why for each source', () => {
    const summary = summarizeTelemetry(base(), window, { inferences: 1000 });
    expect(summary.energy).toBeNull();
    expect(summary.energyAbsentReason).toContain('rapl: no /sys/class/powercap');
    expect(summary.energyAbsentReason).toContain('nvidia-smi: nvidia-smi not found on PATH');
    expect(summary.energyAbsentReason).toContain('jetson: not a Jetson');
    expect(summary.energyAbsentReason).toContain('--estimate-energy');
    expect(summary.sourcesUnavailable.map((s) => s.id)).toEqual(['rapl', 'nvidia-smi', 'jetson']);
    expect(summary.series?.every((point) => point.powerW === null)).toBe(true);
    expect(() => telemetrySummarySchema.parse(summary)).not.toThrow();
  });

  it('estimates only when asked, and needs a TDP', () => {
    const noTdp = summarizeTelemetry(base(), window, { estimateEnergy: true });
    expect(noTdp.energy).toBeNull();
    expect(noTdp.energyAbsentReason).toMatch(/--tdp-watts/);

    // 15 W TDP × 40% system utilization = 6 W for 2 s = 12 J
    const estimated = summarizeTelemetry(base(), window, {
      estimateEnergy: true,
      tdpWatts: 15,
      inferences: 600,
    });
    expect(estimated.energy).toMatchObject({ method: 'estimate-tdp', estimated: true });
    expect(estimated.energy!.avgPowerW).toBeCloseTo(6, 9);
    expect(estimated.energy!.joules).toBeCloseTo(12, 9);
    expect(estimated.energy!.mJPerInference).toBeCloseTo(20, 9);
    expect(estimated.energy!.scope).toMatch(/^ESTIMATE/);
    expect(() => telemetrySummarySchema.parse(estimated)).not.toThrow();
  });

  it('never estimates when a sensor measured energy', () => {
    const rapl: TelemetrySample[] = samples.map((sample, i) => ({
      ...sample,
      rapl: { energyUj: { 'intel-rapl:0': i * 300_000 } }, // 3 W
    }));
    const info: Partial<SourceInfos> = {
      proc: PROC_INFO,
      rapl: {
        zones: [{ id: 'intel-rapl:0', name: 'package-0', maxEnergyRangeUj: 262143328850, parent: null }],
      },
    };
    const summary = summarizeTelemetry(record(rapl, info), window, { estimateEnergy: true, tdpWatts: 15 });
    expect(summary.energy).toMatchObject({ method: 'rapl', estimated: false });
    expect(summary.energy!.joules).toBeCloseTo(6, 9);
  });

  it('summarizes process and system CPU and memory', () => {
    const summary = summarizeTelemetry(base(), window);
    expect(summary.sources.proc).toMatchObject({
      pid: 4242,
      processCpuPctMean: 50,
      processCpuPctMax: 50,
      systemCpuPctMean: 40,
      systemCpuPctMax: 40,
    });
    expect(summary.sources.proc?.rssMbMax).toBeCloseTo((100_000 + 20 * 1024) / 1024, 2);
    expect(summary.series?.[1]).toMatchObject({ processCpuPct: 50, systemCpuPct: 40 });
    expect(summary.sampler).toMatchObject({ intervalMs: 100, samples: 21 });
  });

  it('never reports more process CPU than the machine has (tick jitter is cut at 100 × CPUs)', () => {
    // A 2-CPU machine, both cores busy: 200 ms of CPU per 100 ms, but one reading lands a tick late
    // (220 ms in one interval, 180 ms in the next): 220 % of a core cannot happen on 2 CPUs.
    const cpuMs = [0, 200, 420, 600, 800];
    const jittery: TelemetrySample[] = cpuMs.map((ms, i) => ({
      tMs: T0 + i * 100,
      proc: {
        processCpuMs: ms,
        rssKb: 1024,
        peakRssKb: 1024,
        systemBusyTicks: i * 20,
        systemTotalTicks: i * 20,
      },
    }));
    const twoCpus: SourceInfos['proc'] = { ...PROC_INFO, cpuCount: 2 };
    const summary = summarizeTelemetry(record(jittery, { proc: twoCpus }), { startMs: T0, endMs: T0 + 400 });
    expect(summary.sources.proc?.processCpuPctMax).toBe(200);
    expect(summary.sources.proc?.processCpuPctMean).toBe(200);
    expect(summary.series?.map((p) => p.processCpuPct)).toEqual([null, 200, 200, 180, 200]);
    // With the CPU count unknown nothing is invented: the figure stays as read.
    const unknown = summarizeTelemetry(record(jittery, { proc: { ...PROC_INFO, cpuCount: null } }), {
      startMs: T0,
      endMs: T0 + 400,
    });
    expect(unknown.sources.proc?.processCpuPctMax).toBe(220);
  });

  it('rejects a window that ends before it starts', () => {
    expect(() => summarizeTelemetry(base(), { startMs: T0 + 10, endMs: T0 })).toThrow(RangeError);
  });
});
