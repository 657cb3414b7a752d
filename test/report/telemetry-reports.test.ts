/**
 * Telemetry in the study reports: energy per inference (measured, estimated, absent), throttling
 * warnings, and CPU frequency / temperature overlaid on latency over time. The telemetry below is
 * fixture data attached to the synthetic study, not measurements.
 */

import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { studyCharts } from '../../src/report/charts.js';
import { CSV_COLUMNS, renderCsv } from '../../src/report/csv.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyDetails } from '../../src/report/study-table.js';
import { loadVegaAssets } from '../../src/report/vega-assets.js';
import type { StoredStudy } from '../../src/store/types.js';
import { analyzeStudy } from '../../src/study/compare.js';
import type { TelemetrySummary } from '../../src/telemetry/schema.js';
import { fakeStudy } from './fixture.js';
import { studyWithTelemetry } from './study-fixtures.js';

const analysis = analyzeStudy(studyWithTelemetry());
const variant = (model: string, label: string) =>
  analysis.variants.find((v) => v.variant.model === model && v.variant.label === label)!;

async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  // biome-ignore lint/suspicious/noExplicitAny: the spec is plain JSON built by charts.ts
  const vega = compile(spec as any).spec;
  return new View(parse(vega), { renderer: 'none' }).toSVG();
}

describe('telemetry in the analysis', () => {
  it('energy: median over rounds, estimated flagged, absent stays absent', () => {
    const fp32 = variant('resnet18', 'fp32').telemetry!;
    expect(fp32.energy).toMatchObject({ mJPerInference: 42, estimated: false, methods: ['rapl'], rounds: 2 });
    expect(fp32.energy!.avgPowerW).toBe(21);
    expect(variant('resnet18', 'fused').telemetry!.energy).toMatchObject({
      mJPerInference: 31,
      estimated: true,
    });
    const int8 = variant('resnet18', 'int8').telemetry!;
    expect(int8.energy).toBeNull();
    expect(int8.energyAbsentReasons).toEqual(['no energy sensor (RAPL not readable)']);
    expect(variant('mobilenet_v2', 'fp32').telemetry).toBeNull();
  });

  it('warnings de-duplicated over rounds; series aligned to each round window start', () => {
    const t = variant('resnet18', 'fp32').telemetry!;
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatchObject({ kind: 'cpu-frequency-drop', rounds: [1, 2] });
    expect(t.series).toHaveLength(6);
    const round2 = t.series.filter((p) => p.round === 2);
    const window = variant('resnet18', 'fp32').measurements.find((m) => m.round === 2)!.result!.window;
    expect(round2[0].offsetMs).toBe(0);
    expect(round2[2].offsetMs).toBeCloseTo(window.endEpochMs - window.startEpochMs, 6);
    expect(round2.map((p) => p.cpuFreqMHz)).toEqual([3000, 2400, 1800]);
  });
});

describe('telemetry in the reports', () => {
  it('timeline chart: frequency and temperature layers with the readings, same x domain as latency', async () => {
    const spec = studyCharts(analysis).timeline as {
      vconcat: Array<{ vconcat: Array<Record<string, unknown>> }>;
    };
    const text = JSON.stringify(spec);
    expect(text).toContain('CPU frequency (MHz');
    expect(text).toContain('max temperature (°C');
    const resnet = spec.vconcat[0].vconcat;
    const below = resnet[1] as {
      data: { values: Array<{ freqMHz: number; tempC: number; t: number }> };
      layer: Array<{ encoding: { y: { field: string }; x: { scale: { domain: number[] } } } }>;
      resolve: unknown;
    };
    expect(below.layer.map((l) => l.encoding.y.field)).toEqual(['freqMHz', 'tempC']);
    expect(below.resolve).toEqual({ scale: { y: 'independent' } });
    expect(below.data.values.map((p) => p.freqMHz)).toContain(1800);
    expect(below.data.values.map((p) => p.tempC)).toContain(84.75);
    const latencyX = (resnet[0] as { encoding: { x: { scale: { domain: number[] } } } }).encoding.x.scale
      .domain;
    expect(below.layer[0].encoding.x.scale.domain).toEqual(latencyX);
    // Models without readings say so instead of drawing empty lines.
    expect(JSON.stringify(spec.vconcat[1])).toContain('no CPU frequency or temperature readings');
    const svg = await renderSvg(spec as unknown as Record<string, unknown>);
    expect(svg).toContain('CPU frequency (MHz, solid)');
  });

  it('timeline chart without readings says so in its subtitle', async () => {
    const spec = studyCharts(analyzeStudy(fakeStudy({ samplesPerRound: 20 }))).timeline!;
    expect(JSON.stringify((spec as { title: unknown }).title)).toContain(
      'no CPU frequency or temperature readings stored',
    );
    expect(JSON.stringify(spec)).not.toContain('freqMHz');
    expect(await renderSvg(spec)).toContain('<svg');
  });

  it('Markdown and HTML: energy column with "(est.)", "—" when absent, warnings listed', async () => {
    const md = renderMarkdown(analysis);
    expect(md).toContain('energy mJ/inference');
    const variantLine = (model: string, label: string) =>
      md
        .split('\n')
        .filter((l) => l.startsWith(`| ${model} | ${label} | `))
        .at(-1)!;
    expect(variantLine('resnet18', 'fp32')).toContain('| 42.0 |');
    expect(variantLine('resnet18', 'fused')).toContain('| 31.0 (est.) |');
    expect(variantLine('resnet18', 'int8')).toMatch(/\| — \| — \| ok/);
    expect(variantLine('mobilenet_v2', 'fp32')).not.toMatch(/\| 0(\.0)? \|/);
    expect(md).toContain('## Telemetry warnings');
    expect(md).toContain('resnet18 fp32 (cpu-frequency-drop, rounds 1, 2): fastest core fell to 1800 MHz');
    expect(md).toContain('optimized mJ/inference');
    const html = renderHtml(analysis, await loadVegaAssets());
    expect(html).toContain('31.0 (est.)');
    expect(html).toContain('<h2>Telemetry warnings</h2>');
  });

  it('CSV: energy columns appended after the fleet ones, empty when not measured', () => {
    const from = CSV_COLUMNS.indexOf('energy_mj_per_inference');
    expect(CSV_COLUMNS[from - 1]).toBe('agents');
    expect(CSV_COLUMNS.slice(from, from + 7)).toEqual([
      'energy_mj_per_inference',
      'energy_estimated',
      'avg_power_w',
      'inferences_per_joule',
      'co2e_g_per_1000',
      'energy_method',
      'telemetry_warnings',
    ]);
    const lines = renderCsv(analysis).trim().split('\r\n');
    const header = lines[0].split(',');
    const col = (name: string) => header.indexOf(name);
    const cells = (model: string, label: string) =>
      lines.find((l) => l.split(',')[1] === model && l.split(',')[2] === label)!.split(',');
    expect(cells('resnet18', 'fp32')[col('energy_mj_per_inference')]).toBe('42');
    expect(cells('resnet18', 'fp32')[col('energy_estimated')]).toBe('false');
    expect(cells('resnet18', 'fused')[col('energy_estimated')]).toBe('true');
    expect(cells('resnet18', 'fused')[col('energy_method')]).toBe('estimate-tdp');
    expect(cells('resnet18', 'int8')[col('energy_mj_per_inference')]).toBe('');
    expect(cells('resnet18', 'int8')[col('telemetry_warnings')]).toBe('cpu-frequency-drop');
    expect(cells('mobilenet_v2', 'fp32')[col('energy_mj_per_inference')]).toBe('');
  });
});

describe('telemetry warnings in the CSV and the terminal', () => {
  /** resnet18 fp32 saw the CPU frequency drop in both rounds, with a different message in round 2, and a drift. */
  function repeatedKinds(): StoredStudy {
    const stored = studyWithTelemetry();
    const fp32 = stored.variants.find((v) => v.model === 'resnet18' && v.label === 'fp32')!;
    const round2 = stored.measurements.find((m) => m.variantId === fp32.id && m.round === 2)!;
    const t = round2.telemetry as TelemetrySummary;
    round2.telemetry = {
      ...t,
      warnings: [
        ...t.warnings,
        {
          kind: 'cpu-frequency-drop',
          source: 'cpufreq',
          message: 'fastest core fell to 1500 MHz (50% of 3000 MHz)',
          fraction: 0.5,
        },
        { kind: 'latency-drift', message: 'the last tenth of the round is 12% slower than the first' },
      ],
    } satisfies TelemetrySummary;
    return stored;
  }

  it('CSV lists each warning kind once', () => {
    const repeated = analyzeStudy(repeatedKinds());
    const warnings = repeated.variants.find(
      (v) => v.variant.model === 'resnet18' && v.variant.label === 'fp32',
    )!.telemetry!.warnings;
    // Kept apart in the analysis (different messages)…
    expect(warnings.map((w) => w.kind)).toEqual([
      'cpu-frequency-drop',
      'cpu-frequency-drop',
      'latency-drift',
    ]);
    // …but a kind is named once in its CSV cell.
    const lines = renderCsv(repeated).trim().split('\r\n');
    const col = lines[0].split(',').indexOf('telemetry_warnings');
    const row = lines.find((l) => l.split(',')[1] === 'resnet18' && l.split(',')[2] === 'fp32')!;
    expect(row.split(',')[col]).toBe('cpu-frequency-drop latency-drift');
  });

  it('show (the terminal details) lists the warnings like Markdown and HTML', () => {
    const text = formatStudyDetails(analyzeStudy(repeatedKinds()));
    expect(text).toContain('telemetry warnings (throttling and drift seen during the measurements):');
    expect(text).toContain(
      '  resnet18 fp32 (cpu-frequency-drop, rounds 1, 2): fastest core fell to 1800 MHz (60% of 3000 MHz)',
    );
    expect(text).toContain('  resnet18 fp32 (cpu-frequency-drop, round 2): fastest core fell to 1500 MHz');
    expect(text).toContain(
      '  resnet18 fp32 (latency-drift, round 2): the last tenth of the round is 12% slower than the first',
    );
    // The same lines as the Markdown report's.
    const md = renderMarkdown(analyzeStudy(repeatedKinds()));
    for (const line of text.split('\n').filter((l) => l.startsWith('  resnet18 ')))
      expect(md).toContain(`- ${line.trim()}`);
    expect(formatStudyDetails(analyzeStudy(fakeStudy({ samplesPerRound: 20 })))).not.toContain(
      'telemetry warnings',
    );
  });
});
