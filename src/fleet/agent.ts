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
 * - Fidelity: a `fidelity` job compares an optimized variant's outputs with its baseline's here, with
 *   this device's engines on the variant's EP (in a worker process too); the record's source names
 *   the agent and its device class.
 * - Results: written with their samples and telemetry, idempotently by (variant, round): a job retried
 *   after an agent stored its result and died stores nothing twice. A job that keeps failing is, on
 *   its last try, recorded as a failed round, so a study never waits for ever.
 * - Reliability: a killed agent's job is retried by another agent once its lock expires (BullMQ's
 *   stalled-job check); Redis connections retry for ever; store writes retry through PostgreSQL restarts.
 * - Shutdown: `stop()` takes no new job and lets the jobs in hand finish — for at most `finishWithinMs`:
 *   a measurement still running then is abandoned (its worker killed) and its job handed back to the
 *   queue; so is a job whose result cannot be stored in time (PostgreSQL down). When Redis is down too,
 *   a job cannot be handed back: BullMQ's stalled-job check returns it once its lock expires, and the
 *   agent says so. Every connection is then closed with a bound on the wait, so a dead Redis or
 *   PostgreSQL never holds a stop up. `stop({ handBack: true })` abandons at once.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { describeEnvironment, type EnvironmentReport } from '../env/environment.js';
import { messageOf } from '../errors.js';
import { measureInWorker, type WorkerFailureKind } from '../measure/worker.js';
import { PostgresStudyStore } from '../store/postgres.js';
import type { Failure, VariantRecord } from '../store/types.js';
import { fidelityRequest } from '../study/plan.js';
import { fidelityRecord, variantFidelity } from '../study/variants.js';
import { settlesWithin } from '../util/abort.js';
import type { Redactor } from '../util/redact.js';
import { type AgentCapabilities, capabilitiesFrom } from './capabilities.js';
import { queueError, redisOptions } from './connection.js';
import { meetsRequirements } from './devices.js';
import { defaultCacheDir, ensureModel } from './model-cache.js';
import {
  FLEET_FIDELITY_JOB_NAME,
  type FleetFidelityJob,
  type FleetJob,
  parseFleetFidelityJob,
  parseFleetJob,
} from './payload.js';
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
/** Bound on handing a job back to Redis while stopping (Redis may be gone). */
const HAND_BACK_TIMEOUT_MS = 750;
/** Bound on each step of closing a connection while stopping (its server may be gone). */
const CLOSE_TIMEOUT_MS = 500;
/** What `stop()` needs after the jobs in hand are abandoned: handing back, recording endings, closing. */
export const STOP_RESERVE_MS = HAND_BACK_TIMEOUT_MS + 4 * CLOSE_TIMEOUT_MS;

export interface StopOptions {
  /**
   * How long the jobs in hand may go on, ms (default: until they end). Then their measurements are
   * killed, store writes in flight abandoned, and the jobs handed back to their queues.
   */
  finishWithinMs?: number;
  /** Abandon the jobs in hand now (finishWithinMs 0). */
  handBack?: boolean;
}

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
  /** The round measured (0 for a fidelity check). */
  round: number;
  /** Set for a fidelity check. */
  check?: 'fidelity';
  /** stored: written now; duplicate: already stored (not written again); skipped: the variant failed. */
  result: 'stored' | 'duplicate' | 'skipped';
  status?: 'ok' | 'failed';
  medianMs?: number;
}

function agentIdFor(hostname: string): string {
  const host = hostname.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'agent';
  return `${host}-${randomBytes(3).toString('hex')}`;
}

/** Measurement slots (the agent's concurrency across all its queues). */
class Slots {
  private free: number;
  private readonly waiting: Array<{ grant: () => void; refuse: (reason: unknown) => void }> = [];
  constructor(size: number) {
    this.free = size;
  }
  /** Waits for a slot; rejects with the signal's reason when it aborts first (a stop). */
  async acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((grant, refuse) => {
      const waiter = { grant, refuse };
      this.waiting.push(waiter);
      signal.addEventListener(
        'abort',
        () => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          refuse(signal.reason);
        },
        { once: true },
      );
    });
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
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
  /** Aborted when a stop begins: no job starts after it. */
  private readonly stopRequest = new AbortController();
  /** Aborted when the jobs in hand are abandoned: measurements killed, store retries given up. */
  private readonly abort = new AbortController();
  /** The jobs being processed (from delivery to hand-back or result). */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Jobs processed whose ending BullMQ has yet to record in Redis. */
  private readonly finalizing = new Set<string>();
  private readonly finalizingDone: Array<() => void> = [];
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

  /** Jobs being measured now. */
  activeJobs(): number {
    return this.active.size;
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
    worker.on('failed', (job, error) => {
      this.finalized(job);
      void this.onFailed(job, error);
    });
    worker.on('completed', (job) => this.finalized(job));
    this.workers.set(name, worker);
    this.log(`serving queue ${name}`);
    void this.beat();
  }

  private retryStore<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryTransient(fn, {
      timeoutMs: this.options.storeRetryMs ?? DEFAULT_STORE_RETRY_MS,
      signal: this.abort.signal,
      onRetry: (error, attempt) => {
        if (attempt === 1 || attempt % 10 === 0)
          this.log(`store unreachable while ${what}: ${messageOf(error)} (retrying)`);
      },
    });
  }

  /** BullMQ's processor: every job is tracked from delivery to its end, so a stop can wait for it. */
  private process(job: Job, token: string | undefined): Promise<JobOutcome> {
    const processing = this.processJob(job, token);
    this.inFlight.add(processing);
    const id = String(job.id);
    // Until BullMQ has recorded the ending in Redis (completed, failed), a close would lose it.
    processing.then(
      () => this.finalizing.add(id),
      (error: unknown) => {
        if (!(error instanceof WaitingError || error instanceof DelayedError)) this.finalizing.add(id);
      },
    );
    const untrack = () => this.inFlight.delete(processing);
    processing.then(untrack, untrack);
    return processing;
  }

  /** A job's ending is in Redis: it no longer holds up a stop. */
  private finalized(job: Job | undefined): void {
    if (job && this.finalizing.delete(String(job.id)) && this.finalizing.size === 0) {
      for (const resolve of this.finalizingDone.splice(0)) resolve();
    }
  }

  /** Resolves once BullMQ has recorded the ending of every job processed here. */
  private allFinalized(): Promise<void> {
    if (this.finalizing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.finalizingDone.push(resolve));
  }

  private async processJob(job: Job, token: string | undefined): Promise<JobOutcome> {
    if (this.state !== 'running') return this.handBack(job, token, 'the agent is stopping');
    if (job.name === FLEET_FIDELITY_JOB_NAME) {
      const parsed = parseFleetFidelityJob(job.data);
      if (!parsed.ok) this.refuse(job, 'invalid fidelity job payload', parsed.error);
      return this.run(job, token, parsed.job, (data) => this.checkFidelity(job, token, data));
    }
    const parsed = parseFleetJob(job.data);
    if (!parsed.ok) this.refuse(job, 'invalid job payload', parsed.error);
    return this.run(job, token, parsed.job, (data) => this.measure(job, token, data));
  }

  /** A job that does not validate fails for good (never retried). */
  private refuse(job: Job, what: string, error: string): never {
    this.log(`job ${job.id} refused: ${what}: ${error}`);
    throw new UnrecoverableError(`${what}: ${error}`);
  }

  /** Runs a valid job here when this agent meets its requirements, in a slot; hands it back otherwise. */
  private async run<T extends { requirements: FleetJob['requirements'] }>(
    job: Job,
    token: string | undefined,
    data: T,
    work: (data: T) => Promise<JobOutcome>,
  ): Promise<JobOutcome> {
    const fits = meetsRequirements(data.requirements, this.capabilities);
    if (!fits.ok) {
      // Routing should make this impossible; if it happens, the job goes back for another agent.
      this.log(`job ${job.id} handed back: ${fits.reason}`);
      await job.moveToDelayed(Date.now() + 5000, token);
      throw new DelayedError();
    }
    try {
      await this.slots.acquire(this.stopRequest.signal);
    } catch {
      return this.handBack(job, token, 'the agent is stopping');
    }
    try {
      return await work(data);
    } catch (error) {
      // A store write given up because the agent stopped: the job goes back, to be done elsewhere
      // (a result stored meanwhile is kept once: results are stored idempotently).
      if (this.abort.signal.aborted && !(error instanceof WaitingError))
        return this.handBack(job, token, `stopped before it was done: ${messageOf(error)}`);
      throw error;
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
    if (
      await this.retryStore('checking the round', () => this.store.hasMeasurement(variant.id, data.round))
    ) {
      // Stored by a try that stopped before it could mark the study finished: this try does it.
      await this.retryStore('finishing the study', () => this.store.finishIfComplete(data.studyId));
      return { ...base, result: 'duplicate' };
    }

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

    // A stop that came while the job was being set up: it goes back before it starts measuring.
    if (this.state !== 'running') return this.handBack(job, token, 'the agent is stopping');
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
      if (!outcome.ok && outcome.kind === 'aborted')
        return this.handBack(job, token, this.abandonReason ?? 'its measurement was interrupted');
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

  /** Where this agent's fidelity records say they were measured. */
  private fidelityOrigin(device: string): string {
    return `agent ${this.id} (${device})`;
  }

  /**
   * Compares an optimized variant's outputs with its baseline's here, both models fetched by hash and
   * run with this device's onnxruntime on the variant's EP and graph levels, on the study's seeded
   * inputs. Stored once per variant (a retry writes the same record again); a variant or baseline
   * that failed gets none, as in a local study.
   */
  private async checkFidelity(
    job: Job,
    token: string | undefined,
    data: FleetFidelityJob,
  ): Promise<JobOutcome> {
    const [variant, baseline] = await this.retryStore('reading the variants', () =>
      Promise.all([this.store.getVariant(data.variantId), this.store.getVariant(data.baselineVariantId)]),
    );
    const matches = (v: VariantRecord | null, key: string): v is VariantRecord =>
      v !== null && v.studyId === data.studyId && v.key === key;
    if (!matches(variant, data.variantKey) || !matches(baseline, data.baselineKey))
      throw new UnrecoverableError(
        `the fidelity job names variants ${data.variantId} (${data.variantKey}) and ${data.baselineVariantId} (${data.baselineKey}) of study ${data.studyId}, which the store does not hold`,
      );
    const base = { agent: this.id, variantKey: variant.key, round: 0, check: 'fidelity' as const };
    if (variant.status === 'failed' || baseline.status === 'failed') {
      await this.retryStore('finishing the study', () => this.store.finishIfComplete(data.studyId));
      return { ...base, result: 'skipped' };
    }
    const cacheDir = this.options.cacheDir ?? defaultCacheDir();
    const [basePath, optimizedPath] = await this.retryStore('fetching the models', () =>
      Promise.all([
        ensureModel(this.store, data.base.model.sha256, cacheDir),
        ensureModel(this.store, data.optimized.model.sha256, cacheDir),
      ]),
    );
    if (this.state !== 'running') return this.handBack(job, token, 'the agent is stopping');
    this.active.set(String(job.id), {
      id: String(job.id),
      queue: job.queueName,
      studyId: data.studyId,
      variantKey: variant.key,
      round: 0,
      since: new Date().toISOString(),
    });
    void this.beat();
    this.log(`checking fidelity of ${variant.key} against ${baseline.key} (job ${job.id})`);
    try {
      const ep = data.requirements.ep;
      const request = fidelityRequest(
        { model: { path: basePath, graphOptLevel: data.base.graphOptLevel }, ep },
        { model: { path: optimizedPath, graphOptLevel: data.optimized.graphOptLevel }, ep },
        { batch: data.batch, settings: data.shapes ? { shapes: data.shapes } : {} },
        { fidelity: { enabled: true, count: data.count }, seed: data.seed, opsetUpgrade: data.opsetUpgrade },
      );
      const outcome = await variantFidelity(
        { ...request, asMeasured: true },
        {
          limits: {
            timeoutMs: data.timeoutMs,
            ...(data.maxOldSpaceMb ? { maxOldSpaceMb: data.maxOldSpaceMb } : {}),
            signal: this.abort.signal,
            ...(this.options.workerEnv ? { env: this.options.workerEnv } : {}),
          },
        },
      );
      if (!outcome.ok && outcome.aborted)
        return this.handBack(job, token, this.abandonReason ?? 'its fidelity check was interrupted');
      const record = fidelityRecord(
        outcome,
        { variantId: variant.id, baselineVariantId: baseline.id },
        this.fidelityOrigin(data.device),
      );
      await this.retryStore('storing the fidelity', () => this.store.recordFidelity(record));
      this.log(
        outcome.ok
          ? `stored fidelity of ${variant.key}: cosine ${outcome.value.metrics.cosine ?? 'n/a'}, max |error| ${outcome.value.metrics.maxAbsErr}`
          : `fidelity of ${variant.key} not measured: ${outcome.error}`,
      );
      await this.retryStore('finishing the study', () => this.store.finishIfComplete(data.studyId));
      return { ...base, result: 'stored', status: outcome.ok ? 'ok' : 'failed' };
    } finally {
      this.active.delete(String(job.id));
      void this.beat();
    }
  }

  /**
   * Gives a job back to its queue untouched (shutdown): another agent, or this one later, takes it.
   * With Redis unreachable that cannot be done now: the job stays active under this agent's lock,
   * which is no longer renewed, and BullMQ's stalled-job check puts it back once the lock expires.
   * Either way, one line says which and why.
   */
  private async handBack(job: Job, token: string | undefined, why: string): Promise<never> {
    let failure: unknown;
    const moved = await settlesWithin(
      job.moveToWait(token).catch((error: unknown) => {
        failure = error;
      }),
      HAND_BACK_TIMEOUT_MS,
    );
    if (moved && failure === undefined) this.log(`job ${job.id} handed back to the queue: ${why}`);
    else {
      const lockS = (this.options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS) / 1000;
      this.log(
        `job ${job.id} not handed back (${failure !== undefined ? messageOf(failure) : 'Redis did not answer'}): ${why}; BullMQ's stalled-job check returns it to the queue within ${lockS} s of its lock's last renewal`,
      );
    }
    // BullMQ must neither complete nor fail it: as far as this agent is concerned, it was given back.
    throw new WaitingError();
  }

  /** On a job's last failed try, its round is recorded as failed so the study can finish. */
  private async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job) return;
    this.log(`job ${job.id} failed (try ${job.attemptsMade}): ${messageOf(error)}`);
    const finalTry = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
    if (job.name === FLEET_FIDELITY_JOB_NAME) {
      if (finalTry) await this.fidelityFailed(job, error);
      return;
    }
    const parsed = parseFleetJob(job.data);
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

  /** A fidelity job's last try failed: its record says why (never figures), so the study can finish. */
  private async fidelityFailed(job: Job, error: Error): Promise<void> {
    const parsed = parseFleetFidelityJob(job.data);
    if (!parsed.ok) return;
    const data = parsed.job;
    try {
      const variant = await this.retryStore('reading the variant', () =>
        this.store.getVariant(data.variantId),
      );
      if (!variant || variant.studyId !== data.studyId || variant.key !== data.variantKey) return;
      await this.retryStore('storing the fidelity failure', () =>
        this.store.recordFidelity(
          fidelityRecord(
            { ok: false, error: `job failed: ${messageOf(error)}`, aborted: false },
            { variantId: variant.id, baselineVariantId: data.baselineVariantId },
            this.fidelityOrigin(data.device),
          ),
        ),
      );
      await this.retryStore('finishing the study', () => this.store.finishIfComplete(data.studyId));
    } catch (storeError) {
      this.log(`could not record the failure of job ${job.id}: ${messageOf(storeError)}`);
    }
  }

  /** Why the jobs in hand were abandoned (for the hand-back line). */
  private abandonReason: string | undefined;

  private abandon(reason: string): void {
    if (this.abort.signal.aborted) return;
    this.abandonReason = reason;
    if (this.active.size > 0) this.log(`stopping: abandoning ${this.active.size} job(s) in hand (${reason})`);
    this.abort.abort(new Error(reason));
  }

  /**
   * Stops: takes no new job, lets the jobs in hand finish within `finishWithinMs` (else abandons them
   * and hands them back), then closes the queue and store connections. Bounded whatever the state of
   * Redis and PostgreSQL: each step that talks to them has a deadline.
   */
  stop(options: StopOptions = {}): Promise<void> {
    const finishWithinMs = options.handBack ? 0 : (options.finishWithinMs ?? Number.POSITIVE_INFINITY);
    if (finishWithinMs <= 0) this.abandon('asked to hand them back');
    if (this.stopping) return this.stopping;
    this.state = 'stopping';
    this.stopRequest.abort(new Error('the agent is stopping'));
    if (this.discoverTimer) clearInterval(this.discoverTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.stopping = (async () => {
      // No new delivery; what was fetched meanwhile is handed back by the processor.
      for (const worker of this.workers.values()) worker.pause(true).catch(() => {});
      // Tell `fleet status` (best effort: Redis may be gone).
      const told = settlesWithin(this.beat(), CLOSE_TIMEOUT_MS);
      const busy = this.active.size;
      if (busy > 0 && Number.isFinite(finishWithinMs) && finishWithinMs > 0)
        this.log(
          `stopping: ${busy} job(s) in hand may finish within ${(finishWithinMs / 1000).toFixed(1)} s, else they are handed back`,
        );
      else if (busy > 0 && finishWithinMs > 0) this.log(`stopping: finishing ${busy} job(s) in hand`);
      if (this.inFlight.size > 0 && finishWithinMs > 0) {
        const finished = await settlesWithin(Promise.allSettled([...this.inFlight]), finishWithinMs);
        if (!finished)
          this.abandon(`still running ${(finishWithinMs / 1000).toFixed(1)} s after the stop began`);
      }
      // Abandoned jobs end quickly: their workers are killed, their hand-back is bounded.
      if (this.inFlight.size > 0)
        await settlesWithin(Promise.allSettled([...this.inFlight]), HAND_BACK_TIMEOUT_MS + CLOSE_TIMEOUT_MS);
      await settlesWithin(this.allFinalized(), CLOSE_TIMEOUT_MS);
      await told;
      // Forced closes: a disconnect never waits on a Redis that went away.
      await Promise.all([
        ...[...this.workers.values()].map((w) => settlesWithin(w.close(true), CLOSE_TIMEOUT_MS)),
        settlesWithin(this.registry.removeAgent(this.id), CLOSE_TIMEOUT_MS),
      ]);
      await Promise.all([
        settlesWithin(this.registry.close({ force: true }), CLOSE_TIMEOUT_MS),
        settlesWithin(this.store.close(), CLOSE_TIMEOUT_MS),
      ]);
      this.log(`agent ${this.id} stopped (${this.stored} measurement(s) stored)`);
    })();
    return this.stopping;
  }
}
