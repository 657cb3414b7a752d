/** The terminal view of `edgebench history`. Pure. */
import type { StudySummary } from '../store/types.js';
import { table } from './format.js';

export function formatHistory(studies: readonly StudySummary[], storeLocation: string): string {
  if (studies.length === 0)
    return `no studies in ${storeLocation} yet; run \`edgebench study --preset quick\`\n`;
  const rows = [
    ['id', 'name', 'status', 'created', 'variants', 'failed', 'measurements', 'source'],
    ...studies.map((s) => [
      s.id,
      s.name,
      s.status,
      s.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      String(s.variants),
      String(s.failedVariants),
      String(s.measurements),
      s.source,
    ]),
  ];
  return `${table(rows, { alignLeft: [1, 2, 3, 7] })}\n${studies.length} stud${studies.length === 1 ? 'y' : 'ies'} in ${storeLocation}\n`;
}
