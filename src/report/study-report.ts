/** One entry point for the study reports: a format name → the renderer, and the files they go to. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StudyAnalysis } from '../study/compare.js';
import { renderCsv } from './csv.js';
import { REPORT_FILE_NAMES, REPORT_FORMATS, type ReportFormat } from './formats.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { loadVegaAssets } from './vega-assets.js';

export { REPORT_FILE_NAMES, REPORT_FORMATS, type ReportFormat } from './formats.js';

/** Renders one format (html reads the Vega builds from node_modules first). */
export async function renderStudyReport(analysis: StudyAnalysis, format: ReportFormat): Promise<string> {
  switch (format) {
    case 'md':
      return renderMarkdown(analysis);
    case 'csv':
      return renderCsv(analysis);
    case 'json':
      return renderJson(analysis);
    case 'html':
      return renderHtml(analysis, await loadVegaAssets());
  }
}

/** Every format into `outDir` (made when missing), as report.md, report.csv, …: the files written. */
export async function writeStudyReports(analysis: StudyAnalysis, outDir: string): Promise<string[]> {
  const dir = path.resolve(outDir);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const format of REPORT_FORMATS) {
    const file = path.join(dir, REPORT_FILE_NAMES[format]);
    await writeFile(file, await renderStudyReport(analysis, format));
    written.push(file);
  }
  return written;
}

/** One rendered report into `file`, its folder made when missing. */
export async function writeReportFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, text);
}
