/** One entry point for the study reports: a format name → the renderer. */
import type { StudyAnalysis } from '../study/compare.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { loadVegaAssets } from './vega-assets.js';

export const REPORT_FORMATS = ['md', 'csv', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  md: 'report.md',
  csv: 'report.csv',
  json: 'report.json',
  html: 'report.html',
};

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
