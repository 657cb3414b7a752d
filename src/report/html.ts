/**
 * The HTML report of a study: one self-contained file that works offline. Vega, Vega-Lite and
 * vega-embed are inlined (passed in as `assets`, see vega-assets.ts); the charts are the Vega-Lite
 * specs of charts.ts, rendered as SVG. Tables repeat every figure as text. Pure: analysis + assets in,
 * a string out.
 */
import type { StudyAnalysis } from '../study/compare.js';
import { studyCharts } from './charts.js';
import { studyReportObject } from './json.js';
import { environmentRows } from './markdown.js';
import {
  averageLines,
  comparisonRows,
  DEFINITIONS,
  deviceListRows,
  deviceRows,
  EP_SENTENCE,
  epRows,
  FRAMEWORK_SENTENCE,
  frameworkAverageLines,
  frameworkNoteLines,
  frameworkRows,
  isaLines,
  leftColumns,
  peakNotes,
  recipeNotes,
  roundCautionLines,
  telemetryWarningLines,
  variantRows,
} from './study-text.js';
import { paretoChart, racingChart } from './tune-charts.js';
import { leaderboardRows, raceLines, tuneSummaryLines } from './tune-text.js';
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

function htmlTable(rows: readonly (readonly string[])[], className = ''): string {
  if (rows.length === 0) return '';
  const left = new Set(leftColumns(rows[0]));
  const cell = (tag: 'th' | 'td', text: string, i: number) =>
    `<${tag}${left.has(i) ? '' : ' class="num"'}>${escapeHtml(text)}</${tag}>`;
  const head = `<tr>${rows[0].map((h, i) => cell('th', h, i)).join('')}</tr>`;
  const body = rows
    .slice(1)
    .map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`)
    .join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
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
  const s = analysis.study;
  const charts = studyCharts(analysis);
  const specs: Record<string, unknown> = {};
  const chartBlocks: string[] = [];
  const addChart = (id: string, heading: string, spec: unknown, missing: string) => {
    chartBlocks.push(`<h2>${escapeHtml(heading)}</h2>`);
    if (spec) {
      specs[id] = spec;
      chartBlocks.push(`<div id="${id}" class="chart"></div>`);
    } else chartBlocks.push(`<p class="note">${escapeHtml(missing)}</p>`);
  };
  const tune = analysis.tune;
  if (tune) {
    addChart(
      'chart-pareto',
      'Latency against fidelity (Pareto)',
      paretoChart(tune),
      'No candidate was both measured and checked for fidelity.',
    );
    addChart('chart-racing', 'Racing timeline', racingChart(analysis), 'The race did not run.');
  }
  addChart('chart-speedup', 'Speedup per model', charts.speedup, 'No comparison could be computed.');
  addChart('chart-distribution', 'Latency distribution', charts.distribution, 'No samples stored.');
  addChart('chart-timeline', 'Latency over time', charts.timeline, 'No samples stored.');
  addChart(
    'chart-fidelity',
    'Fidelity',
    charts.fidelity,
    'Fidelity was not measured for this study (or could not be computed).',
  );

  const summary = studyReportObject(analysis);
  // The embedded data: everything but the raw samples (the JSON report has those).
  const embedded = {
    ...summary,
    variants: (summary.variants as Array<Record<string, unknown>>).map(
      ({ measurements: _m, ...rest }) => rest,
    ),
  };
  const notes = [...isaLines(analysis), ...recipeNotes(analysis), ...peakNotes(analysis)];
  const byDevice = deviceRows(analysis);
  const byEp = epRows(analysis);
  const byFramework = frameworkRows(analysis);
  const devices = deviceListRows(analysis);
  const warnings = telemetryWarningLines(analysis);
  const title = `edgebench ${tune ? 'tune' : 'study'} ${s.name} (${s.id})`;
  const tuneBlock = tune
    ? `<h2>Tune result</h2>
<ul class="tune">
${tuneSummaryLines(tune)
  .map((l) => `<li>${escapeHtml(l)}</li>`)
  .join('\n')}
</ul>
<ul class="averages">
${raceLines(tune)
  .map((l) => `<li>${escapeHtml(l)}</li>`)
  .join('\n')}
</ul>
${tune.notes.map((n) => `<p class="note">Note — ${escapeHtml(n)}</p>`).join('\n')}
<h2>Leaderboard</h2>
<p class="note">Every candidate: built, rejected by the budget, eliminated in a round, or a finalist. cost = the objective's statistic; cost / leader: the ${Math.round(tune.settings.eliminationConfidence * 100)}% CI that eliminated a candidate, or the ${Math.round(tune.settings.confidence * 100)}% CI at the end for finalists (bootstrap over the rounds both ran, paired).</p>
${htmlTable(leaderboardRows(tune), 'leaderboard')}`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(`${tune ? 'Tune' : 'Study'} ${s.name}`)}</h1>
<p class="meta">${escapeHtml(`${s.id} · ${s.status} · ${s.source} · created ${s.createdAt}${s.finishedAt ? ` · finished ${s.finishedAt}` : ''} · edgebench ${s.edgebenchVersion}`)}</p>
${tuneBlock}
<h2>${tune ? 'Every candidate against the baseline' : 'Results'}</h2>
${analysis.comparisons.length > 0 ? htmlTable(comparisonRows(analysis), 'results') : '<p>No optimized variant was planned.</p>'}
<ul class="averages">
${(tune ? [] : averageLines(analysis)).map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}
</ul>
${(tune ? [] : roundCautionLines(analysis))
  .map((n) => `<p class="caution">Caution — ${escapeHtml(n)}</p>`)
  .join('\n')}
${notes.map((n) => `<p class="note">Note — ${escapeHtml(n)}</p>`).join('\n')}
${byDevice.length > 0 ? `<h2>By device</h2>\n<p class="note">The same model on each device class, side by side (speedup: over the same device's baseline).</p>\n${htmlTable(byDevice, 'devices')}` : ''}
${
  byFramework.length > 0
    ? `<h2>Against the framework baseline</h2>\n<p class="note">${escapeHtml(FRAMEWORK_SENTENCE)}</p>\n${htmlTable(byFramework, 'framework')}\n<ul class="averages">${frameworkAverageLines(
        analysis,
      )
        .map((l) => `<li>${escapeHtml(l)}</li>`)
        .join('')}</ul>${frameworkNoteLines(analysis)
        .map((n) => `<p class="note">Note — ${escapeHtml(n)}</p>`)
        .join('')}`
    : ''
}
${byEp.length > 0 ? `<h2>By execution provider</h2>\n<p class="note">${escapeHtml(EP_SENTENCE)}</p>\n${htmlTable(byEp, 'eps')}` : ''}
${chartBlocks.join('\n')}
<h2>Variants</h2>
${htmlTable(variantRows(analysis), 'variants')}
${warnings.length > 0 ? `<h2>Telemetry warnings</h2>\n<ul class="telemetry-warnings">\n${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('\n')}\n</ul>` : ''}
${devices.length > 0 ? `<h2>Devices</h2>\n${htmlTable(devices, 'device-list')}` : `<h2>Environment</h2>\n${htmlTable(environmentRows(analysis), 'environment')}`}
<h2>Definitions</h2>
<dl>
${DEFINITIONS.map(([term, text]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(text)}</dd>`).join('\n')}
<dt>bootstrap</dt><dd>${escapeHtml(`${analysis.bootstrap.resamples} resamples, ${Math.round(analysis.bootstrap.confidence * 100)}% interval, seed ${analysis.bootstrap.seed}`)}</dd>
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
