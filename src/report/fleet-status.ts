/** The terminal view of `edgebench fleet status`: agents, queues, studies. Pure. */
import type { FleetStatus } from '../fleet/status.js';
import { bytes, table } from './format.js';

function age(msAgo: number): string {
  if (msAgo < 1000) return 'now';
  if (msAgo < 120_000) return `${Math.round(msAgo / 1000)} s ago`;
  return `${Math.round(msAgo / 60_000)} min ago`;
}

export function formatFleetStatus(status: FleetStatus): string {
  const out: string[] = [];
  out.push(
    `queue ${status.queue}${status.store ? `; store ${status.store}` : ''}; checked ${status.checkedAt}`,
  );
  out.push('');
  if (status.agents.length === 0)
    out.push('agents: none alive (start one: edgebench agent --queue … --store …)');
  else {
    out.push(`agents (${status.agents.length} alive):`);
    const rows = [
      [
        'agent',
        'host',
        'tags',
        'EPs',
        'cpu',
        'memory',
        'gpus',
        'telemetry',
        'heartbeat',
        'state',
        'measuring',
      ],
      ...status.agents.map((a) => {
        const c = a.capabilities;
        return [
          c.agent,
          c.hostname,
          c.tags.join(',') || '—',
          c.eps.join(','),
          `${c.cpu.model} (${c.cpu.logicalCores})`,
          c.memoryBytes === null ? '—' : bytes(c.memoryBytes),
          c.gpus.map((g) => `${g.vendor ?? ''} ${g.name ?? ''}`.trim()).join('; ') || '—',
          c.telemetrySources.join(',') || '—',
          age(a.ageMs),
          a.state,
          a.activeJobs.map((j) => `${j.variantKey} r${j.round}`).join('; ') || '—',
        ];
      }),
    ];
    out.push(table(rows, { alignLeft: rows[0].map((_, i) => i) }));
  }
  out.push('');
  if (status.queues.length === 0) out.push('queues: none yet (edgebench fleet submit … adds them)');
  else {
    out.push('queues:');
    const rows = [
      ['queue', 'ep', 'device', 'waiting', 'active', 'delayed', 'completed', 'failed', 'served by'],
      ...status.queues.map((q) => [
        q.name,
        q.ep,
        q.device,
        String(q.counts.waiting),
        String(q.counts.active),
        String(q.counts.delayed),
        String(q.counts.completed),
        String(q.counts.failed),
        q.servedBy.join(', ') || '—',
      ]),
    ];
    out.push(table(rows, { alignLeft: [0, 1, 2, 8] }));
    for (const q of status.queues)
      if (q.counts.waiting + q.counts.delayed > 0 && q.eligible.length === 0)
        out.push(
          `warning: ${q.counts.waiting + q.counts.delayed} job(s) in ${q.name} wait for an agent with EP ${q.ep} and tags ${q.device}; no live agent has them`,
        );
  }
  if (status.studies) {
    out.push('');
    if (status.studies.length === 0) out.push('studies: no fleet study in the store yet');
    else {
      out.push('studies:');
      const rows = [
        ['study', 'name', 'status', 'rounds stored', 'remaining', 'failed variants', 'created'],
        ...status.studies.map((s) => [
          s.studyId,
          s.name,
          s.status,
          `${s.stored}/${s.planned}`,
          String(s.remaining),
          String(s.failedVariants),
          s.createdAt,
        ]),
      ];
      out.push(table(rows, { alignLeft: [0, 1, 2, 6] }));
    }
  }
  return `${out.join('\n')}\n`;
}
