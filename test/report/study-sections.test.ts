/** Which sections a study's report has, for which stored content (the renderers only lay them out). */
import { describe, expect, it } from 'vitest';
import { findSection, studySections } from '../../src/report/study-sections.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeStudy } from './fixture.js';
import {
  baselineOnlyStudy,
  fleetStudy,
  studyWithTelemetry,
  troubledStudy,
  twoEpStudy,
  withTorchStudy,
} from './study-fixtures.js';
import { fakeTuneStudy } from './tune-fixture.js';

const ids = (stored: Parameters<typeof analyzeStudy>[0]) =>
  studySections(analyzeStudy(stored)).sections.map((s) => s.id);

const CHARTS = ['chart-speedup', 'chart-distribution', 'chart-timeline', 'chart-fidelity'];

describe('studySections', () => {
  it('a plain study: results, averages, cautions, notes, charts, variants, failures, environment, definitions', () => {
    expect(ids(fakeStudy({ samplesPerRound: 40 }))).toEqual([
      'results',
      'averages',
      'cautions',
      'notes',
      ...CHARTS,
      'variants',
      'failures',
      'environment',
      'definitions',
    ]);
  });

  it('tables carry their columns, alignment (text left, numbers right) and rows', () => {
    const model = studySections(analyzeStudy(fakeStudy({ samplesPerRound: 40 })));
    const results = findSection(model, 'results', 'table')!;
    expect(results.columns.slice(0, 3)).toEqual(['model', 'variant', 'baseline ms']);
    expect(results.align.slice(0, 3)).toEqual(['left', 'left', 'right']);
    expect(results.rows).toHaveLength(6);
    expect(results.rows.every((r) => r.length === results.columns.length)).toBe(true);
    expect(model.header).toMatchObject({ id: '20250101-000000-fake', plannedRounds: 2, confidencePct: 95 });
    expect(findSection(model, 'failures', 'lines')!.lines).toEqual([
      'failed: squeezenet1_1 int8 (oom): round 1: ran out of JavaScript heap',
    ]);
  });

  it('side-by-side tables only where the study has the axis: EPs, a framework baseline, devices', () => {
    expect(ids(twoEpStudy())).toContain('by-ep');
    expect(ids(twoEpStudy())).not.toContain('framework');
    const torch = studySections(analyzeStudy(withTorchStudy()));
    const framework = findSection(torch, 'framework', 'table')!;
    expect(framework.lines.length).toBeGreaterThan(0);
    expect(framework.notes[0]).toContain('generic (reference) BLAS');
    const fleet = ids(fleetStudy());
    expect(fleet).toContain('by-device');
    // A fleet lists its devices instead of one environment.
    expect(fleet).toContain('devices');
    expect(fleet).not.toContain('environment');
  });

  it('telemetry warnings get a section of their own only when there are any', () => {
    expect(ids(studyWithTelemetry())).toContain('telemetry-warnings');
    expect(ids(fakeStudy({ samplesPerRound: 40 }))).not.toContain('telemetry-warnings');
  });

  it('no comparisons: an empty results section saying so, no averages', () => {
    const model = studySections(analyzeStudy(baselineOnlyStudy()));
    expect(findSection(model, 'results', 'empty')?.sentence).toBe('No optimized variant was planned.');
    expect(findSection(model, 'results', 'table')).toBeUndefined();
    expect(findSection(model, 'averages', 'lines')?.lines).toEqual([]);
  });

  it('failures, skips and in-memory upgrades become failure lines and notes', () => {
    const model = studySections(analyzeStudy(troubledStudy()));
    expect(findSection(model, 'failures', 'lines')!.lines).toHaveLength(3);
    expect(findSection(model, 'notes', 'lines')!.lines.some((n) => n.includes('upgraded in memory'))).toBe(
      true,
    );
  });

  it('a tune: its result, race, leaderboard and charts first; no averages or round cautions', () => {
    const tune = ids(fakeTuneStudy());
    expect(tune.slice(0, 5)).toEqual(['tune-summary', 'tune-race', 'tune-notes', 'leaderboard', 'results']);
    expect(tune).toContain('chart-pareto');
    expect(tune).not.toContain('averages');
    expect(tune).not.toContain('cautions');
    expect(studySections(analyzeStudy(fakeTuneStudy())).kind).toBe('tune');
  });
});
