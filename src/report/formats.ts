/** The study report formats and their file names (nothing to load: the command line lists them). */

export const REPORT_FORMATS = ['md', 'csv', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  md: 'report.md',
  csv: 'report.csv',
  json: 'report.json',
  html: 'report.html',
};
