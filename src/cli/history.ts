/** `edgebench history`: the studies in the store, newest first. */
import type { Command } from 'commander';
import { intFlag } from './flags.js';

export function register(command: Command): void {
  command
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .option('--limit <n>', 'how many studies (default 50)', intFlag('--limit', 1))
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: { store?: string; limit?: number; json?: boolean }) => {
      const [{ formatHistory }, { openExistingStore }] = await Promise.all([
        import('../report/history-table.js'),
        import('../store/index.js'),
      ]);
      const store = await openExistingStore(flags.store);
      try {
        const studies = await store.listStudies(flags.limit ?? 50);
        process.stdout.write(
          flags.json ? `${JSON.stringify(studies, null, 1)}\n` : formatHistory(studies, store.location),
        );
      } finally {
        await store.close();
      }
    });
}
