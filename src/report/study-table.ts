/** The terminal view of a study: the table in the study's shape, the averages, and failures. Pure. */
import type { StudyAnalysis } from '../study/compare.js';
import { table } from './format.js';
import {
  averageLines,
  comparisonRows,
  deviceRows,
  epRows,
  failureLines,
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

export function formatStudyTable(analysis: StudyAnalysis): string {
  const s = analysis.study;
  const lines: string[] = [];
  lines.push(`${analysis.tune ? 'tune' : 'study'} ${s.id}  ${s.name}  (${s.status}, ${s.source})`);
  lines.push('');
  if (analysis.tune) {
    const tune = analysis.tune;
    lines.push(...tuneSummaryLines(tune), '', ...raceLines(tune), '');
    const board = leaderboardRows(tune);
    lines.push('leaderboard:', table(board, { alignLeft: leftColumns(board[0]) }), '');
    for (const n of tune.notes) lines.push(`note: ${n}`);
    lines.push('', 'every candidate against the baseline:');
  }
  if (analysis.comparisons.length === 0) lines.push('no comparisons (no optimized variant was planned)');
  else {
    const rows = comparisonRows(analysis);
    lines.push(table(rows, { alignLeft: leftColumns(rows[0]) }));
  }
  const byDevice = deviceRows(analysis);
  if (byDevice.length > 0) {
    lines.push('');
    lines.push("by device (the same model on each device class; speedup over that device's baseline):");
    lines.push(table(byDevice, { alignLeft: leftColumns(byDevice[0]) }));
  }
  const byEp = epRows(analysis);
  if (byEp.length > 0) {
    lines.push('');
    lines.push('by execution provider (the same variant on each EP; speedup over the reference EP):');
    lines.push(table(byEp, { alignLeft: leftColumns(byEp[0]) }));
  }
  const byFramework = frameworkRows(analysis);
  if (byFramework.length > 0) {
    lines.push('');
    lines.push(
      'against the framework baseline (PyTorch eager; not interleaved with the onnxruntime groups):',
    );
    lines.push(table(byFramework, { alignLeft: leftColumns(byFramework[0]) }));
    for (const line of frameworkAverageLines(analysis)) lines.push(line);
    for (const note of frameworkNoteLines(analysis)) lines.push(`note: ${note}`);
  }
  // A tune is one model: its race notes say what the averages and round cautions would.
  const averages = analysis.tune ? [] : averageLines(analysis);
  if (averages.length > 0) {
    lines.push('');
    for (const line of averages) lines.push(line);
  }
  const spread = analysis.tune ? [] : roundCautionLines(analysis);
  if (spread.length > 0) {
    lines.push('');
    for (const n of spread) lines.push(`caution: ${n}`);
  }
  const notes = [...isaLines(analysis), ...recipeNotes(analysis), ...peakNotes(analysis)];
  if (notes.length > 0) {
    lines.push('');
    for (const n of notes) lines.push(`note: ${n}`);
  }
  const failures = failureLines(analysis);
  if (failures.length > 0) {
    lines.push('');
    lines.push(...failures);
  }
  lines.push('');
  lines.push(
    `speedup = baseline median / optimized median; % speed improvement = (speedup − 1) × 100 in FPS terms; CI: ${Math.round(analysis.bootstrap.confidence * 100)}% bootstrap, ${analysis.bootstrap.resamples} resamples`,
  );
  return `${lines.join('\n')}\n`;
}

/** `show`: the study table plus per-variant details, telemetry warnings and where the study stands. */
export function formatStudyDetails(analysis: StudyAnalysis): string {
  const rows = variantRows(analysis);
  const spec = analysis.study.spec as { rounds?: number } | null;
  const warnings = telemetryWarningLines(analysis);
  const warningText =
    warnings.length > 0
      ? `\ntelemetry warnings (throttling and drift seen during the measurements):\n${warnings.map((w) => `  ${w}`).join('\n')}\n`
      : '';
  return `${formatStudyTable(analysis)}\nvariants (${spec?.rounds ?? '?'} rounds planned):\n${table(rows, { alignLeft: leftColumns(rows[0]) })}\n${warningText}`;
}
