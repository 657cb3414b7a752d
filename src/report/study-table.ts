/** The terminal view of a study: its sections (study-sections.ts) as plain text, in the terminal's order. Pure. */
import type { StudyAnalysis } from '../study/compare.js';
import { table } from './format.js';
import {
  findSection,
  findSections,
  type SectionTable,
  type StudyReportModel,
  type StudySection,
  studySections,
} from './study-sections.js';

function textTable(t: SectionTable): string {
  const alignLeft = t.align.flatMap((a, i) => (a === 'left' ? [i] : []));
  return table([t.columns, ...t.rows], { alignLeft });
}

/** The study table, averages, cautions, notes and failures of one model. */
function studyTableText(model: StudyReportModel): string {
  const h = model.header;
  const lines = (id: StudySection['id']) => findSection(model, id, 'lines')?.lines ?? [];
  const out: string[] = [];
  out.push(`${model.kind} ${h.id}  ${h.name}  (${h.status}, ${h.source})`);
  out.push('');
  const board = findSection(model, 'leaderboard', 'table');
  if (board) {
    out.push(...lines('tune-summary'), '', ...lines('tune-race'), '');
    out.push(board.caption, textTable(board), '');
    for (const n of lines('tune-notes')) out.push(`note: ${n}`);
    out.push('', 'every candidate against the baseline:');
  }
  const results = findSections(model, 'results', 'table');
  if (results.length === 0) out.push(findSection(model, 'results', 'empty')?.short ?? '');
  else if (results.length === 1) out.push(textTable(results[0]));
  // One table per target, each under the device it names.
  else out.push(results.map((t) => `${t.caption}\n${textTable(t)}`).join('\n\n'));
  for (const id of ['by-device', 'by-ep', 'framework'] as const) {
    const side = findSection(model, id, 'table');
    if (!side) continue;
    out.push('', side.caption, textTable(side));
    for (const line of side.lines) out.push(line);
    for (const note of side.notes) out.push(`note: ${note}`);
  }
  const block = (id: StudySection['id'], prefix: string) => {
    const content = lines(id);
    if (content.length > 0) out.push('', ...content.map((l) => `${prefix}${l}`));
  };
  block('averages', '');
  block('cautions', 'caution: ');
  block('notes', 'note: ');
  block('failures', '');
  out.push('');
  out.push(
    `speedup = baseline median / optimized median; % speed improvement = (speedup − 1) × 100 in FPS terms; CI: ${h.confidencePct}% bootstrap, ${h.resamples} resamples`,
  );
  return `${out.join('\n')}\n`;
}

export function formatStudyTable(analysis: StudyAnalysis): string {
  return studyTableText(studySections(analysis));
}

/** `show`: the study table plus per-variant details, telemetry warnings and where the study stands. */
export function formatStudyDetails(analysis: StudyAnalysis): string {
  const model = studySections(analysis);
  const variants = findSection(model, 'variants', 'table')!;
  const warnings = findSection(model, 'telemetry-warnings', 'lines');
  const warningText = warnings
    ? `\n${warnings.caption}\n${warnings.lines.map((w) => `  ${w}`).join('\n')}\n`
    : '';
  return `${studyTableText(model)}\n${variants.caption}\n${textTable(variants)}\n${warningText}`;
}
