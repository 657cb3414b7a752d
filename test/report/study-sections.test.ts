/** Which sections a study's report has, for which stored content (the renderers only lay them out). */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { findSection, findSections, studySections } from '../../src/report/study-sections.js';
import { formatStudyTable } from '../../src/report/study-table.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeStudy } from './fixture.js';
import {
  baselineOnlyStudy,
  fleetStudy,
  studyWithTelemetry,
  troubledStudy,
  twoEpStudy,
  twoTargetStudy,
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

describe('a study over several targets', () => {
  const model = studySections(analyzeStudy(twoTargetStudy()));

  it('has a results table per target, each naming the device, compared within the target', () => {
    const results = findSections(model, 'results', 'table');
    expect(results.map((t) => t.title)).toEqual([
      'Results on local (Xeon (2 cores), host laptop)',
      'Results on nano (NVIDIA Jetson Nano Developer Kit, ARMv8 Processor rev 1 (v8l) (4 cores), host nano-1)',
    ]);
    for (const t of results) {
      expect(t.columns).not.toContain('device');
      const fused = t.rows.find((r) => r[0] === 'resnet18' && r[1] === 'fused')!;
      // 1.6× on both targets: the Nano's 3× slower baseline is never set against the local one.
      expect(Number(fused[6].replace('×', ''))).toBeCloseTo(1.6, 1);
    }
    const [local, nano] = results;
    expect(Number(nano.rows[0][2])).toBeCloseTo(Number(local.rows[0][2]) * 3, 0);
  });

  it('keeps the side-by-side device table and lists each target as a device', () => {
    expect(findSection(model, 'by-device', 'table')?.columns).toContain('nano speedup');
    const devices = findSection(model, 'devices', 'table')!;
    expect(devices.rows.map((r) => [r[0], r[1]])).toEqual([
      ['local', 'local'],
      ['nano', 'jetson@nano.local:22'],
    ]);
  });

  it('prints a table per target in the terminal, Markdown and HTML', async () => {
    const analysis = analyzeStudy(twoTargetStudy());
    const text = formatStudyTable(analysis);
    expect(text).toMatch(/^on local \(Xeon \(2 cores\), host laptop\):\nmodel +variant/m);
    expect(text).toMatch(/^on nano \(NVIDIA Jetson Nano Developer Kit.*\):\nmodel +variant/m);
    const md = renderMarkdown(analysis);
    expect(md.match(/^## Results on /gm)).toHaveLength(2);
    expect(md).toContain('Measured on nano (NVIDIA Jetson Nano Developer Kit');
  });
});
