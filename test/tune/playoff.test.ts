/**
 * The playoff, end to end through the library's `tune()` on a tiny generated model: real builds,
 * real fidelity checks, and one real worker measurement whose result is the template of every
 * other, each given synthetic samples — so the race sees a known gap (fuse 6% faster than fp32)
 * under a known per-measurement spread (±8%, seeded), which three rounds cannot split. Without a
 * playoff the tie goes to the simpler model, fp32; with one, the two finalists are measured again
 * until fuse is ahead with confidence. The seeds are chosen so that three rounds leave the tie open
 * (seed 2) and so that eight more do not close it (seed 5). Assertions are about what is chosen and stored.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/measure/result.js';
import { saveModel } from '../../src/onnx/model-io.js';
import { openStore } from '../../src/store/index.js';
import type { CandidateMeasurer, RoundResult } from '../../src/tune/measurer.js';
import { tune } from '../../src/tune/tune.js';
import { workerMeasurer } from '../../src/tune/worker-measurer.js';
import { mulberry32 } from '../../src/util/prng.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';
import { sensitiveModel } from './models.js';

afterAll(removeTempDirs);

let dir: string;
let model: string;
beforeAll(async () => {
  dir = tempDir('edgebench-tune-playoff-');
  model = path.join(dir, 'model.onnx');
  await saveModel(sensitiveModel(), model);
});

/** True medians: fuse is 6% faster than the model as given. */
const MEDIAN_MS: Record<string, number> = { fp32: 1.06, fuse: 1.0 };

/** The worker measurer with synthetic samples: one real measurement, cloned for every entry. */
function syntheticMeasurer(seed: number): CandidateMeasurer {
  const real = workerMeasurer();
  let template: RunResult | null = null;
  return {
    ...real,
    async *measureRound(entries, round): AsyncIterable<RoundResult> {
      for (const entry of entries) {
        if (!template) {
          for await (const r of real.measureRound([entry], round))
            if (r.outcome.ok) template = r.outcome.value;
          if (!template) throw new Error('the template measurement failed');
        }
        const build = entry.id.split(' ')[0].replace(/@.*/, '');
        const random = mulberry32(seed * 7919 + round * 31 + (build === 'fuse' ? 1 : 2));
        const process = 1 + (random() - 0.5) * 0.16;
        const samplesMs = Array.from(
          { length: 40 },
          () => MEDIAN_MS[build] * process * (1 + (random() - 0.5) * 0.02),
        );
        const sorted = [...samplesMs].sort((a, b) => a - b);
        const now = new Date().toISOString();
        yield {
          entry,
          outcome: {
            ok: true,
            value: { ...template, samplesMs, stats: { ...template.stats, medianMs: sorted[20], count: 40 } },
          },
          startedAt: now,
          endedAt: now,
        };
      }
    },
  };
}

async function tuneWith(playoffRounds: number, seed: number) {
  const store = await openStore(path.join(dir, `store-${playoffRounds}-${seed}.db`));
  try {
    const { record } = await tune({
      model,
      store,
      output: path.join(dir, `best-${playoffRounds}-${seed}.onnx`),
      budget: 'snr>=20db',
      space: { families: ['fp32', 'fuse'], levels: ['all'], threads: [1], eps: ['cpu'] },
      minRounds: 3,
      maxRounds: 3,
      playoffRounds,
      timeBudgetMs: 600_000,
      stopRules: { warmupTimeMs: 10, minTimeMs: 30, minCount: 10 },
      calibCount: 4,
      fidelityCount: 4,
      workDir: path.join(dir, `work-${playoffRounds}-${seed}`),
      measurer: syntheticMeasurer(seed),
    });
    return record;
  } finally {
    await store.close();
  }
}

describe('tune playoff', () => {
  it('a tie the race left open goes to the simpler model without a playoff, and is settled by one', async () => {
    const without = await tuneWith(0, 2);
    expect(without.stopReason).toBe('max-rounds');
    expect(without.winner!.id).toMatch(/^fp32/);
    expect(without.winner!.tieNote).toMatch(/not significantly different/);
    expect(without.rounds.some((r) => r.playoff)).toBe(false);

    const settled = await tuneWith(8, 2);
    expect(settled.winner!.id).toMatch(/^fuse /);
    expect(settled.playoff).toMatchObject({ entrants: 2, ended: 'settled' });
    const playoffRounds = settled.rounds.filter((r) => r.playoff);
    expect(playoffRounds.length).toBe(settled.playoff!.rounds);
    expect(playoffRounds.length).toBeGreaterThan(0);
    expect(playoffRounds[0].round).toBe(4);
    for (const r of playoffRounds)
      expect(r.measured.sort()).toEqual(without.leaderboard.map((e) => e.id).sort());
    // The winner's speedup over the runner-up is significant after the playoff.
    expect(settled.winner!.runnerUp!.tie).toBe(false);
    expect(settled.winner!.runnerUp!.speedup!.ci[0]).toBeGreaterThan(1);
    expect(settled.racing.candidateRounds).toBe(6 + 2 * playoffRounds.length);
    expect(settled.racing.everyCandidateEveryRound).toBe(settled.racing.candidateRounds);
  }, 120_000);

  it('a tie the playoff cannot split within its rounds still goes to the simpler model, and says so', async () => {
    // Seeded so that eight more rounds of ±8% spread do not separate a 6% gap.
    const open = await tuneWith(8, 5);
    expect(open.playoff).toMatchObject({ entrants: 2, rounds: 8, ended: 'rounds' });
    expect(open.winner!.id).toMatch(/^fp32/);
    expect(open.winner!.runnerUp!.tie).toBe(true);
  }, 120_000);
});
