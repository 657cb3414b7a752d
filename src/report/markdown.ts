/** The Markdown report of a study: the study's table, averages, per-variant details, definitions. Pure. */
import type { StudyAnalysis } from '../study/compare.js';
import { bytes } from './format.js';
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
import { leaderboardRows, raceLines, tuneSummaryLines } from './tune-text.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const left = new Set(leftColumns(rows[0]));
  const head = `| ${rows[0].map(escapeCell).join(' | ')} |`;
  const rule = `| ${rows[0].map((_, i) => (left.has(i) ? '---' : '---:')).join(' | ')} |`;
  const body = rows.slice(1).map((r) => `| ${r.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

export function renderMarkdown(analysis: StudyAnalysis): string {
  const s = analysis.study;
  const out: string[] = [];
  out.push(`# ${analysis.tune ? 'Tune' : 'Study'} ${s.name} (${s.id})`);
  out.push('');
  out.push(
    `Status: ${s.status}. Source: ${s.source}. Created ${s.createdAt}${s.finishedAt ? `, finished ${s.finishedAt}` : ''}. edgebench ${s.edgebenchVersion}.`,
  );
  out.push('');
  const tune = analysis.tune;
  if (tune) {
    out.push('## Tune result', '');
    for (const line of tuneSummaryLines(tune))
      out.push(line.startsWith('  ') ? `  - ${line.trim()}` : `- ${line}`);
    out.push('');
    for (const line of raceLines(tune)) out.push(`- ${line}`);
    for (const n of tune.notes) out.push('', `> Note — ${n}`);
    out.push('', '## Leaderboard', '', markdownTable(leaderboardRows(tune)), '');
  }
  out.push(tune ? '## Every candidate against the baseline' : '## Results');
  out.push('');
  out.push(
    analysis.comparisons.length > 0
      ? markdownTable(comparisonRows(analysis))
      : 'No optimized variant was planned.',
  );
  out.push('');
  for (const line of tune ? [] : averageLines(analysis)) out.push(`- ${line}`);
  const spread = tune ? [] : roundCautionLines(analysis);
  if (spread.length > 0) {
    out.push('');
    for (const n of spread) out.push(`> Caution — ${n}`);
  }
  const notes = [...isaLines(analysis), ...recipeNotes(analysis), ...peakNotes(analysis)];
  if (notes.length > 0) {
    out.push('');
    for (const n of notes) out.push(`> Note — ${n}`);
  }
  /** A side-by-side table with its heading and what it compares; nothing when it has no rows. */
  const section = (title: string, sentence: string, rows: string[][], after: string[] = []) => {
    if (rows.length === 0) return;
    out.push('', `## ${title}`, '', sentence, '', markdownTable(rows));
    if (after.length > 0) out.push('', ...after.map((line) => `- ${line}`));
  };
  section(
    'By device',
    "The same model on each device class, side by side (speedup: over the same device's baseline).",
    deviceRows(analysis),
  );
  section('Against the framework baseline', FRAMEWORK_SENTENCE, frameworkRows(analysis), [
    ...frameworkAverageLines(analysis),
    ...frameworkNoteLines(analysis).map((n) => `Note — ${n}`),
  ]);
  section('By execution provider', EP_SENTENCE, epRows(analysis));
  out.push('');
  out.push('## Variants');
  out.push('');
  out.push(markdownTable(variantRows(analysis)));
  out.push('');
  const warnings = telemetryWarningLines(analysis);
  if (warnings.length > 0) {
    out.push('## Telemetry warnings');
    out.push('');
    out.push(
      'Throttling and drift seen during the measurements (see the latency-over-time chart of the HTML report).',
    );
    out.push('');
    for (const w of warnings) out.push(`- ${w}`);
    out.push('');
  }
  const devices = deviceListRows(analysis);
  if (devices.length > 0) {
    out.push('## Devices');
    out.push('');
    out.push(markdownTable(devices));
  } else {
    out.push('## Environment');
    out.push('');
    out.push(markdownTable(environmentRows(analysis)));
  }
  out.push('');
  out.push('## Definitions');
  out.push('');
  for (const [term, text] of DEFINITIONS) out.push(`- **${term}**: ${text}`);
  out.push(
    `- Bootstrap: ${analysis.bootstrap.resamples} resamples, ${Math.round(analysis.bootstrap.confidence * 100)}% interval, seed ${analysis.bootstrap.seed}.`,
  );
  return `${out.join('\n')}\n`;
}

/** The environment as (item, value) rows, from what the study stored. */
export function environmentRows(analysis: StudyAnalysis): string[][] {
  const env = analysis.environment;
  const rows: string[][] = [['item', 'value']];
  if (!env) return [...rows, ['environment', 'not recorded']];
  const host = env.host as {
    os?: { platform?: string; release?: string; distro?: string };
    hostname?: string;
    cpu?: {
      model?: string;
      logicalCores?: number;
      physicalCores?: number;
      features?: string[];
      governor?: string;
    };
    memoryBytes?: number;
    gpus?: Array<{ vendor?: string; name?: string }>;
    jetson?: { model?: string; release?: string; powerMode?: string };
    node?: string;
  };
  if (host.os)
    rows.push(['os', `${host.os.distro ?? host.os.platform ?? '?'} (kernel ${host.os.release ?? '?'})`]);
  if (host.cpu) {
    rows.push(['cpu', host.cpu.model ?? '?']);
    rows.push([
      'cores',
      `${host.cpu.logicalCores ?? '?'} logical${host.cpu.physicalCores ? `, ${host.cpu.physicalCores} physical` : ''}`,
    ]);
    if (host.cpu.features?.length) rows.push(['isa features', host.cpu.features.join(' ')]);
    rows.push(['cpu governor', host.cpu.governor ?? 'unknown']);
  }
  if (host.memoryBytes !== undefined) rows.push(['memory', bytes(host.memoryBytes)]);
  rows.push([
    'gpus',
    host.gpus && host.gpus.length > 0
      ? host.gpus.map((g) => `${g.vendor ?? ''} ${g.name ?? ''}`.trim()).join('; ')
      : 'none found',
  ]);
  if (host.jetson)
    rows.push([
      'jetson',
      `${host.jetson.model ?? 'Jetson'}; ${host.jetson.release ?? ''}; power mode ${host.jetson.powerMode ?? 'unknown'}`,
    ]);
  rows.push(['node', host.node ?? String(env.extra.node ?? '?')]);
  rows.push(['onnxruntime-node', env.onnxruntime]);
  rows.push(['edgebench', env.edgebench]);
  rows.push(['captured', env.capturedAt]);
  return rows;
}
