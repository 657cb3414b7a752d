/**
 * A stored tune run built in memory for report tests (fixture data, not measurements): the resnet18
 * variants of the study fixture as its candidates, a candidate rejected by the budget, and the tune
 * record a race over them would leave.
 */
import { summarize } from '../../src/core/stats.js';
import type { StoredStudy } from '../../src/store/types.js';
import { TUNE_RECORD_SCHEMA, TUNE_RECORD_VERSION, type TuneRecord } from '../../src/study/tune-record.js';
import type { BudgetMetrics } from '../../src/tune/budget.js';
import { defaultSpace } from '../../src/tune/space.js';
import { fakeStudy } from './fixture.js';

function fidelity(snrDb: number | null, identical = false): BudgetMetrics {
  return {
    count: 8,
    maxAbsErr: identical ? 0 : 0.01,
    meanAbsErr: identical ? 0 : 0.001,
    cosine: identical ? 1 : 0.9995,
    snrDb,
    identical,
    top1Agreement: 1,
    top5Agreement: null,
    accuracy: null,
  };
}

export function fakeTuneStudy(): StoredStudy {
  const study = fakeStudy();
  const variants = study.variants.filter((v) => v.model === 'resnet18');
  const ids = new Set(variants.map((v) => v.id));
  const measurements = study.measurements.filter((m) => ids.has(m.variantId));
  const [fp32, fused, int8] = variants;
  const stats = (id: number) => {
    const all = measurements.filter((m) => m.variantId === id).flatMap((m) => Array.from(m.samplesMs));
    return summarize(all);
  };
  const entry = (
    v: (typeof variants)[number],
    extra: Partial<TuneRecord['leaderboard'][number]>,
  ): TuneRecord['leaderboard'][number] => {
    const s = stats(v.id);
    return {
      id: `${v.label} t2 cpu b1`,
      label: v.label,
      build: v.label,
      recipes: v.recipes,
      buildSettings: {},
      engine: 'ort',
      target: 'local',
      ep: 'cpu',
      graphOptLevel: 'all',
      threads: 2,
      batch: 1,
      baseline: v === fp32,
      variantKey: v.key,
      status: 'finalist',
      reason: null,
      eliminatedInRound: null,
      rounds: 2,
      medianMs: s.medianMs,
      p99Ms: s.p99Ms,
      throughputPerSec: 1000 / s.medianMs,
      cost: s.medianMs,
      vsLeader: null,
      fidelity: fidelity(40),
      budget: { holds: true, failures: [] },
      rank: null,
      ...extra,
    };
  };
  const record: TuneRecord = {
    schema: TUNE_RECORD_SCHEMA,
    version: TUNE_RECORD_VERSION,
    model: { ref: 'zoo:resnet18?classes=2', path: '/work/resnet18.onnx', name: 'resnet18' },
    objective: 'latency',
    deadlineMs: null,
    budget: { text: 'snr>=30db', source: 'given' },
    data: { calibration: 'synthetic (16 samples)', fidelity: 'synthetic (16 samples)', labels: null },
    space: defaultSpace({ physicalCores: 2 }),
    settings: {
      timeBudgetMs: 300_000,
      maxRounds: 10,
      minRounds: 2,
      confidence: 0.95,
      eliminationConfidence: 0.99,
      margin: 0.01,
      resamples: 2000,
      racing: true,
      stopRules: {
        warmupTimeMs: 200,
        warmupCount: 3,
        minTimeMs: 500,
        minCount: 10,
        maxCount: 0,
        maxTimeMs: 5000,
        relCi: 0,
      },
    },
    host: { cpu: 'Test CPU', physicalCores: 2, isa: 'CPU ISA for INT8: avx2 — no VNNI' },
    outcome: 'winner',
    stopReason: 'decided',
    winner: {
      id: 'int8 t2 cpu b1',
      speedupOverBaseline: { ratio: 2.5, ci: [2.4, 2.6], rounds: 2 },
      runnerUp: { id: 'fused t2 cpu b1', speedup: { ratio: 1.56, ci: [1.5, 1.6], rounds: 2 }, tie: false },
      tieNote: null,
      output: '/work/best.onnx',
      commands: [
        'edgebench optimize zoo:resnet18?classes=2 --recipe int8-static --no-fidelity -o /work/best.onnx',
        'edgebench run /work/best.onnx --ep cpu --threads 2 --opt-level all --batch 1',
      ],
    },
    closest: null,
    leaderboard: [
      entry(int8, { status: 'winner', rank: 1, fidelity: fidelity(37.5) }),
      entry(fused, {
        status: 'eliminated',
        rank: 2,
        eliminatedInRound: 2,
        reason: 'slower than int8 t2 cpu b1',
        vsLeader: { ratio: 1.56, ci: [1.5, 1.6], rounds: 2, leader: 'int8 t2 cpu b1', round: 2 },
        fidelity: fidelity(null, true),
      }),
      entry(fp32, {
        status: 'eliminated',
        rank: 3,
        eliminatedInRound: 2,
        reason: 'slower than int8 t2 cpu b1',
        vsLeader: { ratio: 2.5, ci: [2.4, 2.6], rounds: 2, leader: 'int8 t2 cpu b1', round: 2 },
        fidelity: fidelity(null, true),
      }),
      {
        ...entry(int8, {}),
        id: 'int8-dynamic t2 cpu b1',
        label: 'int8-dynamic',
        build: 'fuse,int8-dynamic',
        variantKey: 'resnet18|int8-dynamic|cpu|t2|b1|single-stream',
        status: 'rejected-by-budget',
        reason: 'fails the budget: snr 12.0 dB < 30.0 dB',
        rounds: 0,
        medianMs: null,
        p99Ms: null,
        throughputPerSec: null,
        cost: null,
        fidelity: fidelity(12),
        budget: { holds: false, failures: ['snr 12.0 dB < 30.0 dB'] },
      },
    ],
    rounds: [1, 2].map((round) => ({
      round,
      startedAt: new Date(1_700_000_000_000 + round * 1000).toISOString(),
      wallMs: 1000,
      measured: ['fp32 t2 cpu b1', 'fused t2 cpu b1', 'int8 t2 cpu b1'],
      leader: 'int8 t2 cpu b1',
      alive: round === 2 ? 1 : 3,
      eliminated:
        round === 2
          ? [
              { id: 'fused t2 cpu b1', ratio: 1.56, ci: [1.5, 1.6] as [number, number] },
              { id: 'fp32 t2 cpu b1', ratio: 2.5, ci: [2.4, 2.6] as [number, number] },
            ]
          : [],
      timeLeftMs: 290_000,
    })),
    mixed: null,
    racing: { candidateRounds: 6, everyCandidateEveryRound: 6 },
    phasesMs: { prepare: 4000, race: 2000 },
    notes: [
      'fidelity is measured against the input model run as written (graph optimizations disabled), on 16 synthetic inputs',
    ],
  };
  return {
    ...study,
    study: { ...study.study, name: 'tune-resnet18', source: 'tune', spec: { kind: 'tune', rounds: 10 } },
    variants,
    measurements,
    fidelity: study.fidelity.filter((f) => ids.has(f.variantId)),
    tune: record,
  };
}
