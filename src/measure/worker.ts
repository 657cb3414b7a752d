/**
 * Measurements in a worker process: each job runs in a fresh `child_process.fork` of `worker-child`,
 * so a crash, a hang or running out of memory costs one failed job with its reason, never the caller.
 *
 * The child receives one job over IPC, sends one answer back, and exits. The parent classifies every
 * way a child can end without an answer:
 * - `timeout`: no answer within `timeoutMs` → the child is killed (SIGKILL);
 * - `oom`: V8 heap exhausted (`--max-old-space-size`), an allocation failure reported by the runtime,
 *   or a SIGKILL we did not send while the kernel counted an out-of-memory kill (the cgroup's
 *   memory.events or /proc/vmstat `oom_kill` rose during the job);
 * - `killed`: a SIGKILL we did not send, with no out-of-memory kill on record: something outside
 *   stopped the worker (the reason says what is known, and never guesses);
 * - `crash`: any other signal or non-zero exit;
 * - `error`: the job threw (the message is the error's);
 * - `unavailable`: the job's engine cannot run on this machine (an EngineUnavailableError: no trtexec,
 *   no torch, no GPU…); callers record the variant as skipped with the reason;
 * - `aborted`: the caller's AbortSignal fired (the worker and its process group are killed), or the
 *   worker died of SIGINT/SIGTERM/SIGHUP sent to it — not a property of the job, so callers should
 *   not record it.
 *
 * Each worker leads its own process group: a kill takes what it started (python, trtexec) with it,
 * and every worker still running when this process exits is killed (util/children.ts).
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { killChild, killLeftovers, trackChild } from '../util/children.js';
import { type BenchmarkOptions, benchmarkRequest } from './benchmark.js';
import type { PortableMeasureRequest } from './measure.js';
import type { PortableMeasureSettings } from './measure-with-engine.js';
import type { RunResult } from './result.js';

/** `benchmark()` options that can cross a process boundary (no hooks; the limits carry the signal). */
export type WorkerBenchmarkOptions = Omit<BenchmarkOptions, 'hooks' | 'signal'>;

export type WorkerJob =
  /** `measure(request)`: every engine, one request. */
  | { kind: 'measure'; request: PortableMeasureRequest }
  /**
   * Calls `export` of `module` (a file URL of edgebench's own code, never user input) with `args`
   * and sends back what it resolves to. Lets other modules (optimization, fidelity) run isolated
   * without this module knowing them.
   */
  | { kind: 'call'; module: string; export: string; args: unknown[] };

/** measureWithEngine settings that can cross a process boundary (no hooks, callbacks or signal). */
export type WorkerEngineSettings = PortableMeasureSettings;

export type WorkerFailureKind = 'crash' | 'timeout' | 'oom' | 'killed' | 'error' | 'unavailable' | 'aborted';

export type WorkerOutcome<T> =
  | { ok: true; value: T; wallMs: number }
  | { ok: false; kind: WorkerFailureKind; reason: string; wallMs: number; stderrTail: string };

export interface WorkerLimits {
  /** Kill the worker after this long without an answer; 0 = never (default 10 minutes). */
  timeoutMs?: number;
  /** V8 heap limit of the worker, MiB (`--max-old-space-size`); undefined = Node's default. */
  maxOldSpaceMb?: number;
  /** Aborting kills the worker and resolves with kind `aborted`. */
  signal?: AbortSignal;
  /** Extra environment for the worker. */
  env?: Record<string, string>;
}

export const DEFAULT_WORKER_TIMEOUT_MS = 600_000;

/** Messages between parent and child. */
export type WorkerRequestMessage = { type: 'job'; job: WorkerJob };
export type WorkerReplyMessage =
  | { type: 'result'; ok: true; value: unknown }
  | { type: 'result'; ok: false; kind: 'error' | 'oom' | 'unavailable'; message: string };

const TAIL_BYTES = 8192;

/** Words onnxruntime and the C++ runtime use when an allocation fails. */
const ALLOC_FAILURE = /bad_alloc|failed to allocate|out of memory|cannot allocate memory|allocation failed/i;
const V8_HEAP_OOM = /JavaScript heap out of memory|Reached heap limit|CALL_AND_RETRY_LAST/;

/** Signals that mean "someone stopped us" (Ctrl-C, kill, a closed terminal). */
const INTERRUPT_SIGNALS = new Set<string>(['SIGINT', 'SIGTERM', 'SIGHUP']);

/** The built child (`worker-child.js`), or its TypeScript source run through tsx's loader. */
function childEntry(): { file: string; execArgv: string[] } {
  const built = fileURLToPath(new URL('./worker-child.js', import.meta.url));
  if (existsSync(built)) return { file: built, execArgv: [] };
  const source = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
  const loader = createRequire(import.meta.url).resolve('tsx');
  return { file: source, execArgv: ['--import', pathToFileURL(loader).href] };
}

/** The file URL of a sibling module of `importMetaUrl`, in whichever form (.js built / .ts source) exists. */
export function siblingModuleUrl(importMetaUrl: string, relative: string): string {
  const js = new URL(relative, importMetaUrl);
  if (existsSync(fileURLToPath(js))) return js.href;
  const ts = new URL(relative.replace(/\.js$/, '.ts'), importMetaUrl);
  return existsSync(fileURLToPath(ts)) ? ts.href : js.href;
}

/**
 * The kernel's out-of-memory kill counters, where they can be read: `cgroup` for this process's
 * cgroup (v2 memory.events, v1 memory.oom_control), `system` for the whole machine (/proc/vmstat,
 * Linux 4.13+). A worker inherits its parent's cgroup, so a rise during a job is evidence about it.
 */
export interface OomKillCounters {
  cgroup?: { file: string; count: number };
  system?: { file: string; count: number };
}

function counterIn(file: string, key: string): number | undefined {
  try {
    const match = new RegExp(`^${key}\\s+(\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function cgroupOomFile(): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return undefined;
  }
  for (const line of lines) {
    const [, controllers, cgroupPath] = line.split(':');
    if (cgroupPath === undefined) continue;
    // The root cgroup has no memory.events; the system counter covers it.
    if (controllers === '' && cgroupPath !== '/') return `/sys/fs/cgroup${cgroupPath}/memory.events`;
    if (controllers.split(',').includes('memory'))
      return `/sys/fs/cgroup/memory${cgroupPath === '/' ? '' : cgroupPath}/memory.oom_control`;
  }
  return undefined;
}

export function readOomKillCounters(): OomKillCounters {
  const counters: OomKillCounters = {};
  const cgroupFile = cgroupOomFile();
  const cgroupCount = cgroupFile ? counterIn(cgroupFile, 'oom_kill') : undefined;
  if (cgroupFile && cgroupCount !== undefined) counters.cgroup = { file: cgroupFile, count: cgroupCount };
  const systemCount = counterIn('/proc/vmstat', 'oom_kill');
  if (systemCount !== undefined) counters.system = { file: '/proc/vmstat', count: systemCount };
  return counters;
}

/**
 * A SIGKILL the parent did not send, classified on evidence only: `oom` where an out-of-memory kill
 * counter rose while the worker ran, `killed` otherwise — saying whether the counters could be read.
 */
export function classifyOutsideKill(
  before: OomKillCounters,
  after: OomKillCounters,
): { kind: 'oom' | 'killed'; reason: string } {
  const rose = (k: 'cgroup' | 'system') => {
    const [a, b] = [before[k], after[k]];
    return a !== undefined && b !== undefined && b.count > a.count ? b : undefined;
  };
  const cgroup = rose('cgroup');
  if (cgroup)
    return {
      kind: 'oom',
      reason: `killed by SIGKILL from the kernel's out-of-memory killer (oom_kill in ${cgroup.file} rose by ${cgroup.count - before.cgroup!.count} during the job)`,
    };
  const system = rose('system');
  if (system)
    return {
      kind: 'oom',
      reason: `killed by SIGKILL while the kernel's out-of-memory killer acted (oom_kill in ${system.file} rose by ${system.count - before.system!.count} during the job)`,
    };
  const readable = [after.cgroup?.file, after.system?.file].filter((f) => f !== undefined);
  return {
    kind: 'killed',
    reason:
      readable.length > 0
        ? `killed by SIGKILL from outside (not by edgebench; no out-of-memory kill was counted in ${readable.join(' or ')})`
        : 'killed by SIGKILL from outside (not by edgebench; no out-of-memory counter is readable here, so whether memory ran out is unknown)',
  };
}

function appendTail(tail: string, chunk: Buffer): string {
  const next = tail + chunk.toString('utf8');
  return next.length > TAIL_BYTES ? next.slice(next.length - TAIL_BYTES) : next;
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.length > 0 ? lines[lines.length - 1].slice(0, 300) : '';
}

/** Runs one job in a fresh worker process. Never rejects: every ending is an outcome. */
export function runInWorker<T>(job: WorkerJob, limits: WorkerLimits = {}): Promise<WorkerOutcome<T>> {
  const started = Date.now();
  const timeoutMs = limits.timeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
  const entry = childEntry();
  const execArgv = [...entry.execArgv];
  if (limits.maxOldSpaceMb !== undefined) execArgv.push(`--max-old-space-size=${limits.maxOldSpaceMb}`);

  return new Promise((resolve) => {
    if (limits.signal?.aborted) {
      resolve({ ok: false, kind: 'aborted', reason: 'aborted before start', wallMs: 0, stderrTail: '' });
      return;
    }
    // Its own process group: killing the worker kills what it started (python, trtexec) too, and a
    // terminal's Ctrl-C reaches only us, so that the caller decides what an interruption means.
    const child = trackChild(
      fork(entry.file, [], {
        execArgv,
        env: { ...process.env, ...limits.env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'advanced',
        detached: true,
      }),
      { group: true },
    );
    const oomBefore = readOomKillCounters();
    let stderrTail = '';
    let stdoutTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = appendTail(stderrTail, chunk);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutTail = appendTail(stdoutTail, chunk);
    });
    let reply: WorkerReplyMessage | undefined;
    let killedFor: 'timeout' | 'aborted' | undefined;
    let settled = false;

    const kill = (why: 'timeout' | 'aborted') => {
      if (killedFor || child.exitCode !== null || child.signalCode !== null) return;
      killedFor = why;
      killChild(child, 'SIGKILL');
    };
    const timer = timeoutMs > 0 ? setTimeout(() => kill('timeout'), timeoutMs) : undefined;
    const onAbort = () => kill('aborted');
    limits.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (outcome: WorkerOutcome<T>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      killLeftovers(child);
      resolve(outcome);
    };

    child.on('message', (message: WorkerReplyMessage) => {
      if (message?.type === 'result') reply = message;
    });
    child.on('error', (error) => {
      // Spawning failed (or a signal could not be sent); the exit event may never come.
      if (child.pid === undefined)
        finish({
          ok: false,
          kind: 'crash',
          reason: `could not start a worker process: ${error.message}`,
          wallMs: Date.now() - started,
          stderrTail,
        });
    });
    child.on('exit', (code, signal) => {
      const wallMs = Date.now() - started;
      if (killedFor === 'aborted') {
        finish({ ok: false, kind: 'aborted', reason: 'interrupted', wallMs, stderrTail });
        return;
      }
      if (!reply && signal && INTERRUPT_SIGNALS.has(signal)) {
        // Someone stopped the worker itself (a kill of its process group): an interruption, not a
        // property of the job.
        finish({ ok: false, kind: 'aborted', reason: `interrupted (${signal})`, wallMs, stderrTail });
        return;
      }
      if (reply) {
        if (reply.ok) finish({ ok: true, value: reply.value as T, wallMs });
        else
          finish({
            ok: false,
            kind:
              reply.kind === 'unavailable'
                ? 'unavailable'
                : reply.kind === 'oom' || ALLOC_FAILURE.test(reply.message)
                  ? 'oom'
                  : 'error',
            reason: reply.message,
            wallMs,
            stderrTail,
          });
        return;
      }
      if (killedFor === 'timeout') {
        finish({
          ok: false,
          kind: 'timeout',
          reason: `no result after ${(timeoutMs / 1000).toFixed(1)} s (hung or too slow); the worker was killed`,
          wallMs,
          stderrTail,
        });
        return;
      }
      const detail = lastLine(stderrTail) || lastLine(stdoutTail);
      if (V8_HEAP_OOM.test(stderrTail)) {
        const limit =
          limits.maxOldSpaceMb !== undefined ? ` (--max-old-space-size=${limits.maxOldSpaceMb})` : '';
        finish({ ok: false, kind: 'oom', reason: `ran out of JavaScript heap${limit}`, wallMs, stderrTail });
        return;
      }
      if (ALLOC_FAILURE.test(stderrTail)) {
        finish({ ok: false, kind: 'oom', reason: `out of memory: ${detail}`, wallMs, stderrTail });
        return;
      }
      if (signal === 'SIGKILL') {
        const { kind, reason } = classifyOutsideKill(oomBefore, readOomKillCounters());
        finish({ ok: false, kind, reason, wallMs, stderrTail });
        return;
      }
      const how = signal ? `crashed (signal ${signal})` : `exited with code ${code} without a result`;
      finish({
        ok: false,
        kind: 'crash',
        reason: `worker ${how}${detail ? `: ${detail}` : ''}`,
        wallMs,
        stderrTail,
      });
    });

    const request: WorkerRequestMessage = { type: 'job', job };
    // A child that dies before reading its job is classified by the exit handler above.
    child.send(request, () => {});
  });
}

/** `benchmark()` in its own worker process. */
export function measureInWorker(
  options: WorkerBenchmarkOptions,
  limits: WorkerLimits = {},
): Promise<WorkerOutcome<RunResult>> {
  return measureRequestInWorker(benchmarkRequest(options), limits);
}

/** `measureWithEngine()` in its own worker process (an unavailable engine ends as kind `unavailable`). */
export function measureEngineInWorker(
  engine: string,
  model: string,
  settings: WorkerEngineSettings,
  limits: WorkerLimits = {},
): Promise<WorkerOutcome<RunResult>> {
  return measureRequestInWorker({ ...settings, engine, model }, limits);
}

/** `measure(request)` in its own worker process (an unavailable engine ends as kind `unavailable`). */
export function measureRequestInWorker(
  request: PortableMeasureRequest,
  limits: WorkerLimits = {},
): Promise<WorkerOutcome<RunResult>> {
  return runInWorker<RunResult>({ kind: 'measure', request }, limits);
}
