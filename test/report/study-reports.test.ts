import { describe, expect, it } from 'vitest';
import { quantileDownsample, studyCharts } from '../../src/report/charts.js';
import { CSV_COLUMNS, csvCell, renderCsv } from '../../src/report/csv.js';
import { renderHtml, scriptJson } from '../../src/report/html.js';
import { renderJson, STUDY_REPORT_SCHEMA } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyDetails, formatStudyTable } from '../../src/report/study-table.js';
import { loadVegaAssets } from '../../src/report/vega-assets.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeStudy } from './fixture.js';

const analysis = analyzeStudy(fakeStudy());

/** A minimal CSV parser (quotes, doubled quotes, CRLF) to read the report back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  return rows;
}

describe('study analysis of the fixture', () => {
  it('compares each optimized variant with its baseline and averages per label', () => {
    expect(analysis.comparisons).toHaveLength(6);
    const fused = analysis.comparisons.filter((c) => c.label === 'fused');
    for (const c of fused) {
      expect(c.estimate?.verdict).toBe('faster');
      expect(c.estimate!.speedup).toBeGreaterThan(1.4);
      expect(c.baselineFps).toBeCloseTo(1000 / c.baselineMedianMs!, 9);
    }
    const failed = analysis.comparisons.find((c) => c.model === 'squeezenet1_1' && c.label === 'int8')!;
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('ran out of JavaScript heap');
    const int8 = analysis.averages.find((a) => a.label === 'int8')!;
    expect(int8.models).toEqual(['resnet18', 'mobilenet_v2']);
    expect(int8.excluded).toBe(1);
    expect(analysis.bootstrap).toEqual({ resamples: 500, seed: 3, confidence: 0.95 });
  });

  it('is deterministic (seeded bootstrap): the same stored study gives the same report', () => {
    expect(renderCsv(analyzeStudy(fakeStudy()))).toBe(renderCsv(analysis));
  });
});

describe('reports', () => {
  it('terminal and Markdown: the study table, averages, failures, definitions', () => {
    const text = formatStudyTable(analysis);
    expect(text).toContain('% speed improvement');
    expect(text).toMatch(/resnet18 +fused/);
    expect(text).toContain('arithmetic mean, as the study reports');
    expect(text).toContain('failed: squeezenet1_1 int8 (oom)');
    expect(formatStudyDetails(analysis)).toContain('round medians ms');
    const md = renderMarkdown(analysis);
    expect(md).toContain('# Study fixture (20250101-000000-fake)');
    expect(md).toMatch(/\| model \| variant \| baseline ms \|/);
    expect(md).toContain('(FPS_opt − FPS_base) / FPS_base × 100 = (t_base / t_opt − 1) × 100');
    expect(md).toContain('Test CPU <x86>');
    const c = analysis.comparisons[0];
    expect(md).toContain(`+${c.estimate!.improvementPct.toFixed(1)}%`);
  });

  it('CSV: one row per variant, every column, full-precision numbers', () => {
    const rows = parseCsv(renderCsv(analysis));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + 9);
    const col = (name: string) => rows[0].indexOf(name);
    const resnetFused = rows.find((r) => r[col('model')] === 'resnet18' && r[col('variant')] === 'fused')!;
    const c = analysis.comparisons.find((x) => x.model === 'resnet18' && x.label === 'fused')!;
    expect(Number(resnetFused[col('speedup')])).toBe(c.estimate!.speedup);
    expect(resnetFused[col('verdict')]).toBe('faster');
    expect(resnetFused[col('recipes')]).toBe('fuse+ort-all');
    expect(resnetFused[col('fidelity_snr_db')]).toBe('inf');
    const failed = rows.find((r) => r[col('model')] === 'squeezenet1_1' && r[col('variant')] === 'int8')!;
    expect(failed[col('status')]).toBe('failed');
    expect(failed[col('median_ms')]).toBe('');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
  });

  it('JSON: versioned, with every sample of every round', () => {
    const report = JSON.parse(renderJson(analysis));
    expect(report.schema).toBe(STUDY_REPORT_SCHEMA);
    expect(report.version).toBe(1);
    expect(report.comparisons).toHaveLength(6);
    const v = report.variants.find((x: { key: string }) => x.key.startsWith('resnet18|fp32'));
    expect(v.measurements).toHaveLength(2);
    expect(v.measurements[0].samplesMs).toHaveLength(200);
    expect(v.samples).toBe(400);
  });

  it('charts: Vega-Lite specs with the run numbers, downsampled for drawing only', () => {
    const charts = studyCharts(analysis);
    const speedup = charts.speedup as { data: { values: Array<{ speedup: number; label: string }> } };
    expect(speedup.data.values).toHaveLength(5);
    expect(speedup.data.values[0].label).toBe(`${analysis.comparisons[0].estimate!.speedup.toFixed(2)}×`);
    expect(charts.distribution).not.toBeNull();
    expect(charts.timeline).not.toBeNull();
    expect(charts.fidelity).not.toBeNull();
    const big = Array.from({ length: 10_000 }, (_, i) => i);
    const small = quantileDownsample(big, 100);
    expect(small).toHaveLength(100);
    expect(small[0]).toBe(0);
    expect(small[99]).toBe(9999);
  });

  it('HTML: one self-contained file (libraries inlined, data embedded, nothing fetched)', async () => {
    const html = renderHtml(analysis, await loadVegaAssets());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html.length).toBeGreaterThan(500_000);
    expect(html).toContain('id="chart-speedup"');
    expect(html).toContain('Test CPU &lt;x86&gt;');
    const data = html.match(/<script type="application\/json" id="edgebench-data">(.*?)<\/script>/s)![1];
    expect(JSON.parse(data).comparisons[0].estimate.speedup).toBe(analysis.comparisons[0].estimate!.speedup);
    expect(scriptJson({ a: '</script><b>' })).not.toContain('</script>');
  });
});
