/** `edgebench report RUN --format md|csv|json|html [-o PATH]`: a report of a stored study. */
import type { Command } from 'commander';
import { REPORT_FORMATS, type ReportFormat } from '../report/formats.js';
import { choiceFlag } from './flags.js';

export function register(command: Command): void {
  command
    .argument('<run>', 'study id, a unique prefix of it, or "latest"')
    .option('--format <format>', REPORT_FORMATS.join('|'), choiceFlag('--format', REPORT_FORMATS), 'md')
    .option('-o, --output <path>', 'write to PATH instead of stdout')
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .action(async (run: string, flags: { format: ReportFormat; output?: string; store?: string }) => {
      const [{ renderStudyReport, writeReportFile }, { openExistingStore }, { analyzeStudy }] =
        await Promise.all([
          import('../report/study-report.js'),
          import('../store/index.js'),
          import('../study/compare.js'),
        ]);
      const store = await openExistingStore(flags.store);
      try {
        const study = await store.findStudy(run);
        const text = await renderStudyReport(analyzeStudy(await store.loadStudy(study.id)), flags.format);
        if (flags.output && flags.output !== '-') {
          await writeReportFile(flags.output, text);
          process.stderr.write(`${flags.format} report of study ${study.id} written to ${flags.output}\n`);
        } else process.stdout.write(text);
      } finally {
        await store.close();
      }
    });
}
