/**
 * `edgebench diff RUN_A RUN_B`: per-variant latency change from A to B with its CI. With
 * `--fail-on-regression PCT`, exits 1 when any variant is significantly slower by more than PCT %.
 */
import type { Command } from 'commander';
import { jsonDocument } from '../report/documents.js';
import { numberFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';

export function register(command: Command): void {
  jsonOption(command, 'the comparison')
    .argument('<run-a>', 'the reference study (id, prefix, or "latest")')
    .argument('<run-b>', 'the study to check')
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .option(
      '--fail-on-regression <pct>',
      'exit 1 if a variant is significantly slower by more than PCT %',
      numberFlag('--fail-on-regression'),
    )
    .action(
      async (
        runA: string,
        runB: string,
        flags: { store?: string; failOnRegression?: number; json?: JsonFlag },
      ) => {
        const [{ formatDiff }, { openExistingStore }, { checkGateable, diffStudies }] = await Promise.all([
          import('../report/diff-table.js'),
          import('../store/index.js'),
          import('../study/diff.js'),
        ]);
        const store = await openExistingStore(flags.store);
        try {
          const a = await store.findStudy(runA);
          const b = await store.findStudy(runB);
          const diff = diffStudies(await store.loadStudy(a.id), await store.loadStudy(b.id), {
            ...(flags.failOnRegression !== undefined ? { failOnRegressionPct: flags.failOnRegression } : {}),
          });
          checkGateable(diff);
          await printResult(flags.json, jsonDocument('study-diff', diff), () => formatDiff(diff));
          if (diff.regressions.length > 0) {
            process.stderr.write(
              `edgebench: ${diff.regressions.length} variant(s) regressed by more than ${diff.thresholdPct}% or failed in B: ${diff.regressions.map((r) => r.key).join(', ')}\n`,
            );
            process.exitCode = 1;
          }
        } finally {
          await store.close();
        }
      },
    );
}
