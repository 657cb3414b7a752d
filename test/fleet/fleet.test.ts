/**
 * A fleet on one machine, as it runs for real: a redis-server and a PostgreSQL of the test's own,
 * agents with different tags and a submitter as separate processes of the built CLI. Checks that every
 * result lands once in PostgreSQL, that the reports build from it with a column per device, that jobs
 * go only to agents that meet their requirements, that an agent killed mid-job (SIGKILL) costs nothing
 * (its job is measured by another agent, stored once), that agents go on through Redis and PostgreSQL
 * restarts, that each device class's fidelity is measured by its own agent, and that no credential is
 * ever printed.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../src/fleet/connection.js';
import { PostgresStudyStore } from '../../src/store/postgres.js';
import type { StoredStudy } from '../../src/store/types.js';
import { removeTempDirs, tempDir, writeTinyModel } from '../study/tiny-model.js';
import {
  type CliProcess,
  cliBuilt,
  everyOutput,
  killAll,
  runCli,
  signal,
  startCli,
  waitForStderr,
} from './processes.js';
import { type FleetServices, servicesSkipReason, startServices } from './services.js';

const skip = servicesSkipReason();
if (skip) console.warn(`fleet tests skipped: ${skip}`);

/** Short locks and checks so that a dead agent's job comes back within seconds. */
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
/** Short rounds, and a small bootstrap (the reports are built several times). */
const RULES =
  'stopRules: { warmupTimeMs: 5, warmupCount: 2, minTimeMs: 40, minCount: 10, maxTimeMs: 2000 }\nbootstrap: { resamples: 200 }';

describe.skipIf(skip !== null)('fleet: agents, queue and store as separate processes', () => {
  let services: FleetServices;
  let dir: string;
  let spec: string;
  let store: PostgresStudyStore;
  const started: CliProcess[] = [];
  /** Output of the commands run to their end. */
  const printed: string[] = [];

  const agent = (
    name: string,
    tags: string,
    extra: string[] = [],
    env: Record<string, string | undefined> = {},
  ) => {
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
        ...extra,
      ],
      env,
    );
    started.push(p);
    return p;
  };

  const submit = async (devices: string, rounds: number, specFile = spec) => {
    const result = await runCli([
      'fleet',
      'submit',
      specFile,
      '--queue',
      services.redisUrl,
      '--store',
      services.postgresUrl,
      '--devices',
      devices,
      '--rounds',
      String(rounds),
    ]);
    printed.push(result.stdout, result.stderr);
    expect(result.code, result.stderr).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    return id;
  };

  /** Polls the store (through its restarts) until the study is finished. */
  const finished = async (studyId: string, timeoutMs = 60_000): Promise<StoredStudy> => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const progress = await store.studyProgress(studyId);
        last = JSON.stringify(progress);
        if (progress.status === 'finished') return await store.loadStudy(studyId);
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const logs = started.map((p) => `--- ${p.name}\n${p.stderr().slice(-1500)}`).join('\n');
    throw new Error(`study ${studyId} did not finish: ${last}\n${logs}`);
  };

  const storedRounds = async (studyId: string) => {
    try {
      return (await store.studyProgress(studyId)).stored;
    } catch {
      return 0;
    }
  };

  /** Every (variant, round) once, every round measured ok. */
  const expectEachOnce = (stored: StoredStudy, rounds: number) => {
    const keys = stored.measurements.map((m) => `${m.variantId}:${m.round}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(stored.variants.length * rounds);
    for (const m of stored.measurements) {
      expect(m.status, m.failure?.reason).toBe('ok');
      expect(m.samplesMs.length).toBeGreaterThan(0);
      expect(m.agent).toBeTruthy();
    }
  };

  beforeAll(async () => {
    if (!cliBuilt()) throw new Error('dist/cli/main.js is missing: build first (npm run build)');
    try {
      createRequire(import.meta.url).resolve('ioredis');
    } catch {
      throw new Error(
        "BullMQ needs the 'ioredis' package to reach Redis: add it to package.json's dependencies",
      );
    }
    services = await startServices();
    store = await PostgresStudyStore.open(services.postgresUrl, { onPoolError: () => {} });
    dir = tempDir('edgebench-fleet-test-');
    writeTinyModel('tiny', { width: 16, depth: 1 }, dir);
    spec = path.join(dir, 'study.yaml');
    writeFileSync(
      spec,
      `name: fleet\nmodels: [tiny.onnx]\noptimized: [{ name: all, graphOptLevel: all }]\n${RULES}\ntelemetry: false\nfidelity: { enabled: false }\n`,
    );
  });

  afterAll(async () => {
    // EDGEBENCH_TEST_FLEET_LOGS=1 prints what every process said (for debugging a failure).
    if (process.env.EDGEBENCH_TEST_FLEET_LOGS)
      for (const p of started) console.log(`--- ${p.name}\n${p.stderr()}`);
    await killAll();
    await store?.close().catch(() => {});
    await services?.stop();
    removeTempDirs();
  });

  it('measures a study on every device class, each result once, through Redis and PostgreSQL restarts', async () => {
    const nano = agent('agent-nano', 'nano');
    const orin = agent('agent-orin', 'orin');
    // Credentials from the environment instead of the URLs.
    const envAgent = startCli(
      'agent-env',
      [
        'agent',
        '--queue',
        `redis://127.0.0.1:${services.redisPort}`,
        '--store',
        `postgres://edgebench@127.0.0.1:${services.postgresPort}/postgres`,
        '--tags',
        'nano,orin',
        '--id',
        'agent-env',
        '--cache',
        path.join(dir, 'cache-env'),
        ...FAST_AGENT,
      ],
      { EDGEBENCH_REDIS_PASSWORD: services.redisPassword, PGPASSWORD: services.postgresPassword },
    );
    started.push(envAgent);
    for (const p of [nano, orin, envAgent]) await waitForStderr(p, /agent \S+ on /);

    const studyId = await submit('nano,orin', 3);

    // Restart Redis, then PostgreSQL, while the study runs (each down for half a second).
    const deadline = Date.now() + 30_000;
    while ((await storedRounds(studyId)) < 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const atRestart = await storedRounds(studyId);
    await services.stopRedis();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await services.startRedis();
    await services.stopPostgres();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await services.startPostgres();
    if (process.env.EDGEBENCH_TEST_FLEET_LOGS) console.log(`restarted with ${atRestart}/12 rounds stored`);

    // A class no agent has: its jobs wait in their own queue, untouched.
    const unroutable = await submit('tpu', 1);

    const stored = await finished(studyId);
    expectEachOnce(stored, 3);
    expect(stored.variants.map((v) => v.device).sort()).toEqual(['nano', 'nano', 'orin', 'orin']);
    for (const m of stored.measurements) {
      const device = stored.variants.find((v) => v.id === m.variantId)?.device;
      // Only agents with the device's tag measured it.
      expect(device === 'nano' ? ['agent-nano', 'agent-env'] : ['agent-orin', 'agent-env']).toContain(
        m.agent,
      );
    }
    expect(stored.devices?.length).toBeGreaterThan(0);
    expect(stored.devices?.[0].capabilities).toMatchObject({ eps: expect.arrayContaining(['cpu']) });

    // A malformed job (as anyone with access to Redis could queue) is failed, never run.
    const queue = new Queue('edgebench.cpu.nano', { connection: redisOptions(services.redisUrl) });
    try {
      await queue.add('measure', {
        version: 1,
        studyId: '$(touch /tmp/pwned)',
        model: { sha256: '../../etc/passwd' },
      });
      const until = Date.now() + 15_000;
      while ((await queue.getJobCounts('failed')).failed < 1 && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await queue.getJobCounts('failed')).failed).toBe(1);
    } finally {
      await queue.close();
    }
    expect(everyOutput([nano, envAgent])).toMatch(/invalid job payload/);

    // The agents went on after both restarts: a study submitted now completes too, with telemetry.
    const withTelemetry = path.join(dir, 'telemetry.yaml');
    writeFileSync(
      withTelemetry,
      `name: telemetry\nmodels: [tiny.onnx]\noptimized: [{ name: all, graphOptLevel: all }]\n${RULES}\ntelemetry: { intervalMs: 20, preRunChecks: false }\nfidelity: { count: 2 }\n`,
    );
    const after = await submit('nano,orin', 1, withTelemetry);
    const afterStored = await finished(after);
    expectEachOnce(afterStored, 1);
    for (const m of afterStored.measurements)
      expect(m.telemetry).toMatchObject({ sourcesUsed: expect.arrayContaining(['proc']) });
    expect(afterStored.fidelity.map((f) => f.metrics?.cosine)).toEqual([1, 1]);
    // Fidelity is measured by an agent of each device class, with its own engines, not by the submitter.
    const deviceOf = new Map(afterStored.variants.map((v) => [v.id, v.device]));
    for (const f of afterStored.fidelity) {
      const device = deviceOf.get(f.variantId);
      expect(f.error).toBeNull();
      // agent-env serves both classes, so either agent of the class may have taken the job.
      expect([`agent agent-${device} (${device}): study`, `agent agent-env (${device}): study`]).toContain(
        f.source,
      );
    }

    // Status: the live agents with their capabilities, the queues, the study progress. An agent is
    // listed while its heartbeat key lives (a 2 s TTL): on a loaded machine one beat can come late,
    // so the snapshot is taken again, for a while, until every agent is in it.
    const statusNow = async () => {
      const status = await runCli([
        'fleet',
        'status',
        '--queue',
        services.redisUrl,
        '--store',
        services.postgresUrl,
        '--json',
      ]);
      printed.push(status.stdout, status.stderr);
      expect(status.code, status.stderr).toBe(0);
      return JSON.parse(status.stdout);
    };
    let s = await statusNow();
    for (const until = Date.now() + 15_000; s.agents.length < 3 && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      s = await statusNow();
    }
    expect(s.agents.map((a: { capabilities: { agent: string } }) => a.capabilities.agent).sort()).toEqual([
      'agent-env',
      'agent-nano',
      'agent-orin',
    ]);
    expect(
      s.agents.find((a: { capabilities: { agent: string } }) => a.capabilities.agent === 'agent-orin')
        .capabilities,
    ).toMatchObject({ tags: ['orin'], eps: expect.arrayContaining(['cpu']) });
    const tpu = s.queues.find((q: { name: string }) => q.name === 'edgebench.cpu.tpu');
    expect(tpu).toMatchObject({ device: 'tpu', eligible: [], servedBy: [] });
    expect(tpu.counts.waiting).toBe(2);
    expect(s.studies.find((x: { studyId: string }) => x.studyId === studyId)).toMatchObject({
      status: 'finished',
      stored: 12,
      remaining: 0,
    });
    expect(s.studies.find((x: { studyId: string }) => x.studyId === unroutable)).toMatchObject({
      status: 'running',
      stored: 0,
    });
    const text = await runCli([
      'fleet',
      'status',
      '--queue',
      services.redisUrl,
      '--store',
      services.postgresUrl,
    ]);
    expect(text.stdout).toMatch(/no live agent has them/);

    // Reports from PostgreSQL: the usual commands, a column per device, the same model side by side.
    const md = await runCli(['report', studyId, '--store', services.postgresUrl, '--format', 'md']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/\| model \| device \| variant \|/);
    expect(md.stdout).toMatch(/## By device/);
    expect(md.stdout).toMatch(
      /\| tiny \| all \| [\d.]+ \| [\d.]+ \| [\d.]+× \| [\d.]+ \| [\d.]+ \| [\d.]+× \|/,
    );
    const csv = await runCli(['report', studyId, '--store', services.postgresUrl, '--format', 'csv']);
    const header = csv.stdout.split('\r\n')[0].split(',');
    const rows = csv.stdout
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(','));
    expect(rows.map((r) => r[header.indexOf('device')]).sort()).toEqual(['nano', 'nano', 'orin', 'orin']);
    const results = await runCli([
      'fleet',
      'results',
      studyId,
      '--store',
      services.postgresUrl,
      '--format',
      'json',
    ]);
    const report = JSON.parse(results.stdout);
    expect(report.comparisons.map((c: { device: string }) => c.device).sort()).toEqual(['nano', 'orin']);
    expect(report.comparisons.every((c: { status: string }) => c.status === 'ok')).toBe(true);
    const show = await runCli(['show', studyId, '--store', services.postgresUrl]);
    expect(show.stdout).toMatch(/by device/);

    // SIGTERM: a clean stop, and the agent leaves the list of live agents at once.
    signal(nano, 'SIGTERM');
    expect(await nano.exited).toBe(0);
    expect(nano.stderr()).toMatch(/agent agent-nano stopped/);

    // No credential, in any line any process printed.
    const all = [everyOutput(started), ...printed, text.stdout, md.stdout, results.stdout].join('\n');
    expect(all).toContain('***');
    expect(all).not.toContain(services.redisPassword);
    expect(all).not.toContain(services.postgresPassword);
  });

  it('hands back a job still measuring when SIGTERM comes, and retries the job of an agent killed mid-job (SIGKILL) elsewhere, storing each once', async () => {
    // The victims' measuring workers hang, so they are surely mid-job when stopped.
    const hang = { EDGEBENCH_TEST_WORKER_FAULT: 'hang' };
    const polite = agent('agent-polite', 'kill', [], hang);
    await waitForStderr(polite, /agent \S+ on /);
    const studyId = await submit('kill', 1);
    const handed = await waitForStderr(polite, /measuring (\S+) round 1 \(job (\S+), try 1\)/);
    // SIGTERM: the job in hand (it hangs) outlasts the stop's grace: it is handed back, the agent exits.
    signal(polite, 'SIGTERM');
    expect(await polite.exited).toBe(0);
    expect(polite.stderr()).toContain(`job ${handed[2]} handed back to the queue: still running`);

    const victim = agent('agent-victim', 'kill', [], hang);
    const measuring = await waitForStderr(victim, /measuring (\S+) round 1 \(job (\S+), try \d\)/);
    const victimJob = measuring[2];
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBeNull();

    const rescuer = agent('agent-rescuer', 'kill');
    const stored = await finished(studyId);
    expectEachOnce(stored, 1);
    expect(stored.measurements.every((m) => m.agent === 'agent-rescuer')).toBe(true);
    const variantId = Number(/\.v(\d+)\.r1$/.exec(victimJob)?.[1]);
    const retried = stored.measurements.find((m) => m.variantId === variantId);
    expect(retried?.attempt).toBeGreaterThanOrEqual(2);
    expect(rescuer.stderr()).toMatch(new RegExp(`job ${victimJob.replace(/\./g, '\\.')}, try [2-9]`));
  });

  it('fails a job after --max-starts starts, recording its round as failed, so the study still finishes', async () => {
    const victim = agent('agent-doomed', 'doomed', ['--max-starts', '1'], {
      EDGEBENCH_TEST_WORKER_FAULT: 'hang',
    });
    await waitForStderr(victim, /agent \S+ on /);
    const studyId = await submit('doomed', 1);
    const measuring = await waitForStderr(victim, /measuring (\S+) round 1 \(job (\S+), try 1\)/);
    victim.child.kill('SIGKILL');
    const survivor = agent('agent-survivor', 'doomed', ['--max-starts', '1']);
    const stored = await finished(studyId);
    const failedVariant = stored.variants.find((v) => v.key === measuring[1]);
    expect(failedVariant).toMatchObject({ status: 'failed', failure: { kind: 'error' } });
    expect(failedVariant?.failure?.reason).toMatch(/started more than allowable limit/);
    const ok = stored.measurements.filter((m) => m.status === 'ok');
    expect(ok).toHaveLength(1);
    expect(stored.measurements).toHaveLength(2);
    expect(survivor.stderr()).toMatch(/failed \(try \d\): job started more than allowable limit/);
  });

  it('refuses wrong credentials with one line that does not print them', async () => {
    const wrongPg = await runCli([
      'agent',
      '--queue',
      services.redisUrl,
      '--store',
      `postgres://edgebench:Wrong-Pg-Secret@127.0.0.1:${services.postgresPort}/postgres`,
    ]);
    expect(wrongPg.code).toBe(2);
    expect(wrongPg.stderr).toMatch(/refused the credentials/);
    expect(wrongPg.stderr).toContain('postgres://edgebench:***@');
    const wrongRedis = await runCli([
      'fleet',
      'status',
      '--queue',
      `redis://:Wrong-Redis-Secret@127.0.0.1:${services.redisPort}`,
    ]);
    expect(wrongRedis.code).toBe(2);
    expect(wrongRedis.stderr).toMatch(/refused the credentials/);
    const printed = `${wrongPg.stdout}${wrongPg.stderr}${wrongRedis.stdout}${wrongRedis.stderr}`;
    expect(printed).not.toContain('Wrong-Pg-Secret');
    expect(printed).not.toContain('Wrong-Redis-Secret');
    expect(printed).not.toContain(services.redisPassword);
  });
});
