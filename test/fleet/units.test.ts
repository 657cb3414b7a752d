/**
 * The fleet's pieces that need no server: credentials masking, job payload validation, device
 * classes and queue routing, models by content, connection options, capabilities, and the reports'
 * device dimension.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EnvironmentReport } from '../../src/env/environment.js';
import { capabilitiesFrom } from '../../src/fleet/capabilities.js';
import {
  queueError,
  reconnectDelayMs,
  redisOptions,
  resolveFleetStoreUrl,
  resolveQueueUrl,
} from '../../src/fleet/connection.js';
import {
  deviceClassName,
  meetsRequirements,
  parseDeviceClasses,
  parseQueueName,
  parseTags,
  queueNameFor,
} from '../../src/fleet/devices.js';
import { ensureModel, ModelHashMismatch, sha256Bytes } from '../../src/fleet/model-cache.js';
import {
  type FleetFidelityJob,
  type FleetJob,
  fleetFidelityJobId,
  fleetJobId,
  parseFleetFidelityJob,
  parseFleetJob,
} from '../../src/fleet/payload.js';
import { retryTransient } from '../../src/fleet/retry.js';
import { studyCharts } from '../../src/report/charts.js';
import { CSV_COLUMNS, renderCsv } from '../../src/report/csv.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyTable } from '../../src/report/study-table.js';
import { isTransientStoreError, postgresError } from '../../src/store/postgres.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { Redactor, redactText, redactUrl, secretsOf } from '../../src/util/redact.js';
import { fleetStudy } from '../report/study-fixtures.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';

afterAll(removeTempDirs);

describe('credentials are never printed', () => {
  it('masks the password of every URL, keeps the rest', () => {
    expect(redactUrl('postgres://bob:s3cret@db:5432/x')).toBe('postgres://bob:***@db:5432/x');
    expect(redactUrl('redis://:hunter22@127.0.0.1:6379/0')).toBe('redis://:***@127.0.0.1:6379/0');
    expect(redactUrl('rediss://default:p%40ss@cache:6380')).toBe('rediss://default:***@cache:6380');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('postgres://u@h/db?sslmode=require&password=abc')).toBe(
      'postgres://u@h/db?sslmode=require&password=***',
    );
    expect(redactText('cannot reach postgres://a:one@h1/x and redis://:two@h2:1 (retrying)')).toBe(
      'cannot reach postgres://a:***@h1/x and redis://:***@h2:1 (retrying)',
    );
  });

  it('masks known secrets anywhere, percent-decoded too', () => {
    expect(secretsOf('postgres://u:p%40ss@h/x')).toEqual(['p%40ss', 'p@ss']);
    const redactor = new Redactor(['postgres://u:p%40ss@h/x'], ['env-token-123']);
    expect(redactor.text('auth p@ss failed; token env-token-123')).toBe('auth *** failed; token ***');
    const error = Object.assign(new Error('password p@ss rejected'), { code: '28P01' });
    const clean = redactor.error(error);
    expect(clean.message).toBe('password *** rejected');
    expect(clean.stack).not.toContain('p@ss');
    expect(clean.code).toBe('28P01');
    expect(clean.cause).toBeUndefined();
  });

  it('store and queue errors name the server with the password masked', () => {
    const refused = postgresError(
      'postgres://u:***@h:1/x',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ) as Error;
    expect(refused.message).toMatch(
      /^cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@h:1\/x \(ECONNREFUSED\)/,
    );
    expect(isTransientStoreError(refused)).toBe(true);
    expect(isTransientStoreError(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    const wrong = queueError(
      'redis://:topsecret@h:1',
      new Error('WRONGPASS invalid username-password pair'),
    ) as Error;
    expect(wrong.message).toMatch(/refused the credentials/);
    expect(wrong.message).not.toContain('topsecret');
    expect(() => resolveQueueUrl('http://:topsecret@h')).toThrow(
      /redis:\/\/ or rediss:\/\/ URL, got 'http:\/\/:\*\*\*@h'/,
    );
    expect(() => resolveFleetStoreUrl('mysql://u:topsecret@h/x', {})).toThrow(/mysql:\/\/u:\*\*\*@h\/x/);
  });
});

describe('connections', () => {
  it('reads the queue URL into ioredis options that reconnect for ever', () => {
    const options = redisOptions('redis://user:p%40ss@cache.local:6380/2', {});
    expect(options).toMatchObject({
      host: 'cache.local',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
    });
    expect(redisOptions('rediss://h', { EDGEBENCH_REDIS_PASSWORD: 'from-env' })).toMatchObject({
      port: 6379,
      password: 'from-env',
      tls: {},
    });
    const retry = options.retryStrategy as (times: number) => number;
    expect([1, 2, 100, 10_000].map(retry)).toEqual([250, 500, 3000, 3000]);
    expect(reconnectDelayMs(0)).toBe(250);
    expect(resolveQueueUrl(undefined, { EDGEBENCH_QUEUE: 'redis://q:1' })).toBe('redis://q:1');
    expect(() => resolveQueueUrl(undefined, {})).toThrow(/--queue redis:\/\/HOST:PORT/);
  });

  it('retries a store operation through a restart, not through a bug', async () => {
    let calls = 0;
    const value = await retryTransient(async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('terminating connection'), { code: '57P01' });
      return 'ok';
    });
    expect([value, calls]).toEqual(['ok', 3]);
    calls = 0;
    await expect(
      retryTransient(async () => {
        calls++;
        throw new Error('syntax error');
      }),
    ).rejects.toThrow('syntax error');
    expect(calls).toBe(1);
  });

  it('gives up at once when its signal aborts: between tries, and during a try that never answers', async () => {
    const stop = new AbortController();
    let calls = 0;
    const waiting = retryTransient(
      async () => {
        calls++;
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
      { signal: stop.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    expect(calls).toBe(1);

    // A server frozen mid-query: the try itself hangs.
    const frozen = new AbortController();
    const hung = retryTransient(() => new Promise<never>(() => {}), { signal: frozen.signal });
    frozen.abort(new Error('stopping'));
    await expect(hung).rejects.toThrow('stopping');
  });
});

describe('device classes and queues', () => {
  it('parses tags and classes, naming what is wrong', () => {
    expect(parseTags('Jetson-Nano, cuda,cuda')).toEqual(['cuda', 'jetson-nano']);
    expect(parseTags(undefined)).toEqual([]);
    expect(() => parseTags('a b')).toThrow(/'a b' is not a tag/);
    expect(() => parseTags('../x')).toThrow(/is not a tag/);
    expect(parseDeviceClasses(undefined)).toEqual([[]]);
    expect(parseDeviceClasses('nano,orin+cuda,any')).toEqual([['nano'], ['cuda', 'orin'], []]);
    expect(() => parseDeviceClasses('nano,nano')).toThrow(/twice/);
    expect(deviceClassName(['orin', 'cuda'])).toBe('cuda+orin');
  });

  it('routes by queue: a job reaches only agents that meet its requirements', () => {
    const name = queueNameFor({ ep: 'cuda', tags: ['orin', 'cuda'] });
    expect(name).toBe('edgebench.cuda.cuda+orin');
    expect(parseQueueName(name)).toEqual({ ep: 'cuda', tags: ['cuda', 'orin'] });
    expect(parseQueueName('edgebench.cpu.any')).toEqual({ ep: 'cpu', tags: [] });
    expect(parseQueueName('edgebench.rm -rf.any')).toBeNull();
    expect(parseQueueName('bull:other')).toBeNull();
    const agent = { tags: ['nano', 'cuda'], eps: ['cpu'] };
    expect(meetsRequirements({ ep: 'cpu', tags: ['nano'] }, agent)).toEqual({ ok: true });
    expect(meetsRequirements({ ep: 'cpu', tags: [] }, agent)).toEqual({ ok: true });
    expect(meetsRequirements({ ep: 'cuda', tags: ['nano'] }, agent)).toMatchObject({ ok: false });
    expect(meetsRequirements({ ep: 'cpu', tags: ['orin'] }, agent)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/orin/),
    });
  });
});

const JOB: FleetJob = {
  version: 1,
  studyId: '20250101-000000-abcd',
  variantId: 3,
  variantKey: 'tiny|base|cpu|t0|b1|single-stream@nano',
  device: 'nano',
  round: 2,
  requirements: { ep: 'cpu', tags: ['nano'] },
  model: { sha256: 'a'.repeat(64), name: 'tiny', sizeBytes: 10 },
  engine: { executionProvider: 'cpu', intraOpThreads: 0, graphOptLevel: 'all' },
  batch: 1,
  seed: 42,
  stopRules: {
    warmupTimeMs: 1,
    warmupCount: 1,
    minTimeMs: 1,
    minCount: 1,
    maxCount: 0,
    maxTimeMs: 10,
    relCi: 0,
  },
  telemetry: false,
  recipes: [],
  scenarioName: 'single-stream',
  timeoutMs: 60_000,
};

describe('job payloads', () => {
  it('accepts a job as the submitter writes it', () => {
    expect(parseFleetJob(JOB)).toEqual({ ok: true, job: JOB });
    expect(parseFleetJob(structuredClone(JSON.parse(JSON.stringify(JOB)))).ok).toBe(true);
    expect(fleetJobId('s', 3, 2)).toBe('s.v3.r2');
  });

  it('refuses anything else before it is used: paths, commands, unknown fields, mismatched requirements', () => {
    const bad = (patch: Record<string, unknown>) => parseFleetJob({ ...JOB, ...patch });
    expect(bad({ model: { ...JOB.model, sha256: '../../etc/passwd' } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/model\.sha256/),
    });
    expect(bad({ model: { ...JOB.model, name: '../x' } }).ok).toBe(false);
    expect(bad({ command: 'rm -rf /' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/command/),
    });
    expect(bad({ modelPath: '/etc/passwd' }).ok).toBe(false);
    expect(bad({ studyId: '$(touch /tmp/x)' }).ok).toBe(false);
    expect(bad({ engine: { ...JOB.engine, executionProvider: 'cuda' } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/required ep/),
    });
    expect(bad({ engine: { ...JOB.engine, providerOptions: { lib: '/tmp/evil.so' } } }).ok).toBe(false);
    expect(bad({ round: 0 }).ok).toBe(false);
    expect(parseFleetJob(null).ok).toBe(false);
    expect(parseFleetJob('{}').ok).toBe(false);
  });

  it('a fidelity job names both models by hash and nothing to run', () => {
    const job: FleetFidelityJob = {
      version: 1,
      studyId: JOB.studyId,
      variantId: 2,
      variantKey: 'tiny|all@any',
      baselineVariantId: 1,
      baselineKey: 'tiny|baseline@any',
      device: 'any',
      requirements: JOB.requirements,
      base: { model: JOB.model, graphOptLevel: 'disabled' },
      optimized: { model: JOB.model, graphOptLevel: 'all' },
      opsetUpgrade: true,
      batch: 1,
      count: 4,
      seed: 7,
      timeoutMs: 60_000,
    };
    expect(parseFleetFidelityJob(job)).toEqual({ ok: true, job });
    expect(fleetFidelityJobId('s', 3)).toBe('s.v3.fidelity');
    const bad = (patch: Record<string, unknown>) => parseFleetFidelityJob({ ...job, ...patch });
    expect(bad({ base: { ...job.base, model: { ...JOB.model, sha256: '../x' } } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/base\.model\.sha256/),
    });
    expect(bad({ modelPath: '/etc/passwd' }).ok).toBe(false);
    expect(bad({ count: 0 }).ok).toBe(false);
    // A measurement job is not a fidelity job, nor the other way round.
    expect(parseFleetFidelityJob(JOB).ok).toBe(false);
    expect(parseFleetJob(job).ok).toBe(false);
  });
});

describe('models travel by content', () => {
  it('fetches, checks and caches the bytes under their hash; refuses bytes that do not match', async () => {
    const cache = tempDir();
    const data = Buffer.from('pretend this is an onnx model');
    const sha = sha256Bytes(data);
    let fetched = 0;
    const source = {
      getModel: async (hash: string) => {
        fetched++;
        return hash === sha ? { sha256: sha, name: 'm', data } : null;
      },
    };
    const file = await ensureModel(source, sha, cache);
    expect(file).toBe(path.join(cache, `${sha}.onnx`));
    await ensureModel(source, sha, cache);
    expect(fetched).toBe(1);
    writeFileSync(file, 'tampered');
    await ensureModel(source, sha, cache);
    expect(fetched).toBe(2);
    const liar = { getModel: async () => ({ sha256: 'b'.repeat(64), name: 'm', data }) };
    await expect(ensureModel(liar, 'b'.repeat(64), cache)).rejects.toBeInstanceOf(ModelHashMismatch);
    await expect(ensureModel(source, 'c'.repeat(64), cache)).rejects.toThrow(/holds no model/);
    await expect(ensureModel(source, '../../x', cache)).rejects.toThrow(/is not a sha256/);
  });
});

describe('capabilities', () => {
  it('announces the EPs that work, engines, CPU, GPUs and telemetry sources', () => {
    const report = {
      edgebench: '0.1.0',
      onnxruntime: '1.30.0',
      host: {
        hostname: 'nano-1',
        cpu: { model: 'ARM Cortex-A57', logicalCores: 4, architecture: 'arm64' },
        memoryBytes: 4e9,
        gpus: [{ vendor: 'nvidia', name: 'Maxwell' }],
        node: 'v20',
      },
      executionProviders: [
        { id: 'ort/cpu', bundled: true, available: true },
        { id: 'ort/cuda', bundled: false, available: true },
        { id: 'ort/webgpu', bundled: true, available: false, reason: 'no Vulkan' },
        { id: 'trtexec', bundled: false, available: true },
      ],
      telemetrySources: [
        { id: 'proc', available: true },
        { id: 'jetson', available: true },
        { id: 'rapl', available: false, reason: 'no powercap' },
      ],
    } as unknown as EnvironmentReport;
    const caps = capabilitiesFrom(report, { agent: 'a1', tags: ['nano'], concurrency: 1 });
    expect(caps).toMatchObject({
      agent: 'a1',
      hostname: 'nano-1',
      tags: ['nano'],
      eps: ['cpu', 'cuda'],
      cpu: { model: 'ARM Cortex-A57', logicalCores: 4, architecture: 'arm64' },
      gpus: [{ vendor: 'nvidia', name: 'Maxwell' }],
      telemetrySources: ['proc', 'jetson'],
    });
    expect(caps.engines.find((e) => e.id === 'ort/webgpu')).toMatchObject({
      available: false,
      reason: 'no Vulkan',
    });
  });
});

describe('reports of a fleet study: the device as a dimension', () => {
  const analysis = analyzeStudy(fleetStudy());

  it('compares each optimized variant with the baseline of the same device, and averages per device', () => {
    expect(analysis.comparisons.map((c) => [c.device, c.baselineKey.endsWith(`@${c.device}`)])).toEqual([
      ['nano', true],
      ['orin', true],
    ]);
    const [nano, orin] = analysis.comparisons;
    expect(nano.estimate!.speedup).toBeCloseTo(2, 1);
    expect(orin.estimate!.speedup).toBeCloseTo(4 / 3, 1);
    expect(analysis.averages.map((a) => a.device)).toEqual(['nano', 'orin']);
  });

  it('shows a device column, and the same model across devices side by side', () => {
    const text = formatStudyTable(analysis);
    expect(text).toMatch(/model +device +variant/);
    expect(text).toMatch(/fast on nano: average over 1 model/);
    const md = renderMarkdown(analysis);
    expect(md).toMatch(/\| model \| device \| variant \|/);
    expect(md).toContain(
      '| model | variant | nano ms | nano FPS | nano speedup | orin ms | orin FPS | orin speedup |',
    );
    expect(md).toMatch(/\| m \| fast \| 10\.0+ \| [\d.]+ \| 2\.00× \| 3\.0+ \| [\d.]+ \| 1\.33× \|/);
    expect(md).toContain('## Devices');
    expect(md).toContain('agent-nano');
    const rows = renderCsv(analysis)
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const col = (name: string) => rows[0].indexOf(name);
    expect(rows.slice(1).map((r) => [r[col('device')], r[col('agents')]])).toEqual([
      ['nano', 'agent-nano'],
      ['nano', 'agent-nano'],
      ['orin', 'agent-orin'],
      ['orin', 'agent-orin'],
    ]);
    const speedup = studyCharts(analysis).speedup as { data: { values: Array<{ variant: string }> } };
    expect(speedup.data.values.map((v) => v.variant)).toEqual(['fast @ nano', 'fast @ orin']);
  });
});
