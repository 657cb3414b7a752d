/**
 * Racing on synthetic latency distributions: seeded, so every run sees the same samples. Each round
 * shares a "machine state" factor across candidates (as interleaved rounds do), which the paired
 * bootstrap should see through, and each measurement has its own process factor (±2%: a fresh
 * worker's placement), which it cannot.
 */
import { describe, expect, it } from 'vitest';
import {
  chooseWinner,
  compareEntrants,
  DEFAULT_RACE_SETTINGS,
  decideRound,
  type Entrant,
  FIDELITY_TIE_DB,
  finalStandings,
  type RaceSettings,
  tiedWithLeader,
} from '../../src/tune/racing.js';
import { mulberry32 } from '../../src/util/prng.js';

interface Dist {
  id: string;
  medianMs: number;
  /** Relative spread of the samples within a round. */
  noise: number;
  /** Extra slow samples (share, and how slow). */
  tail?: { share: number; factor: number };
}

const SETTINGS: RaceSettings = { ...DEFAULT_RACE_SETTINGS, resamples: 1000 };

/** Runs `rounds` rounds; returns the decision after each and the entrants still alive. */
function race(dists: Dist[], rounds: number, settings: RaceSettings = SETTINGS, seed = 7, samples = 60) {
  const random = mulberry32(seed);
  const entrants = new Map<string, Map<number, Float64Array>>(dists.map((d) => [d.id, new Map()]));
  let alive = dists.map((d) => d.id);
  const decisions = [];
  for (let round = 1; round <= rounds; round++) {
    const machine = 1 + (random() - 0.5) * 0.1; // ±5% shared by everyone in this round
    for (const d of dists.filter((x) => alive.includes(x.id))) {
      const process = 1 + (random() - 0.5) * 0.04;
      const taken = Float64Array.from({ length: samples }, () => {
        const slow = d.tail && random() < d.tail.share ? d.tail.factor : 1;
        return d.medianMs * machine * process * slow * (1 + (random() - 0.5) * 2 * d.noise);
      });
      entrants.get(d.id)!.set(round, taken);
    }
    const decision = decideRound(
      alive.map((id) => ({ id, rounds: entrants.get(id)! })),
      round,
      settings,
    );
    decisions.push(decision);
    alive = alive.filter((id) => !decision.eliminated.includes(id));
    if (decision.decided) break;
  }
  const entrantOf = (id: string): Entrant => ({ id, rounds: entrants.get(id)! });
  return { decisions, alive, entrantOf };
}

describe('racing', () => {
  it('a clear winner: the slower ones go at the first round allowed, and the race is decided', () => {
    const { decisions, alive } = race(
      [
        { id: 'int8', medianMs: 3.7, noise: 0.05 },
        { id: 'fp32', medianMs: 9.8, noise: 0.05 },
        { id: 'trap', medianMs: 74.5, noise: 0.05 },
      ],
      10,
    );
    expect(decisions[0].eliminated).toEqual([]); // nobody before minRounds
    expect(decisions[1].eliminated).toEqual([]);
    expect(decisions[2].round).toBe(3);
    expect(decisions[2].leader).toBe('int8');
    expect(decisions[2].eliminated.sort()).toEqual(['fp32', 'trap']);
    expect(decisions[2].decided).toBe(true);
    expect(decisions).toHaveLength(3);
    expect(alive).toEqual(['int8']);
    const fp32 = decisions[2].standings.find((s) => s.id === 'fp32')!;
    expect(fp32.vsLeader!.ratio).toBeGreaterThan(2.4);
    expect(fp32.vsLeader!.ci[0]).toBeGreaterThan(1);
    expect(fp32.vsLeader!.rounds).toBe(3);
  });

  it('a tie: neither is eliminated, and the simpler wins the tie', () => {
    const { alive, decisions, entrantOf } = race(
      [
        { id: 'fuse', medianMs: 10, noise: 0.1 },
        { id: 'fp32', medianMs: 10, noise: 0.1 },
      ],
      8,
      SETTINGS,
      8,
    );
    expect(alive.sort()).toEqual(['fp32', 'fuse']);
    expect(decisions.every((d) => d.eliminated.length === 0 && !d.decided)).toBe(true);
    const last = decisions[decisions.length - 1];
    const leader = last.leader;
    const other = leader === 'fp32' ? 'fuse' : 'fp32';
    const vs = compareEntrants(entrantOf(other), entrantOf(leader), SETTINGS)!;
    expect(vs.ci[0]).toBeLessThanOrEqual(1);
    expect(vs.ci[1]).toBeGreaterThanOrEqual(1);
    const choice = chooseWinner(
      last.standings.map((s) => ({
        id: s.id,
        cost: s.cost,
        vsLeader: s.vsLeader,
        simplicity: { recipes: s.id === 'fp32' ? 0 : 1, fidelity: 140, threads: 2, batch: 1 },
      })),
    );
    expect(choice.winner).toBe('fp32');
    expect(choice.tied.sort()).toEqual(['fp32', 'fuse']);
    expect(choice.tieBroken).toBe(leader !== 'fp32');
  });

  it('racing and measuring every candidate every round pick the same winner on a tie', () => {
    // Three tied at 10 ms, told apart by simplicity alone; a simpler but clearly slower one, which
    // racing eliminates and brute force keeps to the end, where it is no tie and so cannot win.
    const dists: Dist[] = [
      { id: 'int8', medianMs: 10, noise: 0.05 },
      { id: 'fuse', medianMs: 10, noise: 0.05 },
      { id: 'fp32@all', medianMs: 10, noise: 0.05 },
      { id: 'fp32@disabled', medianMs: 13, noise: 0.05 },
    ];
    const recipes: Record<string, number> = { int8: 2, fuse: 1, 'fp32@all': 0, 'fp32@disabled': 0 };
    const simplicity = (id: string) => ({
      recipes: recipes[id],
      fidelity: id === 'int8' ? 40 : 140,
      threads: 2,
      batch: 1,
    });
    const winnerOf = (settings: RaceSettings, seed: number) => {
      const { alive, entrantOf } = race(dists, 6, settings, seed);
      const standings = finalStandings(alive.map(entrantOf), settings);
      return {
        alive,
        choice: chooseWinner(
          standings.map((st) => ({
            id: st.id,
            cost: st.cost,
            vsLeader: st.vsLeader,
            simplicity: simplicity(st.id),
          })),
        ),
      };
    };
    for (const seed of [1, 2, 3]) {
      const raced = winnerOf(SETTINGS, seed);
      const brute = winnerOf({ ...SETTINGS, eliminate: false }, seed + 100);
      expect(raced.alive).not.toContain('fp32@disabled');
      expect(brute.alive).toContain('fp32@disabled');
      expect(brute.choice.tied).not.toContain('fp32@disabled');
      // The fastest of the three differs from run to run; the rule settles on the same one.
      expect(raced.choice.winner).toBe('fp32@all');
      expect(brute.choice.winner).toBe('fp32@all');
    }
  });

  it('a noisy pair: a small gap under large noise is not eliminated in the early rounds', () => {
    const { decisions, alive } = race(
      [
        { id: 'a', medianMs: 10, noise: 0.6 },
        { id: 'b', medianMs: 10.3, noise: 0.6 },
      ],
      4,
      SETTINGS,
      11,
    );
    expect(alive.sort()).toEqual(['a', 'b']);
    const last = decisions[decisions.length - 1];
    const vs = last.standings.find((s) => s.vsLeader !== null)!.vsLeader!;
    expect(vs.ci[1] - vs.ci[0]).toBeGreaterThan(0.02);
  });

  it('the playoff takes only the finalists tied with the leader, not those behind it at 95%', () => {
    const { alive, entrantOf } = race(
      [
        { id: 'a', medianMs: 10, noise: 0.05 },
        { id: 'b', medianMs: 10, noise: 0.05 },
        { id: 'c', medianMs: 10.4, noise: 0.05 },
        { id: 'far', medianMs: 13, noise: 0.05 },
      ],
      3,
      { ...SETTINGS, eliminate: false },
    );
    expect(alive).toHaveLength(4);
    const finalists = alive.map(entrantOf);
    const tied = tiedWithLeader(finalists, SETTINGS);
    const standings = finalStandings(finalists, SETTINGS);
    expect(tied[0]).toBe(standings[0].id);
    expect(tied).not.toContain('far');
    expect(tied.sort()).toEqual(
      standings
        .filter((s) => s.vsLeader === null || (s.vsLeader.ci[0] <= 1 && s.vsLeader.ci[1] >= 1))
        .map((s) => s.id)
        .sort(),
    );
    expect(tied).toEqual(expect.arrayContaining(['a', 'b']));
    // One finalist alone: no tie to play off.
    expect(tiedWithLeader([entrantOf('a')], SETTINGS)).toEqual(['a']);
  });

  it('without racing nobody is eliminated, however far behind', () => {
    const { decisions, alive } = race(
      [
        { id: 'fast', medianMs: 1, noise: 0.05 },
        { id: 'slow', medianMs: 5, noise: 0.05 },
      ],
      5,
      { ...SETTINGS, eliminate: false },
    );
    expect(alive.sort()).toEqual(['fast', 'slow']);
    expect(decisions).toHaveLength(5);
    expect(decisions[4].standings[1].vsLeader!.ci[0]).toBeGreaterThan(1);
  });

  it('a p99 objective ranks by the tail: a lower median with a heavy tail loses', () => {
    // A p99 needs more samples per round than a median (tune asks for 200 runs with --objective p99).
    const dists: Dist[] = [
      { id: 'spiky', medianMs: 5, noise: 0.02, tail: { share: 0.05, factor: 4 } },
      { id: 'steady', medianMs: 6, noise: 0.02 },
    ];
    const byMedian = race(dists, 6, SETTINGS, 3, 200);
    expect(byMedian.decisions.every((d) => d.leader === 'spiky')).toBe(true);
    expect(byMedian.alive).toEqual(['spiky']);
    const byP99 = race(dists, 6, { ...SETTINGS, quantile: 0.99 }, 3, 200);
    expect(byP99.decisions.every((d) => d.leader === 'steady')).toBe(true);
    expect(byP99.alive).toEqual(['steady']);
  });

  it('breaks ties by fewer recipes, then higher fidelity (within a dB is the same), then fewer threads', () => {
    const tie = { ratio: 1.01, ci: [0.97, 1.05] as [number, number], rounds: 3 };
    const base = { fidelity: 40, threads: 2, batch: 1 };
    const pick = (entries: Array<{ id: string; recipes: number; fidelity?: number; threads?: number }>) =>
      chooseWinner(
        entries.map((e, i) => ({
          id: e.id,
          cost: 1 + i * 0.01,
          vsLeader: i === 0 ? null : tie,
          simplicity: {
            ...base,
            recipes: e.recipes,
            ...(e.fidelity ? { fidelity: e.fidelity } : {}),
            ...(e.threads ? { threads: e.threads } : {}),
          },
        })),
      ).winner;
    expect(
      pick([
        { id: 'int8', recipes: 2 },
        { id: 'fuse', recipes: 1 },
      ]),
    ).toBe('fuse');
    expect(
      pick([
        { id: 'int8', recipes: 2, fidelity: 30 },
        { id: 'fp16', recipes: 2, fidelity: 60 },
      ]),
    ).toBe('fp16');
    // Fidelities within FIDELITY_TIE_DB are the same: the faster of the two (the first here) wins;
    // one a dB and a half better is better, however slightly slower.
    expect(
      pick([
        { id: 'minmax', recipes: 2, fidelity: 40.2 },
        { id: 'percentile', recipes: 2, fidelity: 40.3 },
      ]),
    ).toBe('minmax');
    expect(
      pick([
        { id: 'minmax', recipes: 2, fidelity: 40.2 },
        { id: 'percentile', recipes: 2, fidelity: 40.2 + FIDELITY_TIE_DB + 0.5 },
      ]),
    ).toBe('percentile');
    // Identical outputs (infinite SNR) stay ahead of any finite fidelity.
    expect(
      pick([
        { id: 'fp16', recipes: 1, fidelity: 90 },
        { id: 'fuse', recipes: 1, fidelity: Number.POSITIVE_INFINITY },
      ]),
    ).toBe('fuse');
    expect(
      pick([
        { id: 't2', recipes: 1, threads: 2 },
        { id: 't1', recipes: 1, threads: 1 },
      ]),
    ).toBe('t1');
    // Significantly slower is not a tie, however simple.
    const choice = chooseWinner([
      { id: 'int8', cost: 1, vsLeader: null, simplicity: { ...base, recipes: 2 } },
      {
        id: 'fp32',
        cost: 2,
        vsLeader: { ratio: 2, ci: [1.8, 2.2], rounds: 3 },
        simplicity: { ...base, recipes: 0 },
      },
    ]);
    expect(choice).toEqual({ winner: 'int8', leader: 'int8', tied: ['int8'], tieBroken: false });
  });
});
