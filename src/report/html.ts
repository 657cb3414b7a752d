/**
 * The HTML report of a study: one self-contained file that works offline. Vega, Vega-Lite and
 * vega-embed are inlined (passed in as `assets`, see vega-assets.ts); the charts are the Vega-Lite
 * specs of charts.ts, rendered as SVG. Tables repeat every figure as text. Pure: analysis + assets in,
 * a string out.
 */
import type { StudyAnalysis } from '../study/compare.js';
import { studyCharts } from './charts.js';
import { studyReportObject } from './json.js';
import {
  findSection,
  findSections,
  type SectionTable,
  type StudySection,
  studySections,
  type TableSection,
} from './study-sections.js';
import { paretoChart, racingChart } from './tune-charts.js';
import type { VegaAssets } from './vega-assets.js';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Library code that is safe inside a <script> element. */
function scriptCode(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

function htmlTable(t: SectionTable, className = ''): string {
  const cell = (tag: 'th' | 'td', text: string, i: number) =>
    `<${tag}${t.align[i] === 'left' ? '' : ' class="num"'}>${escapeHtml(text)}</${tag}>`;
  const head = `<tr>${t.columns.map((h, i) => cell('th', h, i)).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** Each table's class name on the page (tests and styles find them by it). */
const TABLE_CLASS: Record<TableSection['id'], string> = {
  leaderboard: 'leaderboard',
  results: 'results',
  'by-device': 'devices',
  framework: 'framework',
  'by-ep': 'eps',
  variants: 'variants',
  devices: 'device-list',
  environment: 'environment',
};

const items = (lines: string[], join = '\n') => lines.map((l) => `<li>${escapeHtml(l)}</li>`).join(join);
const paragraphs = (lines: string[], className: string, prefix: string, join = '\n') =>
  lines.map((n) => `<p class="${className}">${prefix}${escapeHtml(n)}</p>`).join(join);

/** A side-by-side table with its heading and sentence; nothing when the study has none. */
function comparedTable(section: TableSection | undefined): string {
  if (!section) return '';
  // The by-device sentence has always gone in unescaped (its apostrophe reads the same either way).
  const sentence = section.id === 'by-device' ? section.sentence : escapeHtml(section.sentence ?? '');
  const head = `<h2>${section.title}</h2>\n<p class="note">${sentence}</p>\n${htmlTable(section, TABLE_CLASS[section.id])}`;
  if (section.id !== 'framework') return head;
  return `${head}\n<ul class="averages">${items(section.lines, '')}</ul>${paragraphs(section.notes, 'note', 'Note — ', '')}`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #666; } table { border-collapse: collapse; margin: .6rem 0; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.chart { margin: 1rem 0 2rem; } .note { color: #555; } .averages li { margin: .2rem 0; }
.error { color: #a00; } .caution { color: #8a5a00; } dl dt { font-weight: 600; } dl dd { margin: 0 0 .5rem 1rem; }
`;

const BOOT = `
(function () {
  var specs = JSON.parse(document.getElementById('edgebench-specs').textContent);
  var jobs = Object.keys(specs).map(function (id) {
    var el = document.getElementById(id);
    return vegaEmbed(el, specs[id], { renderer: 'svg', actions: false }).catch(function (error) {
      el.innerHTML = '<p class="error">This chart could not be drawn: ' + String(error && error.message) + '</p>';
      console.error('edgebench chart ' + id + ': ' + (error && error.message));
      throw error;
    });
  });
  window.edgebenchCharts = Promise.allSettled(jobs);
})();
`;

export function renderHtml(analysis: StudyAnalysis, assets: VegaAssets): string {
  const model = studySections(analysis);
  const { header: h } = model;
  const tune = model.kind === 'tune';
  const charts: Record<string, unknown> = {
    ...(analysis.tune
      ? { 'chart-pareto': paretoChart(analysis.tune), 'chart-racing': racingChart(analysis) }
      : {}),
    ...Object.fromEntries(Object.entries(studyCharts(analysis)).map(([key, spec]) => [`chart-${key}`, spec])),
  };
  const specs: Record<string, unknown> = {};
  const chartBlocks: string[] = [];
  for (const chart of model.sections) {
    if (chart.kind !== 'chart') continue;
    chartBlocks.push(`<h2>${escapeHtml(chart.title)}</h2>`);
    const spec = charts[chart.id];
    if (spec) {
      specs[chart.id] = spec;
      chartBlocks.push(`<div id="${chart.id}" class="chart"></div>`);
    } else chartBlocks.push(`<p class="note">${escapeHtml(chart.missing)}</p>`);
  }

  const summary = studyReportObject(analysis);
  // The embedded data: everything but the raw samples (the JSON report has those).
  const embedded = {
    ...summary,
    variants: (summary.variants as Array<Record<string, unknown>>).map(
      ({ measurements: _m, ...rest }) => rest,
    ),
  };
  const lines = (id: StudySection['id']) => findSection(model, id, 'lines')?.lines ?? [];
  const table = (id: StudySection['id']) => findSection(model, id, 'table');
  const title = `edgebench ${tune ? 'tune' : 'study'} ${h.name} (${h.id})`;
  const board = table('leaderboard');
  const tuneBlock = board
    ? `<h2>Tune result</h2>
<ul class="tune">
${items(lines('tune-summary'))}
</ul>
<ul class="averages">
${items(lines('tune-race'))}
</ul>
${paragraphs(lines('tune-notes'), 'note', 'Note — ')}
<h2>${board.title}</h2>
<p class="note">${board.detail}</p>
${htmlTable(board, TABLE_CLASS[board.id])}`
    : '';
  const resultTables = findSections(model, 'results', 'table');
  const results = resultTables[0] ?? findSection(model, 'results', 'empty')!;
  const resultsBlock =
    results.kind !== 'table'
      ? `<p>${results.sentence}</p>`
      : resultTables.length === 1
        ? htmlTable(results, TABLE_CLASS.results)
        : // A study over several targets: a table per target, each under its device.
          resultTables
            .map(
              (t) =>
                `<h3>${escapeHtml(t.title)}</h3>\n<p class="note">${escapeHtml(t.sentence ?? '')}</p>\n${htmlTable(t, TABLE_CLASS.results)}`,
            )
            .join('\n');
  const variants = table('variants')!;
  const warnings = lines('telemetry-warnings');
  const hosts = table('devices') ?? table('environment')!;
  const definitions = findSection(model, 'definitions', 'definitions')!;
  const b = definitions.bootstrap;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(`${tune ? 'Tune' : 'Study'} ${h.name}`)}</h1>
<p class="meta">${escapeHtml(`${h.id} · ${h.status} · ${h.source} · created ${h.createdAt}${h.finishedAt ? ` · finished ${h.finishedAt}` : ''} · edgebench ${h.edgebenchVersion}`)}</p>
${tuneBlock}
<h2>${resultTables.length > 1 ? 'Results' : results.title}</h2>
${resultsBlock}
<ul class="averages">
${items(lines('averages'))}
</ul>
${paragraphs(lines('cautions'), 'caution', 'Caution — ')}
${paragraphs(lines('notes'), 'note', 'Note — ')}
${comparedTable(table('by-device'))}
${comparedTable(table('framework'))}
${comparedTable(table('by-ep'))}
${chartBlocks.join('\n')}
<h2>${variants.title}</h2>
${htmlTable(variants, TABLE_CLASS.variants)}
${warnings.length > 0 ? `<h2>Telemetry warnings</h2>\n<ul class="telemetry-warnings">\n${items(warnings)}\n</ul>` : ''}
<h2>${hosts.title}</h2>\n${htmlTable(hosts, TABLE_CLASS[hosts.id])}
<h2>Definitions</h2>
<dl>
${definitions.terms.map(([term, text]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(text)}</dd>`).join('\n')}
<dt>bootstrap</dt><dd>${escapeHtml(`${b.resamples} resamples, ${b.confidencePct}% interval, seed ${b.seed}`)}</dd>
</dl>
<p class="meta">Charts: Vega ${escapeHtml(assets.versions.vega)}, Vega-Lite ${escapeHtml(assets.versions.vegaLite)}, vega-embed ${escapeHtml(assets.versions.vegaEmbed)}, inlined; this file needs no network.</p>
<script type="application/json" id="edgebench-data">${scriptJson(embedded)}</script>
<script type="application/json" id="edgebench-specs">${scriptJson(specs)}</script>
<script>${scriptCode(assets.vega)}</script>
<script>${scriptCode(assets.vegaLite)}</script>
<script>${scriptCode(assets.vegaEmbed)}</script>
<script>${BOOT}</script>
</body>
</html>
`;
}
