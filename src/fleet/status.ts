/**
 * Where a fleet stands: the live agents (last heartbeat, capabilities, what they measure now), every
 * registered queue with its job counts and the agents that serve it, and — given the store — the
 * progress of the recent fleet studies.
 */
import { Queue } from 'bullmq';
import type { StudyProgress } from '../store/kysely-store.js';
import type { PostgresStudyStore } from '../store/postgres.js';
import type { Redactor } from '../util/redact.js';
import { queueError, redisOptions } from './connection.js';
import { deviceClassName, meetsRequirements } from './devices.js';
import { type AgentHeartbeat, FleetRegistry } from './registry.js';
import { FLEET_SOURCE_PREFIX } from './submit.js';

export interface AgentStatus extends AgentHeartbeat {
  /** Since the last heartbeat, ms. */
  ageMs: number;
}

export interface QueueStatus {
  name: string;
  ep: string;
  device: string;
  counts: { waiting: number; active: number; delayed: number; completed: number; failed: number };
  /** Live agents that serve the queue now. */
  servedBy: string[];
  /** Live agents whose capabilities meet the queue's requirements (they serve it within one discovery). */
  eligible: string[];
}

export interface StudyStatusRow extends StudyProgress {
  name: string;
  createdAt: string;
}

export interface FleetStatus {
  /** The queue's URL, password masked. */
  queue: string;
  store: string | null;
  checkedAt: string;
  agents: AgentStatus[];
  queues: QueueStatus[];
  studies: StudyStatusRow[] | null;
}

export async function fleetStatus(options: {
  queueUrl: string;
  store?: PostgresStudyStore;
  redactor: Redactor;
  /** Recent fleet studies to show (default 10). */
  studies?: number;
  onConnectionError?: (error: Error) => void;
}): Promise<FleetStatus> {
  const connection = { ...redisOptions(options.queueUrl), maxRetriesPerRequest: 3 };
  const onError = (error: Error) => options.onConnectionError?.(options.redactor.error(error));
  const registry = new FleetRegistry(connection, onError);
  const now = Date.now();
  try {
    const agents = (await registry.agents()).map((a) => ({
      ...a,
      ageMs: Math.max(0, now - Date.parse(a.lastHeartbeat)),
    }));
    const queues: QueueStatus[] = [];
    for (const q of await registry.queues()) {
      const queue = new Queue(q.name, { connection });
      queue.on('error', onError);
      try {
        const c = await queue.getJobCounts(
          'waiting',
          'prioritized',
          'active',
          'delayed',
          'completed',
          'failed',
        );
        queues.push({
          name: q.name,
          ep: q.ep,
          device: deviceClassName(q.tags),
          counts: {
            waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
            active: c.active ?? 0,
            delayed: c.delayed ?? 0,
            completed: c.completed ?? 0,
            failed: c.failed ?? 0,
          },
          servedBy: agents.filter((a) => a.queues.includes(q.name)).map((a) => a.capabilities.agent),
          eligible: agents
            .filter((a) => meetsRequirements(q, a.capabilities).ok)
            .map((a) => a.capabilities.agent),
        });
      } finally {
        await queue.close();
      }
    }
    let studies: StudyStatusRow[] | null = null;
    if (options.store) {
      const store = options.store;
      const recent = (await store.listStudies(200))
        .filter((s) => s.source.startsWith(FLEET_SOURCE_PREFIX))
        .slice(0, options.studies ?? 10);
      studies = [];
      for (const s of recent)
        studies.push({ ...(await store.studyProgress(s.id)), name: s.name, createdAt: s.createdAt });
    }
    return {
      queue: options.redactor.text(options.queueUrl),
      store: options.store?.location ?? null,
      checkedAt: new Date(now).toISOString(),
      agents,
      queues,
      studies,
    };
  } catch (error) {
    throw queueError(options.queueUrl, error, options.redactor);
  } finally {
    await registry.close();
  }
}
