/** The tune's reports, from a stored tune run built in memory: terminal, Markdown, JSON, the charts' data. */
import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyDetails } from '../../src/report/study-table.js';
import { paretoChart, paretoFrontier, racingChart } from '../../src/report/tune-charts.js';
import {
  leaderboardRows,
  raceLines,
  tuneProgressLine,
  tuneSummaryLines,
} from '../../src/report/tune-text.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeTuneStudy } from '../report/tune-fixture.js';

describe('tune reports', () => {
  const analysis = analyzeStudy(fakeTuneStudy());

  it('reads the tune record back beside the study', () => {
    expect(analysis.tune?.winner?.id).toBe('int8 t2 cpu b1');
    expect(analyzeStudy({ ...fakeTuneStudy(), tune: { schema: 'something-else' } }).tune).toBeUndefined();
  });

  it('says what won, by how much, with what fidelity, and how to rebuild it', () => {
    const lines = tuneSummaryLines(analysis.tune!).join('\n');
    expect(lines).toContain('winner: int8 · level all · 2 threads · cpu · batch 1');
    expect(lines).toContain('2.50× [2.40–2.60] faster than the baseline (fp32 · level all · 2 threads');
    expect(lines).toContain('1.56× [1.50–1.60] faster than the runner-up (fused');
    expect(lines).toContain('budget snr>=30db holds');
    expect(lines).toContain('CPU ISA for INT8: avx2');
    expect(lines).toContain(
      'edgebench optimize zoo:resnet18?classes=2 --recipe int8-static --no-fidelity -o /work/best.onnx && edgebench run /work/best.onnx',
    );
  });

  it('says "slower" for a tie broken towards a simpler, slower winner', () => {
    const tune = analysis.tune!;
    const tied = {
      ...tune,
      winner: {
        ...tune.winner!,
        runnerUp: {
          id: 'fused t2 cpu b1',
          speedup: { ratio: 0.8, ci: [0.5, 1.25] as [number, number], rounds: 3 },
          tie: true,
        },
        tieNote: '2 finalists are not significantly different from the fastest',
      },
    };
    const lines = tuneSummaryLines(tied).join('\n');
    expect(lines).toContain('1.25× [0.80–2.00] slower than the runner-up (fused');
    expect(lines).toContain('not a significant difference: a tie');
    expect(lines).toContain('tie: 2 finalists are not significantly different from the fastest');
  });

  it('lists every candidate on the leaderboard with where it ended', () => {
    const rows = leaderboardRows(analysis.tune!);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([
      ['1', 'int8 t2 cpu b1', 'winner'],
      ['2', 'fused t2 cpu b1', 'eliminated in round 2'],
      ['3', 'fp32 t2 cpu b1 (baseline)', 'eliminated in round 2'],
      ['', 'int8-dynamic t2 cpu b1', 'rejected by budget'],
    ]);
    expect(rows[4][8]).toContain('snr 12.0 dB');
    expect(rows[2][8]).toContain('identical');
  });

  it('show, Markdown and JSON carry the tune', () => {
    const details = formatStudyDetails(analysis);
    expect(details).toMatch(/^tune \S+ {2}tune-resnet18 {2}\(finished, tune\)/);
    expect(details).toContain('leaderboard:');
    expect(details).not.toContain('average over');
    const md = renderMarkdown(analysis);
    expect(md).toContain('# Tune tune-resnet18');
    expect(md).toContain('## Leaderboard');
    expect(JSON.parse(renderJson(analysis)).tune.winner.id).toBe('int8 t2 cpu b1');
  });

  it('marks the Pareto frontier and the winner, and draws each candidate’s rounds', () => {
    const frontier = paretoFrontier([
      { id: 'slow-exact', latency: 10, snrDb: Infinity },
      { id: 'fast-lossy', latency: 3, snrDb: 30 },
      { id: 'dominated', latency: 5, snrDb: 25 },
      { id: 'mid', latency: 6, snrDb: 60 },
    ]);
    expect(frontier.map((p) => p.id)).toEqual(['fast-lossy', 'mid', 'slow-exact']);
    const spec = paretoChart(analysis.tune!) as {
      layer: Array<{ data: { values: Array<Record<string, unknown>> } }>;
    };
    const points = spec.layer[1].data.values;
    expect(points.map((p) => p.candidate).sort()).toEqual([
      'fp32 t2 cpu b1',
      'fused t2 cpu b1',
      'int8 t2 cpu b1',
    ]);
    expect(points.find((p) => p.winner)?.candidate).toBe('int8 t2 cpu b1');
    expect(points.find((p) => p.candidate === 'fp32 t2 cpu b1')?.snrLabel).toBe('identical');
    const race = racingChart(analysis) as {
      layer: Array<{ data: { values: Array<Record<string, unknown>> } }>;
    };
    expect(race.layer[1].data.values).toHaveLength(3 * 2);
    expect(race.layer[2].data.values.map((v) => v.round)).toEqual([2, 2]);
  });

  it('a playoff is said in the summary and shaded in the timeline', () => {
    const base = fakeTuneStudy();
    const record = analysis.tune!;
    const withPlayoff = analyzeStudy({
      ...base,
      tune: {
        ...record,
        rounds: [...record.rounds, { ...record.rounds[1], round: 3, eliminated: [], playoff: true }],
        playoff: { entrants: 2, rounds: 1, ended: 'settled' },
      },
    });
    expect(raceLines(withPlayoff.tune!).join('\n')).toContain(
      'playoff: 2 finalists tied with the leader were measured again in 1 round; the tie is settled (one is ahead of the others with confidence)',
    );
    const race = racingChart(withPlayoff) as {
      title: { subtitle: string };
      layer: Array<{ data: { values: Array<Record<string, unknown>> } }>;
    };
    expect(race.layer[0].data.values).toEqual([{ from: 2.5, to: 3.5 }]);
    expect(race.title.subtitle).toContain('shaded: the playoff of the tied finalists, 1');
    // Without a playoff the chart is as before (no band).
    expect((racingChart(analysis) as { layer: unknown[] }).layer).toHaveLength(race.layer.length - 1);
    expect(
      tuneProgressLine({
        type: 'round-ended',
        round: 11,
        leader: 'a',
        alive: ['a', 'b'],
        eliminated: [],
        timeLeftMs: 30_000,
        wallMs: 3000,
        playoff: true,
      }),
    ).toBe('playoff round 11 (3 s): leader a; still tied: a, b; 30 s left');
  });

  it('progress lines say what is going on', () => {
    expect(
      tuneProgressLine({
        type: 'round-ended',
        round: 3,
        leader: 'a',
        alive: ['a', 'b'],
        eliminated: [{ id: 'c', ratio: 2.1, ci: [1.9, 2.3] }],
        timeLeftMs: 120_000,
        wallMs: 9000,
      }),
    ).toBe('round 3 (9 s): leader a; eliminated c (2.10× the leader); 2 left: a, b; 120 s left');
    expect(
      tuneProgressLine({ type: 'measured', candidate: 'a', round: 1, medianMs: 1, samples: 10 }),
    ).toBeUndefined();
  });
});
