/**
 * The fleet agent: runs on each device, takes the jobs it can run, measures them with the same
 * worker process as a local study, and writes the results straight into the fleet's PostgreSQL store.
 *
 * - Capabilities: described once at start (`describeEnvironment`: working EPs, engines, CPU, GPUs,
 *   telemetry sources) and announced with every heartbeat (a Redis key with a TTL).
 * - Routing: every few seconds the agent reads the registry of queues and starts a BullMQ worker for
 *   each queue whose requirements (EP, device-class tags) it meets; it never sees other jobs. A job
 *   whose requirements it somehow does not meet is handed back (delayed), never run.
 * - Measuring: one round of one variant per job, in a fresh worker process (`measureInWorker`); at
 *   most `concurrency` measurements at once across all the queues it serves.
 * - Results: written with their samples and telemetry, idempotently by (variant, round): a job retried
 *   after an agent stored its result and died stores nothing twice. A job that keeps failing is, on
 *   its last try, recorded as a failed round, so a study never waits for ever.
 * - Reliability: a killed agent's job is retried by another agent once its lock expires (BullMQ's
 *   stalled-job check); Redis connections retry for ever; store writes retry through PostgreSQL restarts.
 * - Shutdown: `stop()` finishes the jobs in hand and takes no new one; `stop({ handBack: true })` kills
 *   the measurements and hands their jobs back to the queue.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { describeEnvironment, type EnvironmentReport } from '../env/environment.js';
import { messageOf } from '../errors.js';
import { measureInWorker, type WorkerFailureKind } from '../measure/worker.js';
import { PostgresStudyStore } from '../store/postgres.js';
import type { Failure } from '../store/types.js';
import type { Redactor } from '../util/redact.js';
import { type AgentCapabilities, capabilitiesFrom } from './capabilities.js';
import { queueError, redisOptions } from './connection.js';
import { meetsRequirements } from './devices.js';
import { defaultCacheDir, ensureModel } from './model-cache.js';
import { type FleetJob, parseFleetJob } from './payload.js';
import { type ActiveJob, DEFAULT_HEARTBEAT_MS, FleetRegistry, type RegisteredQueue } from './registry.js';
import { DEFAULT_STORE_RETRY_MS, retryTransient } from './retry.js';

export const DEFAULT_DISCOVER_MS = 5000;
/** BullMQ's defaults: a job whose agent stops renewing its lock for this long is retried elsewhere. */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;
/**
 * A job started this many times (its agents died, or it failed and was retried) is not started again:
 * it fails, and its round is recorded as failed. BullMQ's own limit on stalls is set to the same
 * number, so this check (which tells the agent, and so the store) always comes first.
 */
export const DEFAULT_MAX_STARTS = 5;

export interface AgentOptions {
  queueUrl: string;
  storeUrl: string;
  tags: string[];
  /** Measurements at once (default 1: measurements on one device disturb each other). */
  concurrency?: number;
  /** Where verified model files are kept (default ~/.edgebench/fleet-cache). */
  cacheDir?: string;
  /** Unique per running agent (default `<hostname>-<random>`). */
  id?: string;
  heartbeatMs?: number;
  discoverMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Starts a job may have before it fails (default 5). */
  maxStarts?: number;
  /** How long store writes are retried through a PostgreSQL outage (default 2 minutes). */
  storeRetryMs?: number;
  redactor: Redactor;
  /** Progress and problems, one line each (already redacted). */
  log: (line: string) => void;
  /** A description of this machine (default: `describeEnvironment()`). */
  environment?: EnvironmentReport;
  /** Extra environment for the measuring worker processes. */
  workerEnv?: Record<string, string>;
}

/** What a job resolves to (BullMQ keeps it as the job's return value). */
export interface JobOutcome {
  agent: string;
  variantKey: string;
  round: number;
  /** stored: written now; duplicate: already stored (not written again); skipped: the variant failed. */
  result: 'stored' | 'duplicate' | 'skipped';
  status?: 'ok' | 'failed';
  medianMs?: number;
}

function agentIdFor(hostname: string): string {
  const host = hostname.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'agent';
  return `${host}-${randomBytes(3).toString('hex')}`;
}

class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

function failureOf(kind: WorkerFailureKind, reason: string, round: number): Failure {
  return { kind, reason: `round ${round}: ${reason}` };
}

export class FleetAgent {
  readonly id: string;
  readonly capabilities: AgentCapabilities;
  private readonly options: AgentOptions;
  private readonly store: PostgresStudyStore;
  private readonly registry: FleetRegistry;
  private readonly workers = new Map<string, Worker>();
  private readonly active = new Map<string, ActiveJob>();
  private readonly devicesRecorded = new Set<string>();
  private readonly slots: Slots;
  private readonly abort = new AbortController();
  private readonly heartbeatMs: number;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private discoverTimer: NodeJS.Timeout | undefined;
  private state: 'running' | 'stopping' = 'running';
  private stored = 0;
  private stopping: Promise<void> | undefined;
  private lastRedisError = 0;

  private constructor(
    options: AgentOptions,
    id: string,
    capabilities: AgentCapabilities,
    store: PostgresStudyStore,
    registry: FleetRegistry,
  ) {
    this.options = options;
    this.id = id;
    this.capabilities = capabilities;
    this.store = store;
    this.registry = registry;
    this.slots = new Slots(capabilities.concurrency);
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  /** Describes this machine, connects to the store and the queue, and starts taking jobs. */
  static async start(options: AgentOptions): Promise<FleetAgent> {
    const environment = options.environment ?? (await describeEnvironment());
    const id = options.id ?? agentIdFor(os.hostname());
    const concurrency = Math.max(1, options.concurrency ?? 1);
    const capabilities = capabilitiesFrom(environment, { agent: id, tags: options.tags, concurrency });
    const store = await PostgresStudyStore.open(options.storeUrl, {
      applicationName: `edgebench-agent ${id}`.slice(0, 60),
      onPoolError: (error) => options.log(`store connection: ${error.message} (reconnecting)`),
    });
    let agent: FleetAgent | undefined;
    const registry = new FleetRegistry(redisOptions(options.queueUrl), (error) => agent?.redisError(error));
    agent = new FleetAgent(options, id, capabilities, store, registry);
    options.log(
      `agent ${id} on ${capabilities.hostname}: tags ${capabilities.tags.join(',') || '(none)'}; EPs ${capabilities.eps.join(', ')}; concurrency ${concurrency}; store ${store.location}; queue ${options.redactor.text(options.queueUrl)}`,
    );
    try {
      await agent.beat({ rethrow: true });
    } catch (error) {
      // Wrong credentials will not fix themselves; an unreachable Redis may come up later.
      const mapped = queueError(options.queueUrl, error, options.redactor);
      if (/refused the credentials/.test(messageOf(mapped))) {
        await agent.stop();
        throw mapped;
      }
      agent.redisError(error as Error);
    }
    await agent.discover();
    agent.heartbeatTimer = setInterval(() => void agent.beat(), agent.heartbeatMs);
    agent.discoverTimer = setInterval(() => void agent.discover(), options.discoverMs ?? DEFAULT_DISCOVER_MS);
    return agent;
  }

  /** The queues this agent consumes now. */
  servedQueues(): string[] {
    return [...this.workers.keys()].sort();
  }

  private log(line: string): void {
    this.options.log(this.options.redactor.text(line));
  }

  /** Redis errors come in bursts while it is away: one line a few seconds is enough. */
  private redisError(error: Error): void {
    const now = Date.now();
    if (now - this.lastRedisError < 5000) return;
    this.lastRedisError = now;
    this.log(`queue connection: ${messageOf(error)} (reconnecting)`);
  }

  private async beat(options: { rethrow?: boolean } = {}): Promise<void> {
    try {
      await this.registry.heartbeat({
        capabilities: this.capabilities,
        state: this.state,
        queues: this.servedQueues(),
        activeJobs: [...this.active.values()],
        stored: this.stored,
        lastHeartbeat: new Date().toISOString(),
        heartbeatMs: this.heartbeatMs,
      });
    } catch (error) {
      if (options.rethrow) throw error;
      this.redisError(error as Error);
    }
  }

  /** Starts a worker for every registered queue whose requirements this agent meets. */
  private async discover(): Promise<void> {
    if (this.state !== 'running') return;
    let queues: RegisteredQueue[];
    try {
      queues = await this.registry.queues();
    } catch (error) {
      this.redisError(error as Error);
      return;
    }
    for (const queue of queues) {
      if (this.workers.has(queue.name) || this.state !== 'running') continue;
      if (!meetsRequirements(queue, this.capabilities).ok) continue;
      this.serve(queue.name);
    }
  }

  private serve(name: string): void {
    const worker = new Worker(name, (job, token) => this.process(job, token), {
      connection: redisOptions(this.options.queueUrl),
      concurrency: this.capabilities.concurrency,
      lockDuration: this.options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
      stalledInterval: this.options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
      maxStalledCount: this.options.maxStarts ?? DEFAULT_MAX_STARTS,
      maxStartedAttempts: this.options.maxStarts ?? DEFAULT_MAX_STARTS,
      name: this.id,
    });
    worker.on('error', (error) => this.redisError(error));
    worker.on('failed', (job, error) => void this.onFailed(job, error));
    this.workers.set(name, worker);
    this.log(`serving queue ${name}`);
    void this.beat();
  }

  private retryStore<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryTransient(fn, {
      timeoutMs: this.options.storeRetryMs ?? DEFAULT_STORE_RETRY_MS,
      onRetry: (error, attempt) => {
        if (attempt === 1 || attempt % 10 === 0)
          this.log(`store unreachable while ${what}: ${messageOf(error)} (retrying)`);
      },
    });
  }

  private async process(job: Job, token: string | undefined): Promise<JobOutcome> {
    const parsed = parseFleetJob(job.data);
    if (!parsed.ok) {
      this.log(`job ${job.id} refused: invalid job payload: ${parsed.error}`);
      throw new UnrecoverableError(`invalid job payload: ${parsed.error}`);
    }
    const data = parsed.job;
    const fits = meetsRequirements(data.requirements, this.capabilities);
    if (!fits.ok) {
      // Routing should make this impossible; if it happens, the job goes back for another agent.
      this.log(`job ${job.id} handed back: ${fits.reason}`);
      await job.moveToDelayed(Date.now() + 5000, token);
      throw new DelayedError();
    }
    await this.slots.acquire();
    try {
      return await this.measure(job, token, data);
    } finally {
      this.slots.release();
    }
  }

  private async measure(job: Job, token: string | undefined, data: FleetJob): Promise<JobOutcome> {
    const variant = await this.retryStore('reading the variant', () => this.store.getVariant(data.variantId));
    if (!variant || variant.studyId !== data.studyId || variant.key !== data.variantKey)
      throw new UnrecoverableError(
        `the job names variant ${data.variantId} (${data.variantKey}) of study ${data.studyId}, which the store does not hold`,
      );
    const base = { agent: this.id, variantKey: variant.key, round: data.round };
    if (variant.status === 'failed') return { ...base, result: 'skipped' };
    if (await this.retryStore('checking the round', () => this.store.hasMeasurement(variant.id, data.round)))
      return { ...base, result: 'duplicate' };
    if (this.state !== 'running' && this.abort.signal.aborted) return this.handBack(job, token);

    const modelPath = await this.retryStore('fetching the model', () =>
      ensureModel(this.store, data.model.sha256, this.options.cacheDir ?? defaultCacheDir()),
    );
    if (!this.devicesRecorded.has(data.studyId)) {
      await this.retryStore('recording the device', () =>
        this.store.recordDevice({
          studyId: data.studyId,
          agent: this.id,
          device: data.device,
          capturedAt: new Date().toISOString(),
          capabilities: this.capabilities as unknown as Record<string, unknown>,
        }),
      );
      this.devicesRecorded.add(data.studyId);
    }

    const attempt = Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1, 1);
    this.active.set(String(job.id), {
      id: String(job.id),
      queue: job.queueName,
      studyId: data.studyId,
      variantKey: variant.key,
      round: data.round,
      since: new Date().toISOString(),
    });
    void this.beat();
    this.log(`measuring ${variant.key} round ${data.round} (job ${job.id}, try ${attempt})`);
    try {
      const startedAt = new Date().toISOString();
      const outcome = await measureInWorker(
        {
          modelPath,
          modelName: data.model.name,
          engine: data.engine,
          batch: data.batch,
          ...(data.shapes ? { shapes: data.shapes } : {}),
          seed: data.seed,
          stopRules: data.stopRules,
          ...(data.scenario ? { scenario: data.scenario } : {}),
          telemetry: data.telemetry,
          requested: {
            study: data.studyId,
            variant: variant.key,
            round: data.round,
            recipes: data.recipes,
            scenario: data.scenarioName,
            device: data.device,
            agent: this.id,
          },
        },
        {
          timeoutMs: data.timeoutMs,
          ...(data.maxOldSpaceMb ? { maxOldSpaceMb: data.maxOldSpaceMb } : {}),
          signal: this.abort.signal,
          ...(this.options.workerEnv ? { env: this.options.workerEnv } : {}),
        },
      );
      const endedAt = new Date().toISOString();
      if (!outcome.ok && outcome.kind === 'aborted') return this.handBack(job, token);
      const common = {
        variantId: variant.id,
        round: data.round,
        startedAt,
        endedAt,
        agent: this.id,
        attempt,
      };
      if (outcome.ok) {
        const id = await this.retryStore('storing the result', () =>
          this.store.recordMeasurementOnce({ ...common, result: outcome.value }),
        );
        if (id !== null) this.stored++;
        this.log(
          `stored ${variant.key} round ${data.round}: median ${outcome.value.stats.medianMs.toFixed(3)} ms over ${outcome.value.samplesMs.length} runs${id === null ? ' (already stored: kept once)' : ''}`,
        );
        await this.retryStore('finishing the study', () => this.store.finishIfComplete(data.studyId));
        return {
          ...base,
          result: id === null ? 'duplicate' : 'stored',
          status: 'ok',
          medianMs: outcome.value.stats.medianMs,
        };
      }
      const failure = failureOf(outcome.kind, outcome.reason, data.round);
      const id = await this.retryStore('storing the failure', () =>
        this.store.recordMeasurementOnce({ ...common, failure }),
      );
      await this.retryStore('failing the variant', () =>
        this.store.updateVariant(variant.id, { status: 'failed', failure }),
      );
      this.log(`${variant.key} round ${data.round} FAILED (${failure.kind}): ${failure.reason}`);
      await this.retryStore('finishing the study', () => this.store.finishIfComplete(data.studyId));
      return { ...base, result: id === null ? 'duplicate' : 'stored', status: 'failed' };
    } finally {
      this.active.delete(String(job.id));
      void this.beat();
    }
  }

  /** Gives a job back to its queue untouched (shutdown): another agent, or this one later, takes it. */
  private async handBack(job: Job, token: string | undefined): Promise<never> {
    this.log(`handing job ${job.id} back to the queue`);
    await job.moveToWait(token);
    throw new WaitingError();
  }

  /** On a job's last failed try, its round is recorded as failed so the study can finish. */
  private async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job) return;
    this.log(`job ${job.id} failed (try ${job.attemptsMade}): ${messageOf(error)}`);
    const parsed = parseFleetJob(job.data);
    const finalTry = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
    if (!parsed.ok || !finalTry) return;
    const data = parsed.job;
    try {
      const variant = await this.retryStore('reading the variant', () =>
        this.store.getVariant(data.variantId),
      );
      if (!variant || variant.studyId !== data.studyId || variant.key !== data.variantKey) return;
      const failure: Failure = {
        kind: 'error',
        reason: `round ${data.round}: job failed: ${messageOf(error)}`,
      };
      const now = new Date().toISOString();
      const id = await this.retryStore('storing the failure', () =>
        this.store.recordMeasurementOnce({
          variantId: variant.id,
          round: data.round,
          startedAt: now,
          endedAt: now,
          failure,
          agent: this.id,
          attempt: job.attemptsMade,
        }),
      );
      // Nothing stored: the round was stored before (its result stands, the variant has not failed).
      if (id === null) return;
      await this.retryStore('failing the variant', () =>
        this.store.updateVariant(variant.id, { status: 'failed', failure }),
      );
      await this.retryStore('finishing the study', () => this.store.finishIfComplete(data.studyId));
    } catch (storeError) {
      this.log(`could not record the failure of job ${job.id}: ${messageOf(storeError)}`);
    }
  }

  /**
   * Stops taking jobs. By default the jobs in hand are finished first; with `handBack`, their
   * measurements are killed and the jobs go back to their queues for another agent.
   */
  stop(options: { handBack?: boolean } = {}): Promise<void> {
    if (options.handBack) this.abort.abort();
    if (this.stopping) return this.stopping;
    this.state = 'stopping';
    if (this.discoverTimer) clearInterval(this.discoverTimer);
    this.stopping = (async () => {
      await this.beat();
      const busy = this.active.size;
      if (busy > 0)
        this.log(
          options.handBack
            ? `stopping: handing back ${busy} job(s)`
            : `stopping: finishing ${busy} job(s) in hand (signal again to hand them back)`,
        );
      await Promise.all([...this.workers.values()].map((w) => w.close().catch(() => {})));
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      await this.registry.removeAgent(this.id).catch(() => {});
      await this.registry.close().catch(() => {});
      await this.store.close().catch(() => {});
      this.log(`agent ${this.id} stopped (${this.stored} measurement(s) stored)`);
    })();
    return this.stopping;
  }
}
