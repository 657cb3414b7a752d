/** `edgebench show RUN`: one stored study, in the study's shape, with per-variant details. */
import type { Command } from 'commander';
import { jsonDocument } from '../report/documents.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';

export function register(command: Command): void {
  jsonOption(command, 'the study report (every sample included)')
    .argument('<run>', 'study id, a unique prefix of it, or "latest"')
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .action(async (run: string, flags: { store?: string; json?: JsonFlag }) => {
      const [{ studyReportObject }, { formatStudyDetails }, { openExistingStore }, { analyzeStudy }] =
        await Promise.all([
          import('../report/json.js'),
          import('../report/study-table.js'),
          import('../store/index.js'),
          import('../study/compare.js'),
        ]);
      const store = await openExistingStore(flags.store);
      try {
        const study = await store.findStudy(run);
        const analysis = analyzeStudy(await store.loadStudy(study.id));
        await printResult(flags.json, jsonDocument('study-report', studyReportObject(analysis)), () =>
          formatStudyDetails(analysis),
        );
      } finally {
        await store.close();
      }
    });
}
