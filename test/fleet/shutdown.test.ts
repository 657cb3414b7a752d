/**
 * An agent stops when asked, whatever state its servers are in: real agents (the built CLI), a real
 * redis-server and PostgreSQL, stopped or frozen (SIGSTOP) under the agent before it gets its signal.
 * Each time the agent must be gone within 5 s of the first signal, its measuring worker with it, and
 * the job it held must come back: handed back to the queue, or — Redis being down — recovered by
 * BullMQ's stalled-job check and measured by another agent, stored once.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../src/fleet/connection.js';
import { FleetRegistry } from '../../src/fleet/registry.js';
import { PostgresStudyStore } from '../../src/store/postgres.js';
import type { StoredStudy } from '../../src/store/types.js';
import { descendants, waitGone } from '../helpers/procs.js';
import { removeTempDirs, tempDir, writeTinyModel } from '../study/tiny-model.js';
import { type CliProcess, cliBuilt, killAll, runCli, signal, startCli, waitForStderr } from './processes.js';
import { type FleetServices, servicesSkipReason, startServices } from './services.js';

const skip = servicesSkipReason();
if (skip) console.warn(`fleet shutdown tests skipped: ${skip}`);

/** The promise of every long-running command: gone this long after the first signal. */
const STOP_BOUND_MS = 5000;
const FAST_AGENT = [
  '--heartbeat-ms',
  '500',
  '--discover-ms',
  '300',
  '--lock-duration-ms',
  '2000',
  '--stalled-interval-ms',
  '1000',
];

describe.skipIf(skip !== null)('fleet: an agent stops within 5 s of the first signal', () => {
  let services: FleetServices;
  let dir: string;
  let store: PostgresStudyStore;
  const started: CliProcess[] = [];

  const agent = (name: string, tags: string, env: Record<string, string> = {}) => {
    const p = startCli(
      name,
      [
        'agent',
        '--queue',
        services.redisUrl,
        '--store',
        services.postgresUrl,
        '--tags',
        tags,
        '--id',
        name,
        '--cache',
        path.join(dir, `cache-${name}`),
        ...FAST_AGENT,
      ],
      env,
    );
    started.push(p);
    return p;
  };

  /** A study of two variants, one round, with this minimum measuring time. */
  const submit = async (device: string, minTimeMs: number) => {
    const spec = path.join(dir, `${device}.yaml`);
    writeFileSync(
      spec,
      `name: ${device}\nmodels: [tiny.onnx]\noptimized: [{ name: all, graphOptLevel: all }]\nstopRules: { warmupTimeMs: 5, warmupCount: 2, minTimeMs: ${minTimeMs}, minCount: 10, maxTimeMs: ${minTimeMs + 2000} }\ntelemetry: false\nfidelity: { enabled: false }\n`,
    );
    const result = await runCli([
      'fleet',
      'submit',
      spec,
      '--queue',
      services.redisUrl,
      '--store',
      services.postgresUrl,
      '--devices',
      device,
      '--rounds',
      '1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim();
  };

  /** Sends `sig` and resolves with the exit code and the time it took, ms. */
  const stopWith = async (p: CliProcess, sig: NodeJS.Signals) => {
    const sentAt = Date.now();
    signal(p, sig);
    const code = await p.exited;
    return { code, tookMs: Date.now() - sentAt };
  };

  const finished = async (studyId: string, timeoutMs = 30_000): Promise<StoredStudy> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const progress = await store.studyProgress(studyId).catch(() => undefined);
      if (progress?.status === 'finished') return store.loadStudy(studyId);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(
      `study ${studyId} did not finish:\n${started.map((p) => `--- ${p.name}\n${p.stderr().slice(-1500)}`).join('\n')}`,
    );
  };

  beforeAll(async () => {
    if (!cliBuilt()) throw new Error('dist/cli/main.js is missing: build first (npm run build)');
    services = await startServices();
    store = await PostgresStudyStore.open(services.postgresUrl, { onPoolError: () => {} });
    dir = tempDir('edgebench-fleet-stop-');
    writeTinyModel('tiny', { width: 16, depth: 1 }, dir);
  });

  afterAll(async () => {
    if (process.env.EDGEBENCH_TEST_FLEET_LOGS)
      for (const p of started) console.log(`--- ${p.name}\n${p.stderr()}`);
    await killAll();
    await store?.close().catch(() => {});
    await services?.stop();
    removeTempDirs();
  });

  it('mid-job with Redis gone: exits at once, kills its worker, and the job is recovered by another agent', async () => {
    // The worker hangs: the agent is surely mid-job when Redis goes and the signal comes.
    const victim = agent('stop-victim', 'stop-redis', { EDGEBENCH_TEST_WORKER_FAULT: 'hang' });
    await waitForStderr(victim, /agent \S+ on /);
    const studyId = await submit('stop-redis', 40);
    const measuring = await waitForStderr(victim, /measuring \S+ round 1 \(job (\S+), try 1\)/);
    // The line comes just before the worker starts: on a busy machine, give it a moment.
    let workers: number[] = [];
    for (let i = 0; i < 50 && workers.length === 0; i++) {
      workers = descendants(victim.child.pid!);
      if (workers.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(workers.length).toBeGreaterThan(0);
    await services.stopRedis();

    const stopped = await stopWith(victim, 'SIGTERM');
    expect(stopped.code, victim.stderr()).toBe(0);
    expect(stopped.tookMs).toBeLessThan(STOP_BOUND_MS);
    expect(victim.stderr()).toMatch(
      new RegExp(`job ${measuring[1].replace(/\./g, '\\.')} not handed back .*stalled-job check`),
    );
    expect(await waitGone(workers)).toEqual([]);

    await services.startRedis();
    const rescuer = agent('stop-rescuer', 'stop-redis');
    const stored = await finished(studyId);
    expect(stored.measurements).toHaveLength(2);
    for (const m of stored.measurements) expect(m).toMatchObject({ status: 'ok', agent: 'stop-rescuer' });
    const abandoned = Number(/\.v(\d+)\.r1$/.exec(measuring[1])?.[1]);
    expect(stored.measurements.find((m) => m.variantId === abandoned)?.attempt).toBeGreaterThanOrEqual(2);
    expect((await stopWith(rescuer, 'SIGTERM')).code).toBe(0);
  });

  it('mid-job with PostgreSQL gone while storing: exits within the bound and hands the job back', async () => {
    const victim = agent('stop-storer', 'stop-pg');
    await waitForStderr(victim, /agent \S+ on /);
    // A measurement long enough for PostgreSQL to be stopped before its result comes.
    const studyId = await submit('stop-pg', 2500);
    const measuring = await waitForStderr(victim, /measuring \S+ round 1 \(job (\S+), try 1\)/);
    await services.stopPostgres();
    await waitForStderr(victim, /store unreachable while storing the result/, 15_000);

    const stopped = await stopWith(victim, 'SIGTERM');
    expect(stopped.code, victim.stderr()).toBe(0);
    expect(stopped.tookMs).toBeLessThan(STOP_BOUND_MS);
    const jobId = measuring[1];
    expect(victim.stderr()).toContain(`job ${jobId} handed back to the queue: stopped before it was done`);
    const queue = new Queue('edgebench.cpu.stop-pg', { connection: redisOptions(services.redisUrl) });
    try {
      expect(await (await queue.getJob(jobId))?.getState()).toBe('waiting');
    } finally {
      await queue.close();
    }
    await services.startPostgres();
    const progress = await store.studyProgress(studyId);
    expect(progress.stored).toBe(0);
  });

  it('idle: exits at once with Redis gone (SIGTERM), and with Redis and PostgreSQL frozen (SIGINT)', async () => {
    // Both agents serve an empty queue, so their BullMQ workers wait on Redis, as an idle agent's do.
    const registry = new FleetRegistry(redisOptions(services.redisUrl), () => {});
    try {
      await registry.registerQueue({ name: 'edgebench.cpu.stop-idle', ep: 'cpu', tags: ['stop-idle'] });
    } finally {
      await registry.close();
    }
    const idle = agent('stop-idle', 'stop-idle');
    const frozen = agent('stop-frozen', 'stop-idle');
    for (const p of [idle, frozen]) await waitForStderr(p, /serving queue edgebench\.cpu\.stop-idle/);

    await services.stopRedis();
    await waitForStderr(idle, /queue connection: .*reconnecting/);
    try {
      const stopped = await stopWith(idle, 'SIGTERM');
      expect(stopped.code, idle.stderr()).toBe(0);
      expect(stopped.tookMs).toBeLessThan(STOP_BOUND_MS);
      expect(idle.stderr()).toMatch(/agent stop-idle stopped/);
    } finally {
      await services.startRedis();
    }

    // The other agent reconnects on its own (its heartbeat comes again); then its servers hang
    // instead of refusing.
    const restartedAt = new Date().toISOString();
    const heartbeats = new FleetRegistry(redisOptions(services.redisUrl), () => {});
    try {
      const deadline = Date.now() + 15_000;
      const beating = async () =>
        (await heartbeats.agents()).some(
          (a) => a.capabilities.agent === 'stop-frozen' && a.lastHeartbeat > restartedAt,
        );
      while (!(await beating()) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await beating()).toBe(true);
    } finally {
      await heartbeats.close();
    }
    services.pauseRedis();
    services.pausePostgres();
    try {
      const stopped = await stopWith(frozen, 'SIGINT');
      expect(stopped.code, frozen.stderr()).toBe(0);
      expect(stopped.tookMs).toBeLessThan(STOP_BOUND_MS);
      expect(frozen.stderr()).toMatch(/SIGINT: stopping/);
    } finally {
      services.resumeRedis();
      services.resumePostgres();
    }
  });
});
