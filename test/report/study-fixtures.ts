/**
 * Variations of the report fixture study (fixture data, not measurements): a second EP, a PyTorch
 * baseline, telemetry, a second thread count, compute rates, and a fleet of two device classes. The
 * report tests and the golden renderings share them.
 */
import type { RunCompute } from '../../src/measure/compute-schema.js';
import type { MeasurementRecord, StoredStudy, VariantRecord } from '../../src/store/types.js';
import { onDevice } from '../../src/study/plan.js';
import type { EnergySummary, TelemetrySummary } from '../../src/telemetry/schema.js';
import { fakeResult, fakeStudy } from './fixture.js';
import { fakeTuneStudy } from './tune-fixture.js';

/**
 * The fixture study measured on a second EP too: every variant on 'webgpu' runs 3× faster than on
 * the CPU, except squeezenet1_1, whose webgpu variants were skipped (the EP cannot run there).
 */
export function twoEpStudy(): StoredStudy {
  const cpu = fakeStudy({ samplesPerRound: 60 });
  const variants: VariantRecord[] = [...cpu.variants];
  const measurements: MeasurementRecord[] = [...cpu.measurements];
  let nextId = Math.max(...cpu.variants.map((v) => v.id));
  for (const v of cpu.variants) {
    const skipped = v.model === 'squeezenet1_1';
    const gpu: VariantRecord = {
      ...v,
      id: ++nextId,
      key: v.key.replace('|cpu|', '|webgpu|'),
      groupKey: v.groupKey.replace('|cpu|', '|webgpu|'),
      baselineKey: v.baselineKey?.replace('|cpu|', '|webgpu|') ?? null,
      ep: 'webgpu',
      status: skipped ? 'failed' : v.status,
      failure: skipped
        ? {
            kind: 'unavailable',
            reason: "round 1: execution provider 'webgpu' cannot initialize here (no Vulkan)",
          }
        : v.failure,
    };
    variants.push(gpu);
    for (const m of cpu.measurements.filter((x) => x.variantId === v.id)) {
      if (skipped) continue;
      measurements.push({
        ...m,
        id: measurements.length + 1,
        variantId: gpu.id,
        samplesMs: m.samplesMs.map((x) => x / 3),
      });
    }
  }
  return { ...cpu, variants, measurements, fidelity: [] };
}

/**
 * The fixture study with PyTorch beside it: an engine group per model whose baseline, torch-cpu-fp32,
 * runs 2× slower than onnxruntime's fp32 variant.
 */
export const GENERIC_BLAS = 'this torch build links a generic (reference) BLAS';

export function withTorchStudy(): StoredStudy {
  const ort = fakeStudy({ samplesPerRound: 60 });
  const variants: VariantRecord[] = [...ort.variants];
  const measurements: MeasurementRecord[] = [...ort.measurements];
  let nextId = Math.max(...ort.variants.map((v) => v.id));
  for (const fp32 of ort.variants.filter((v) => v.label === 'fp32')) {
    const torch: VariantRecord = {
      ...fp32,
      id: ++nextId,
      key: `${fp32.model}|torch-cpu-fp32|torch/cpu|t0|b1|single-stream`,
      groupKey: `${fp32.model}|engines|t0|b1|single-stream`,
      label: 'torch-cpu-fp32',
      role: 'baseline',
      baselineKey: null,
      recipes: [],
      graphOptLevel: 'n/a',
      ep: 'torch/cpu',
    };
    variants.push(torch);
    for (const m of ort.measurements.filter((x) => x.variantId === fp32.id))
      measurements.push({
        ...m,
        id: measurements.length + 1,
        variantId: torch.id,
        samplesMs: m.samplesMs.map((x) => x * 2),
        result: m.result && { ...m.result, warnings: [GENERIC_BLAS] },
      });
  }
  return { ...ort, variants, measurements };
}

export function energy(mJ: number, estimated: boolean): EnergySummary {
  return {
    method: estimated ? 'estimate-tdp' : 'rapl',
    estimated,
    scope: 'CPU package(s)',
    joules: mJ / 1000,
    avgPowerW: mJ / 2,
    durationS: 1,
    coverage: 1,
    inferences: 200,
    mJPerInference: mJ,
    inferencesPerJoule: 1000 / mJ,
    gridIntensityGPerKWh: 400,
    co2eGramsPer1000: mJ * 0.0001,
    components: [],
  };
}

/** resnet18: fp32 measured (RAPL), fused estimated (TDP), int8 without energy; every round has a series. */
export function studyWithTelemetry(): StoredStudy {
  const stored = fakeStudy({ samplesPerRound: 50 });
  const byId = new Map(stored.variants.map((v) => [v.id, v]));
  for (const m of stored.measurements) {
    const v = byId.get(m.variantId)!;
    if (v.model !== 'resnet18' || !m.result) continue;
    const { startEpochMs: start, endEpochMs: end } = m.result.window;
    const e =
      v.label === 'fp32'
        ? energy(m.round === 1 ? 40 : 44, false)
        : v.label === 'fused'
          ? energy(m.round === 1 ? 30 : 32, true)
          : null;
    const summary: TelemetrySummary = {
      schemaVersion: 1,
      window: { startMs: start, endMs: end, durationMs: end - start },
      sourcesUsed: ['proc', 'cpufreq', 'thermal'],
      sourcesUnavailable: [],
      sources: {},
      energy: e,
      ...(e ? {} : { energyAbsentReason: 'no energy sensor (RAPL not readable)' }),
      warnings: [
        {
          kind: 'cpu-frequency-drop',
          source: 'cpufreq',
          message: 'fastest core fell to 1800 MHz (60% of 3000 MHz)',
          fraction: 0.25,
        },
      ],
      sampler: { intervalMs: 100, samples: 3, pctOfCore: 0.1, childCpuMs: 0, lateTicks: 0 },
      series: [0, 0.5, 1].map((f, i) => ({
        tMs: start + f * (end - start),
        processCpuPct: 99,
        systemCpuPct: 50,
        cpuFreqMHz: [3000, 2400, 1800][i],
        maxTempC: [61.5, 70.25, 84.75][i],
        powerW: null,
        gpuUtilPct: null,
      })),
    };
    m.telemetry = summary;
  }
  return stored;
}

/** The fixture study at threads 1 and threads 2 (threads 2 twice as fast); int8 of squeezenet fails on both. */
export function twoThreadStudy(): StoredStudy {
  const one = fakeStudy({ samplesPerRound: 60 });
  const t1 = (v: VariantRecord): VariantRecord => ({
    ...v,
    key: v.key.replace('|t0|', '|t1|'),
    groupKey: v.groupKey.replace('|t0|', '|t1|'),
    baselineKey: v.baselineKey?.replace('|t0|', '|t1|') ?? null,
    threads: 1,
  });
  const variants: VariantRecord[] = one.variants.map(t1);
  const measurements: MeasurementRecord[] = [...one.measurements];
  let nextId = Math.max(...one.variants.map((v) => v.id));
  for (const v of one.variants) {
    const twin: VariantRecord = {
      ...v,
      id: ++nextId,
      key: v.key.replace('|t0|', '|t2|'),
      groupKey: v.groupKey.replace('|t0|', '|t2|'),
      baselineKey: v.baselineKey?.replace('|t0|', '|t2|') ?? null,
      threads: 2,
    };
    variants.push(twin);
    for (const m of one.measurements.filter((x) => x.variantId === v.id))
      measurements.push({
        ...m,
        id: measurements.length + 1,
        variantId: twin.id,
        samplesMs: m.samplesMs.map((x) => x / 2),
      });
  }
  const fidelity = one.fidelity.flatMap((f) => {
    const twinOf = (id: number) =>
      variants[one.variants.length + one.variants.findIndex((v) => v.id === id)].id;
    return [f, { ...f, variantId: twinOf(f.variantId), baselineVariantId: twinOf(f.baselineVariantId) }];
  });
  return { ...one, variants, measurements, fidelity };
}

export const PEAK: NonNullable<RunCompute['peak']> = {
  gflopsPerSec: 400,
  estimated: true,
  precision: 'fp32',
  cores: 4,
  coresSource: 'physical cores',
  clockMHz: 3125,
  clockSource: 'cpufreq cpuinfo_max_freq',
  opsPerCycle: 32,
  isa: 'AVX2 FMA',
  formula: '4 cores × 3.13 GHz (cpufreq cpuinfo_max_freq) × 32 FLOP/cycle (AVX2 FMA) = 400.0 GFLOP/s',
};

/** The fixture with each round's stored count: 1.8 GFLOP per inference (the round's own rate is stale on purpose). */
export function withCompute(stored: StoredStudy): StoredStudy {
  return {
    ...stored,
    measurements: stored.measurements.map((m) =>
      m.result
        ? {
            ...m,
            result: {
              ...m.result,
              compute: {
                flops: 1.8e9,
                integerOps: 0,
                unknownNodes: 0,
                notes: [],
                unit: 'GFLOP/s',
                gflopsPerSec: 1,
                peak: PEAK,
                fractionOfPeak: 1 / 400,
              },
            },
          }
        : m,
    ),
  };
}

/** A fleet study in memory: one model, baseline and optimized, on two device classes. */
export function fleetStudy(): StoredStudy {
  const variants: VariantRecord[] = [];
  const measurements: MeasurementRecord[] = [];
  let id = 0;
  for (const [device, base, opt] of [
    ['nano', 20, 10],
    ['orin', 4, 3],
  ] as const)
    for (const [label, center] of [
      ['fp32', base],
      ['fast', opt],
    ] as const) {
      const v: VariantRecord = {
        id: ++id,
        studyId: 's',
        key: `m|${label}|cpu|t0|b1|single-stream@${device}`,
        groupKey: `m|cpu|t0|b1|single-stream@${device}`,
        position: id,
        model: 'm',
        modelRef: 'm.onnx',
        label,
        role: label === 'fp32' ? 'baseline' : 'optimized',
        baselineKey: label === 'fp32' ? null : `m|fp32|cpu|t0|b1|single-stream@${device}`,
        recipes: [],
        graphOptLevel: 'all',
        ep: 'cpu',
        threads: 0,
        batch: 1,
        scenario: 'single-stream',
        settings: {},
        modelPath: null,
        modelSha256: 'a'.repeat(64),
        status: 'ok',
        failure: null,
        device,
      };
      variants.push(v);
      const samples = Array.from({ length: 50 }, (_, i) => center * (1 + ((i % 7) - 3) / 100));
      const { samplesMs: _s, ...result } = fakeResult(samples);
      measurements.push({
        id,
        variantId: v.id,
        round: 1,
        status: 'ok',
        failure: null,
        startedAt: 'a',
        endedAt: 'b',
        result,
        telemetry: null,
        samplesMs: Float64Array.from(samples),
        agent: `agent-${device}`,
        attempt: 1,
      });
    }
  return {
    study: {
      id: 's',
      name: 'fleet',
      createdAt: 'now',
      finishedAt: 'later',
      status: 'finished',
      spec: { rounds: 1, bootstrap: { resamples: 200, seed: 1, confidence: 0.95 } },
      source: 'fleet:spec.yaml',
      edgebenchVersion: '0',
    },
    variants,
    measurements,
    fidelity: [],
    environment: null,
    devices: [
      {
        studyId: 's',
        agent: 'agent-nano',
        device: 'nano',
        capturedAt: 'now',
        capabilities: { hostname: 'nano-1', eps: ['cpu'], cpu: { model: 'A57', logicalCores: 4 } },
      },
    ],
  };
}

/**
 * The fixture study gone wrong in every way a report must say: squeezenet1_1 fused stopped after
 * round 1 (incomplete), the int8 variants of resnet18 and mobilenet_v2 skipped for one shared reason,
 * resnet18 upgraded in memory, and no environment stored.
 */
export function troubledStudy(): StoredStudy {
  const base = fakeStudy({ samplesPerRound: 60 });
  const skip = (v: VariantRecord) => v.label === 'int8' && v.model !== 'squeezenet1_1';
  const stopped = (v: VariantRecord) => v.model === 'squeezenet1_1' && v.label === 'fused';
  const variants = base.variants.map((v): VariantRecord => {
    const upgraded =
      v.model === 'resnet18'
        ? { ...v, settings: { opsetUpgrade: { from: 6, to: 7, reason: 'onnxruntime needs opset 7' } } }
        : v;
    if (skip(v))
      return {
        ...upgraded,
        status: 'failed',
        failure: { kind: 'unavailable', reason: 'skipped: round 1: int8 kernels need VNNI here' },
      };
    if (stopped(v)) return { ...upgraded, failure: { kind: 'timeout', reason: 'round 2: exceeded 60 s' } };
    return upgraded;
  });
  const byId = new Map(variants.map((v) => [v.id, v]));
  const measurements = base.measurements.filter((m) => {
    const v = byId.get(m.variantId)!;
    return !skip(v) && !(stopped(v) && m.round === 2);
  });
  const fidelity = base.fidelity.filter((f) => !skip(byId.get(f.variantId)!));
  return { ...base, variants, measurements, fidelity, environment: null };
}

/** Only the baselines, one round each, on a Jetson with a GPU: no comparisons to show. */
export function baselineOnlyStudy(): StoredStudy {
  const base = fakeStudy({ samplesPerRound: 40 });
  const variants = base.variants.filter((v) => v.role === 'baseline');
  const ids = new Set(variants.map((v) => v.id));
  const env = base.environment!;
  return {
    ...base,
    study: { ...base.study, spec: { rounds: 1 }, finishedAt: null, status: 'running' },
    variants,
    measurements: base.measurements.filter((m) => ids.has(m.variantId) && m.round === 1),
    fidelity: [],
    environment: {
      ...env,
      host: {
        ...env.host,
        cpu: { model: 'ARMv8 Processor rev 1 (v8l)', logicalCores: 6, governor: 'schedutil' },
        gpus: [{ vendor: 'NVIDIA', name: 'Orin (nvgpu)' }],
        jetson: { model: 'Jetson Orin Nano', release: 'R36.4', powerMode: '15W' },
      },
    },
  };
}

/** Every study shape the golden report renderings cover, by file name. */
export const goldenStudies: Record<string, () => StoredStudy> = {
  fixture: () => fakeStudy(),
  'two-eps': twoEpStudy,
  'with-torch': withTorchStudy,
  telemetry: studyWithTelemetry,
  'two-threads': twoThreadStudy,
  compute: () => withCompute(fakeStudy({ samplesPerRound: 60 })),
  fleet: fleetStudy,
  tune: fakeTuneStudy,
  troubled: troubledStudy,
  'baseline-only': baselineOnlyStudy,
};

/**
 * The fixture study measured on two targets (`targets: [local, nano]`): on the Nano every variant
 * takes `nanoFactor` times as long. Variants are placed as the study places them (onDevice), and
 * each target is a device record naming its machine.
 */
export function twoTargetStudy(nanoFactor = 3): StoredStudy {
  const base = fakeStudy({ samplesPerRound: 40 });
  const variants: VariantRecord[] = [];
  const measurements: MeasurementRecord[] = [];
  const fidelity: StoredStudy['fidelity'] = [];
  for (const [t, target] of ['local', 'nano'].entries()) {
    const offset = t * base.variants.length;
    for (const v of base.variants)
      variants.push({
        ...v,
        ...onDevice(v, target),
        id: v.id + offset,
        position: v.position + offset,
      });
    for (const m of base.measurements) {
      const scale = target === 'nano' ? nanoFactor : 1;
      measurements.push({
        ...m,
        id: m.id + t * base.measurements.length,
        variantId: m.variantId + offset,
        samplesMs: m.samplesMs.map((x) => x * scale),
      });
    }
    for (const f of base.fidelity)
      fidelity.push({
        ...f,
        variantId: f.variantId + offset,
        baselineVariantId: f.baselineVariantId + offset,
      });
  }
  return {
    ...base,
    study: {
      ...base.study,
      name: 'two-targets',
      spec: { ...(base.study.spec as object), targets: ['local', 'nano'] },
    },
    variants,
    measurements,
    fidelity,
    devices: [
      {
        studyId: base.study.id,
        agent: 'local',
        device: 'local',
        capturedAt: 'now',
        capabilities: { hostname: 'laptop', cpu: { model: 'Xeon', logicalCores: 2 }, eps: ['cpu'] },
      },
      {
        studyId: base.study.id,
        agent: 'jetson@nano.local:22',
        device: 'nano',
        capturedAt: 'now',
        capabilities: {
          hostname: 'nano-1',
          cpu: { model: 'ARMv8 Processor rev 1 (v8l)', logicalCores: 4 },
          jetson: { model: 'NVIDIA Jetson Nano Developer Kit' },
          eps: ['torch/cpu'],
        },
      },
    ],
  };
}
