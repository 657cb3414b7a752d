/** `edgebench show RUN`: one stored study, in the study's shape, with per-variant details. */
import type { Command } from 'commander';

export function register(command: Command): void {
  command
    .argument('<run>', 'study id, a unique prefix of it, or "latest"')
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .option('--json', 'print the JSON report (every sample included)')
    .action(async (run: string, flags: { store?: string; json?: boolean }) => {
      const [{ renderJson }, { formatStudyDetails }, { openExistingStore }, { analyzeStudy }] =
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
        process.stdout.write(flags.json ? renderJson(analysis) : formatStudyDetails(analysis));
      } finally {
        await store.close();
      }
    });
}
