/** One entry point for the study reports: a format name → the renderer. */
import type { StudyAnalysis } from '../study/compare.js';
import { renderCsv } from './csv.js';
import type { ReportFormat } from './formats.js';
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
