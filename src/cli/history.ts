/** `edgebench history`: the studies in the store, newest first. */
import type { Command } from 'commander';
import { jsonDocument } from '../report/documents.js';
import { intFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';

export function register(command: Command): void {
  jsonOption(command, 'the studies')
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .option('--limit <n>', 'how many studies (default 50)', intFlag('--limit', 1))
    .action(async (flags: { store?: string; limit?: number; json?: JsonFlag }) => {
      const [{ formatHistory }, { openExistingStore }] = await Promise.all([
        import('../report/history-table.js'),
        import('../store/index.js'),
      ]);
      const store = await openExistingStore(flags.store);
      try {
        const studies = await store.listStudies(flags.limit ?? 50);
        await printResult(flags.json, jsonDocument('history', { studies }), () =>
          formatHistory(studies, store.location),
        );
      } finally {
        await store.close();
      }
    });
}
