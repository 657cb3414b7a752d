/** The terminal view of `edgebench diff`. Pure. */
import type { StudyDiff } from '../study/diff.js';
import { ms, table } from './format.js';
import { signedPct } from './study-text.js';

export function formatDiff(diff: StudyDiff): string {
  const rows = [
    ['variant', 'A median ms', 'B median ms', 'change', '95% CI', 'verdict', ''],
    ...diff.rows.map((r) => [
      r.key,
      ms(r.aMedianMs),
      ms(r.bMedianMs),
      signedPct(r.changePct),
      r.changeCiPct ? `${signedPct(r.changeCiPct[0])} – ${signedPct(r.changeCiPct[1])}` : '—',
      r.status === 'both'
        ? (r.verdict ?? '—')
        : r.status === 'failed'
          ? r.bMedianMs === null && r.aMedianMs !== null
            ? 'failed in B'
            : r.aMedianMs === null && r.bMedianMs !== null
              ? 'failed in A'
              : 'failed in A and B'
          : `only in ${r.status === 'only-a' ? 'A' : 'B'}`,
      r.regression ? 'REGRESSION' : '',
    ]),
  ];
  const lines = [
    `A ${diff.a} → B ${diff.b}; change = median_B / median_A − 1 (positive: B is slower)`,
    '',
    table(rows, { alignLeft: [5, 6] }),
  ];
  if (diff.thresholdPct !== null)
    lines.push(
      '',
      diff.regressions.length > 0
        ? `${diff.regressions.length} regression(s): significantly slower by more than ${diff.thresholdPct}%, or failed in B`
        : `no variant is significantly slower by more than ${diff.thresholdPct}%`,
    );
  return `${lines.join('\n')}\n`;
}
