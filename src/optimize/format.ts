/** Plain-text renderings of optimize and fidelity reports (pure: they return strings). */
import type { FidelityReport, OutputFidelity } from './fidelity.js';
import type { OptimizeReport } from './optimize.js';

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** `nanMeans`: what a NaN stands for here ('n/a' for an undefined figure, 'NaN' for NaN outputs). */
function num(x: number | undefined, digits = 4, nanMeans: 'NaN' | 'n/a' = 'NaN'): string {
  if (x === undefined) return '—';
  if (Number.isNaN(x)) return nanMeans;
  if (x === Infinity) return '∞';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(2);
  return x.toFixed(digits);
}

function pct(x: number | undefined): string {
  return x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
}

/** With finite errors, a NaN cosine or SNR is undefined (an all-zero output), not a NaN output. */
function nanMeaning(o: OutputFidelity): 'NaN' | 'n/a' {
  return Number.isNaN(o.maxAbsError) ? 'NaN' : 'n/a';
}

export function formatFidelity(report: FidelityReport): string {
  const lines = [`fidelity over ${report.inputs}${report.against ? `, against ${report.against}` : ''}:`];
  const header = ['output', 'max |err|', 'mean |err|', 'cosine', 'SNR dB', 'top-1', 'top-5'];
  const rows = report.outputs.map((o) => [
    o.name,
    num(o.maxAbsError),
    num(o.meanAbsError),
    num(o.cosine, 6, nanMeaning(o)),
    num(o.snrDb, 1, nanMeaning(o)),
    pct(o.top1Agreement),
    pct(o.top5Agreement),
  ]);
  lines.push(...table([header, ...rows]));
  if (
    report.outputs.some((o) => nanMeaning(o) === 'n/a' && (Number.isNaN(o.cosine) || Number.isNaN(o.snrDb)))
  )
    lines.push(
      '  n/a: undefined because an output is all zeros (cosine: on one side only; SNR: in the base model); read max |err|',
    );
  if (report.accuracy) {
    const a = report.accuracy;
    const sign = a.deltaPoints >= 0 ? '+' : '';
    lines.push(
      `accuracy on ${a.samples} labelled images (${a.classes} classes): base ${pct(a.base)}, optimized ${pct(a.optimized)} (${sign}${a.deltaPoints.toFixed(1)} points)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function formatOptimizeReport(report: OptimizeReport): string {
  const lines = [`${report.input} → ${report.output} (${report.recipes.join(', ')})`];
  for (const step of report.steps)
    lines.push(`  ${step.recipe}: ${step.summary} [${(step.ms / 1000).toFixed(1)} s]`);
  lines.push(
    `  size ${formatBytes(report.before.bytes)} → ${formatBytes(report.after.bytes)}, nodes ${report.before.nodes} → ${report.after.nodes}`,
  );
  for (const note of report.notes) lines.push(`  note: ${note}`);
  let text = `${lines.join('\n')}\n`;
  if (report.fidelity) text += formatFidelity(report.fidelity);
  return text;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map(
    (r) =>
      `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`,
  );
}

/** JSON with Infinity written as the string "Infinity" (JSON has no such number); NaN becomes null. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, infinityAsText, indent);
}

/** A JSON replacer: an infinite SNR (identical outputs) stays readable as "Infinity". */
export function infinityAsText(_key: string, value: unknown): unknown {
  return value === Infinity ? 'Infinity' : value;
}
