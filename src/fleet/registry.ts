/**
 * The fleet's state in Redis besides BullMQ's own queues:
 *
 * - `edgebench:fleet:queues` (hash): every job queue a submitter has used, with its requirements,
 *   so agents discover the queues they can serve without scanning Redis;
 * - `edgebench:fleet:agent:<id>` (string with a TTL): each agent's heartbeat — its capabilities,
 *   the queues it serves and the jobs it is measuring. The key expires a few heartbeats after an
 *   agent stops beating (killed, cut off), so the list of agents is the list of live ones.
 *
 * Everything read back is parsed defensively: a bad entry is skipped, never trusted.
 */
import { RedisConnection, type RedisOptions } from 'bullmq';
import type { AgentCapabilities } from './capabilities.js';
import { parseQueueName, type QueueRequirements } from './devices.js';

export const QUEUE_REGISTRY_KEY = 'edgebench:fleet:queues';
export const AGENT_KEY_PREFIX = 'edgebench:fleet:agent:';
export const DEFAULT_HEARTBEAT_MS = 5000;
/** A heartbeat lives this many intervals: an agent missing that many is gone. */
export const HEARTBEAT_TTL_INTERVALS = 3;

export interface RegisteredQueue extends QueueRequirements {
  name: string;
}

export interface ActiveJob {
  id: string;
  queue: string;
  studyId: string;
  variantKey: string;
  round: number;
  since: string;
}

export interface AgentHeartbeat {
  capabilities: AgentCapabilities;
  state: 'running' | 'stopping';
  queues: string[];
  activeJobs: ActiveJob[];
  /** Measurements this agent stored since it started. */
  stored: number;
  lastHeartbeat: string;
  heartbeatMs: number;
}

type Client = Awaited<RedisConnection['client']>;

export class FleetRegistry {
  private readonly connection: RedisConnection;

  constructor(options: RedisOptions, onError: (error: Error) => void) {
    this.connection = new RedisConnection(options, { blocking: false, skipWaitingForReady: true });
    this.connection.on('error', onError);
  }

  private client(): Promise<Client> {
    return this.connection.client;
  }

  async registerQueue(queue: RegisteredQueue): Promise<void> {
    const client = await this.client();
    await client.hset(QUEUE_REGISTRY_KEY, {
      [queue.name]: JSON.stringify({
        ep: queue.ep,
        tags: queue.tags,
        registeredAt: new Date().toISOString(),
      }),
    });
  }

  /** The registered queues whose names are ours (requirements read from the name, not the value). */
  async queues(): Promise<RegisteredQueue[]> {
    const client = await this.client();
    const entries = await client.hgetall(QUEUE_REGISTRY_KEY);
    const out: RegisteredQueue[] = [];
    for (const name of Object.keys(entries ?? {}).sort()) {
      const requirements = parseQueueName(name);
      if (requirements) out.push({ name, ...requirements });
    }
    return out;
  }

  async heartbeat(beat: AgentHeartbeat): Promise<void> {
    const client = await this.client();
    await client.set(`${AGENT_KEY_PREFIX}${beat.capabilities.agent}`, JSON.stringify(beat), {
      PX: Math.max(2000, beat.heartbeatMs * HEARTBEAT_TTL_INTERVALS),
    });
  }

  async removeAgent(agent: string): Promise<void> {
    const client = await this.client();
    await client.del(`${AGENT_KEY_PREFIX}${agent}`);
  }

  /** The live agents (their heartbeats have not expired), by id. */
  async agents(): Promise<AgentHeartbeat[]> {
    const client = await this.client();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, { MATCH: `${AGENT_KEY_PREFIX}*`, COUNT: 200 });
      keys.push(...batch);
      cursor = String(next);
    } while (cursor !== '0' && keys.length < 100_000);
    const beats: AgentHeartbeat[] = [];
    for (const key of [...new Set(keys)].sort()) {
      const text = await client.get(key);
      if (!text) continue;
      try {
        const beat = JSON.parse(text) as AgentHeartbeat;
        if (beat?.capabilities?.agent && Array.isArray(beat.queues)) beats.push(beat);
      } catch {
        // A key that is not a heartbeat of ours: skipped.
      }
    }
    return beats;
  }

  /**
   * Closes the connection: politely (QUIT, waiting for the replies in flight), or with `force` at once
   * (a disconnect), which never waits on a Redis that went away.
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    await this.connection.close(options.force === true);
  }
}
