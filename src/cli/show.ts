/** `edgebench show RUN`: one stored study, in the study's shape, with per-variant details. */
import type { Command } from 'commander';
import { renderJson } from '../report/json.js';
import { formatStudyDetails } from '../report/study-table.js';
import { openExistingStore } from '../store/index.js';
import { analyzeStudy } from '../study/compare.js';

export function register(program: Command): void {
  program
    .command('show')
    .description('show a stored study: the results table, averages, variants, failures')
    .argument('<run>', 'study id, a unique prefix of it, or "latest"')
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .option('--json', 'print the JSON report (every sample included)')
    .action(async (run: string, flags: { store?: string; json?: boolean }) => {
      const store = await openExistingStore(flags.store);
      try {
        const study = await store.findStudy(run);
        const analysis = analyzeStudy(await store.loadStudy(study.id));
        process.stdout.write(flags.json ? renderJson(analysis) : formatStudyDetails(analysis));
      } finally {
        await store.close();
      }
    });
}
