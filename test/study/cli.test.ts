/**
 * The commands as a user runs them: the real CLI (from source, through tsx) in a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStudyStore, type StoredStudy } from '../../src/store/index.js';
import { descendants, waitGone } from '../helpers/procs.js';
import { fakeResult, fakeStudy, fakeTelemetry } from '../report/fixture.js';
import { removeTempDirs, tempDir, writeTinyModel } from './tiny-model.js';

afterAll(removeTempDirs);

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const RULES = 'stopRules: { warmupTimeMs: 10, warmupCount: 2, minTimeMs: 50, minCount: 10, maxTimeMs: 2000 }';
/** Short rounds, no telemetry sampler (it costs start-up time in every worker). */
const FAST = `${RULES}\ntelemetry: false`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd,
    env: { ...process.env, EDGEBENCH_STORE: path.join(cwd, 'default-store.db'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

function finish(child: ChildProcess, onStderr?: (text: string) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function edgebench(args: string[], cwd: string): Promise<Result> {
  return finish(start(args, cwd));
}

function writeSpec(dir: string, rounds = 2): string {
  writeTinyModel('tiny', { width: 16, depth: 1 }, dir);
  const file = path.join(dir, 'study.yaml');
  writeFileSync(
    file,
    `name: cli\nmodels: [tiny.onnx]\noptimized: [{ name: all, graphOptLevel: all }]\nrounds: ${rounds}\n${FAST}\nfidelity: { count: 2 }\n`,
  );
  return file;
}

function countMeasurements(store: string): number {
  const db = new Database(store, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM measurements WHERE status = 'ok'`).get() as { n: number })
      .n;
  } finally {
    db.close();
  }
}

/** Writes a fixture study into a store, with every latency multiplied by `scale` (telemetry kept). */
async function storeFixture(
  file: string,
  id: string,
  scale: number,
  fixture: StoredStudy = fakeStudy({ samplesPerRound: 100 }),
): Promise<void> {
  const store = SqliteStudyStore.open(file);
  await store.createStudy({ id, name: id, source: 'test', spec: fixture.study.spec, edgebenchVersion: '0' });
  const variants = await store.addVariants(
    id,
    fixture.variants.map(
      ({ id: _i, studyId: _s, modelPath: _p, modelSha256: _h, status: _st, failure: _f, ...v }) => v,
    ),
  );
  for (const m of fixture.measurements) {
    if (m.status !== 'ok') continue;
    const key = fixture.variants.find((v) => v.id === m.variantId)!.key;
    await store.recordMeasurement({
      variantId: variants.find((v) => v.key === key)!.id,
      round: m.round,
      startedAt: m.startedAt,
      endedAt: m.endedAt,
      result: fakeResult(Array.from(m.samplesMs, (x) => x * scale)),
      ...(m.telemetry ? { telemetry: m.telemetry } : {}),
    });
  }
  await store.updateStudy(id, { status: 'finished' });
  await store.close();
}

describe('edgebench study, history, show, report', () => {
  it('runs a study from a spec file, prints the table and writes every report', async () => {
    const dir = tempDir('edgebench-cli-');
    const spec = writeSpec(dir);
    const store = path.join(dir, 'store.db');
    const out = path.join(dir, 'out');
    const run = await edgebench(['study', spec, '--store', store, '--out', out], dir);
    expect(run.stderr).toContain('[4/4]');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('% speed improvement');
    expect(run.stdout).toMatch(/tiny +all /);
    expect(run.stdout).toContain('arithmetic mean, as the study reports');
    for (const f of ['report.md', 'report.csv', 'report.json', 'report.html']) {
      expect(run.stdout).toContain(path.join(out, f));
      expect(existsSync(path.join(out, f))).toBe(true);
    }
    const id = /study (\d{8}-\d{6}-[0-9a-f]{4})/.exec(run.stdout)![1];
    expect(countMeasurements(store)).toBe(4);

    const history = await edgebench(['history', '--store', store], dir);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain(id);
    expect(history.stdout).toContain('finished');

    const show = await edgebench(['show', id.slice(0, 11), '--store', store], dir);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`study ${id}`);
    expect(show.stdout).toContain('round medians ms');

    const csvFile = path.join(dir, 'again', 'r.csv');
    const report = await edgebench(['report', id, '--format', 'csv', '-o', csvFile, '--store', store], dir);
    expect(report.code).toBe(0);
    expect(readFileSync(csvFile, 'utf8')).toBe(readFileSync(path.join(out, 'report.csv'), 'utf8'));
    const md = await edgebench(['report', 'latest', '--store', store], dir);
    expect(md.stdout).toContain(`# Study cli (${id})`);
  });

  it('Ctrl-C keeps every finished measurement, and --resume completes the study', async () => {
    const dir = tempDir('edgebench-cli-');
    const spec = writeSpec(dir, 3);
    const store = path.join(dir, 'store.db');
    const child = start(['study', spec, '--store', store, '--out', path.join(dir, 'out')], dir);
    let sent = false;
    const run = await finish(child, (stderr) => {
      if (!sent && stderr.includes('[2/6]')) {
        sent = true;
        // Like a terminal's Ctrl-C: the whole process group, workers included.
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/edgebench study --resume \d{8}-/);
    const kept = countMeasurements(store);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(6);
    const history = await edgebench(['history', '--store', store], dir);
    expect(history.stdout).toContain('interrupted');

    const resumed = await edgebench(
      ['study', '--resume', '--store', store, '--out', path.join(dir, 'out')],
      dir,
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming`);
    expect(countMeasurements(store)).toBe(6);
  });
});

describe('a study stopped mid-round', () => {
  it('SIGTERM abandons the round in progress within 5 s (exit 143), keeps finished rounds, and --resume completes the study', async () => {
    const dir = tempDir('edgebench-stop-');
    writeTinyModel('tiny', { width: 16, depth: 1 }, dir);
    const spec = path.join(dir, 'study.yaml');
    writeFileSync(
      spec,
      `name: stop\nmodels: [tiny.onnx]\noptimized: [{ name: fused, recipes: [fuse] }]\nrounds: 1\n${FAST}\nfidelity: { enabled: false }\n`,
    );
    const store = path.join(dir, 'store.db');
    // Round 1 measures the baseline, then the fused model (written to the work folder), whose worker hangs.
    const child = start(['study', spec, '--store', store, '--out', path.join(dir, 'out')], dir, {
      EDGEBENCH_TEST_WORKER_FAULT: `hang:benchmark tiny ${path.join(dir, 'work')}`,
    });
    let roundStored = false;
    const ended = finish(child, (stderr) => {
      roundStored ||= stderr.includes('[1/2]');
    });
    // Once the baseline is stored, the fused model's worker starts (and hangs): then the signal.
    let workers: number[] = [];
    for (let i = 0; i < 600 && workers.length === 0 && child.exitCode === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (roundStored) workers = descendants(child.pid!);
    }
    expect(workers.length).toBeGreaterThan(0);
    const sentAt = Date.now();
    // To the command alone, as a service manager sends it (not to its process group).
    child.kill('SIGTERM');
    const run = await ended;
    const tookMs = Date.now() - sentAt;
    expect(run.code, run.stderr).toBe(143);
    expect(tookMs).toBeLessThan(5000);
    expect(run.stderr).toMatch(
      /interrupted: 1 measurement\(s\) stored; continue it with: edgebench study --resume \d{8}-/,
    );
    expect(run.stdout).toBe('');
    expect(countMeasurements(store)).toBe(1);
    expect(await waitGone(workers)).toEqual([]);

    const resumed = await edgebench(
      ['study', '--resume', '--store', store, '--out', path.join(dir, 'out')],
      dir,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('1 measurements to take');
    expect(countMeasurements(store)).toBe(2);
  });
});

describe('progress and show', () => {
  it('the progress counter counts a failed round as done and ends at N/N', async () => {
    const dir = tempDir('edgebench-progress-');
    writeTinyModel('tiny', { width: 16, depth: 1 }, dir);
    const spec = path.join(dir, 'study.yaml');
    writeFileSync(
      spec,
      `name: progress\nmodels: [tiny.onnx]\noptimized:\n  - { name: all, graphOptLevel: all }\n  - { name: fused, recipes: [fuse] }\nrounds: 3\n${FAST}\nfidelity: { enabled: false }\n`,
    );
    const store = path.join(dir, 'store.db');
    // The fused model is written to the work folder beside the store: each of its rounds crashes.
    const run = await finish(
      start(['study', spec, '--store', store, '--out', path.join(dir, 'out')], dir, {
        EDGEBENCH_TEST_WORKER_FAULT: `crash:benchmark tiny ${path.join(dir, 'work')}`,
      }),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('3 variants, 9 measurements to take');
    const counters = run.stderr
      .split('\n')
      .map((l) => /^\[(\d+)\/(\d+)\] /.exec(l))
      .filter((m) => m !== null)
      .map((m) => [Number(m[1]), Number(m[2])]);
    // 3 variants × 3 rounds, less the 2 rounds the crashed variant does not take: no number skipped.
    expect(counters.map(([i]) => i)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(counters.at(-1)).toEqual([7, 7]);
    expect(run.stderr).toMatch(/^\[\d\/7\] tiny fused FAILED \(crash\): round 1: worker crashed/m);
    expect(countMeasurements(store)).toBe(6);
  });

  it('show prints the telemetry warnings', async () => {
    const dir = tempDir('edgebench-show-');
    const store = path.join(dir, 'store.db');
    const fixture = fakeStudy({ samplesPerRound: 50 });
    const fp32 = fixture.variants.find((v) => v.model === 'resnet18' && v.label === 'fp32')!;
    for (const m of fixture.measurements.filter((x) => x.variantId === fp32.id))
      m.telemetry = fakeTelemetry(m.result!.window, [
        { kind: 'thermal-limit', source: 'thermal', message: 'the CPU reached its 95 °C limit' },
      ]);
    await storeFixture(store, '20250101-000000-cccc', 1, fixture);
    const show = await edgebench(['show', 'latest', '--store', store], dir);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('telemetry warnings (throttling and drift seen during the measurements):');
    expect(show.stdout).toContain(
      '  resnet18 fp32 (thermal-limit, rounds 1, 2): the CPU reached its 95 °C limit',
    );
  });
});

describe('edgebench diff', () => {
  it('exits 1 when a variant is significantly slower than the threshold allows', async () => {
    const dir = tempDir('edgebench-diff-');
    const store = path.join(dir, 'store.db');
    await storeFixture(store, '20250101-000000-aaaa', 1);
    await storeFixture(store, '20250102-000000-bbbb', 1.3);
    const slower = await edgebench(
      ['diff', '20250101-000000-aaaa', '20250102', '--store', store, '--fail-on-regression', '10'],
      dir,
    );
    expect(slower.code).toBe(1);
    expect(slower.stdout).toContain('REGRESSION');
    expect(slower.stdout).toMatch(/resnet18\|fp32\|cpu\|t0\|b1\|single-stream .*\+30\.\d%/);
    expect(slower.stderr).toContain('regressed by more than 10%');
    const lenient = await edgebench(
      ['diff', '20250101', '20250102', '--store', store, '--fail-on-regression', '50'],
      dir,
    );
    expect(lenient.code).toBe(0);
    const faster = await edgebench(
      ['diff', '20250102', '20250101', '--store', store, '--fail-on-regression', '10'],
      dir,
    );
    expect(faster.code).toBe(0);
    expect(faster.stdout).toContain('faster');
    const json = await edgebench(['diff', '20250101', '20250102', '--store', store, '--json'], dir);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).rows.length).toBe(9);
  });
});

describe('bad input: one line, exit 2', () => {
  it('spec errors name the field and line; unknown models, presets and stores are refused', async () => {
    const dir = tempDir('edgebench-bad-');
    const spec = path.join(dir, 'bad.yaml');
    writeFileSync(spec, 'models: [zoo:resnet18]\noptimized:\n  - name: opt\n    recipes: [turbo]\n');
    const bad = await edgebench(['study', spec, '--store', path.join(dir, 's.db')], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${spec}:4:15: optimized[0].recipes[0]: a recipe must be one of`);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);

    writeFileSync(spec, 'models: [zoo:resnet99]\noptimized: [{ name: opt }]\n');
    const unknown = await edgebench(['study', spec, '--store', path.join(dir, 's.db')], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown zoo model 'resnet99'");

    const none = await edgebench(['study'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--preset paper|quick|gpu');

    const corrupt = path.join(dir, 'corrupt.db');
    writeFileSync(corrupt, Buffer.alloc(4096, 1));
    const broken = await edgebench(['history', '--store', corrupt], dir);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`the store ${corrupt} is corrupt or not an SQLite database`);

    const missing = await edgebench(['show', 'latest', '--store', path.join(dir, 'none.db')], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no store at');
  });

  it('--resume with nothing to resume says so and creates no store', async () => {
    const dir = tempDir('edgebench-resume-');
    const store = path.join(dir, 'none.db');
    const latest = await edgebench(['study', '--resume', '--store', store], dir);
    expect(latest.code).toBe(2);
    expect(latest.stderr.trim().split('\n')).toHaveLength(1);
    expect(latest.stderr).toContain(`no unfinished study in the store ${store}`);
    const byId = await edgebench(['study', '--resume', '20250101', '--store', store], dir);
    expect(byId.code).toBe(2);
    expect(byId.stderr.trim().split('\n')).toHaveLength(1);
    expect(byId.stderr).toContain(`no study '20250101' in the store ${store}`);
    // The default store (EDGEBENCH_STORE here) is not created either.
    const byDefault = await edgebench(['study', '--resume'], dir);
    expect(byDefault.code).toBe(2);
    expect(byDefault.stderr).toContain(
      `no unfinished study in the store ${path.join(dir, 'default-store.db')}`,
    );
    expect(readdirSync(dir)).toEqual([]);

    // A store whose studies are all finished: the same one line, and no study is added.
    const finished = path.join(dir, 'finished.db');
    await storeFixture(finished, '20250101-000000-dddd', 1);
    const nothing = await edgebench(['study', '--resume', '--store', finished], dir);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr.trim().split('\n')).toHaveLength(1);
    expect(nothing.stderr).toContain(`no unfinished study in the store ${finished}`);
    const db = new Database(finished, { readonly: true });
    try {
      expect(db.prepare('SELECT id, status FROM studies').all()).toEqual([
        { id: '20250101-000000-dddd', status: 'finished' },
      ]);
    } finally {
      db.close();
    }
  });

  it('a store locked by another process', async () => {
    const dir = tempDir('edgebench-lock-');
    const spec = writeSpec(dir);
    const store = path.join(dir, 'store.db');
    (SqliteStudyStore.open(store) as SqliteStudyStore).close();
    const other = new Database(store);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const locked = await edgebench(['study', spec, '--store', store], dir);
      expect(locked.code).toBe(2);
      expect(locked.stderr).toContain(`the store ${store} is locked by another process`);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });
});
