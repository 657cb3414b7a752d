/** The terminal view of a scenario result (LoadGen style): metric, VALID/INVALID and why. Pure. */
import type { ScenarioResult } from '../measure/scenarios/summary.js';
import { ms, table } from './format.js';

export function formatScenario(s: ScenarioResult): string {
  const lines: string[] = [];
  const metric =
    s.metric.value === null
      ? '—'
      : s.metric.unit === 'ms'
        ? `${ms(s.metric.value)} ms`
        : `${s.metric.value.toFixed(1)} ${s.metric.unit}`;
  lines.push(`scenario ${s.scenario}: ${s.metric.name} ${metric}   Result is ${s.result}`);
  const rows: string[][] = [['scenario', 'value']];
  rows.push(['queries', String(s.queries)]);
  rows.push([
    'samples (per query)',
    `${s.samples} (${s.samplesPerQuery}${s.runsPerQuery > 1 ? `, ${s.runsPerQuery} runs` : ''})`,
  ]);
  rows.push(['duration ms', ms(s.durationMs, 1)]);
  if (s.scenario === 'server') {
    rows.push(['target queries/s', String(s.settings.targetQps)]);
    rows.push(['scheduled queries/s', s.scheduledQps?.toFixed(2) ?? '—']);
    rows.push(['completed queries/s', s.completedQps?.toFixed(2) ?? '—']);
    rows.push(['latency bound ms', ms(s.settings.latencyBoundMs)]);
  }
  rows.push(['samples/s', s.samplesPerSec.toFixed(1)]);
  if (s.scenario !== 'offline') {
    const q = s.queryLatency;
    rows.push([`p${s.settings.latencyPercentile} query latency ms`, ms(s.percentileLatencyMs)]);
    rows.push(['median / p99 / max ms', `${ms(q.medianMs)} / ${ms(q.p99Ms)} / ${ms(q.maxMs)}`]);
  }
  if (s.earlyStopping?.estimateMs !== undefined && s.earlyStopping.estimateMs !== null)
    rows.push([
      `early-stopping p${s.earlyStopping.percentile} (${s.earlyStopping.confidence * 100}%)`,
      `${ms(s.earlyStopping.estimateMs)} ms`,
    ]);
  lines.push(table(rows));
  lines.push(
    table([['check', 'ok', 'detail'], ...s.checks.map((c) => [c.name, c.passed ? 'yes' : 'NO', c.detail])], {
      alignLeft: [1, 2],
    }),
  );
  return lines.join('\n');
}
