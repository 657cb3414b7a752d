/**
 * The sampler: a worker thread beside the measurement that reads every available source every
 * `intervalMs` (default 100). Its own thread means a busy event loop in the measuring thread does
 * not delay it, and its cost is measurable (record.cost). Timestamps use the common clock
 * (epochNowMs), so readings line up with measurement windows given in the same clock.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TelemetryOptions } from './options.js';
import { resolveTelemetryOptions } from './sources/index.js';
import type { SourceDetection, TelemetryRecord } from './types.js';

/** Messages from the worker. */
export type SamplerMessage =
  | { type: 'ready'; detections: SourceDetection[] }
  | { type: 'record'; record: TelemetryRecord }
  | { type: 'error'; message: string };

export interface TelemetrySampler {
  /** What each source found at start: available or why not. */
  readonly detections: readonly SourceDetection[];
  /** Stops sampling and returns everything recorded. Call once. */
  stop(): Promise<TelemetryRecord>;
}

/**
 * The worker's entry. Built code runs `sampler-worker.js`; when running from TypeScript sources
 * (tests, tsx) only `sampler-worker.ts` exists, and the worker loads it through tsx's loader.
 */
function createWorker(workerData: unknown): Worker {
  const built = new URL('./sampler-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return new Worker(built, { workerData });
  const source = new URL('./sampler-worker.ts', import.meta.url);
  const tsxApi = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const bootstrap = [
    "const { workerData } = require('node:worker_threads');",
    'import(workerData.tsxApi).then((api) => api.tsImport(workerData.entry, workerData.parent));',
  ].join('\n');
  return new Worker(bootstrap, {
    eval: true,
    workerData: {
      ...(workerData as object),
      tsxApi: pathToFileURL(tsxApi).href,
      entry: source.href,
      parent: import.meta.url,
    },
  });
}

/** Starts sampling in a worker thread; resolves once every source is detected and the first tick is taken. */
export async function startTelemetry(options: TelemetryOptions = {}): Promise<TelemetrySampler> {
  const resolved = resolveTelemetryOptions(options);
  const worker = createWorker(resolved);
  let settle: { resolve: (message: SamplerMessage) => void; reject: (error: Error) => void } | null = null;
  const next = (): Promise<SamplerMessage> =>
    new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
  let failure: Error | null = null;
  worker.on('message', (message: SamplerMessage) => settle?.resolve(message));
  worker.on('error', (error) => {
    failure ??= error;
    settle?.reject(error);
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`telemetry sampler exited early (code ${code})`);
    settle?.reject(failure);
  });

  const ready = await next();
  if (ready.type !== 'ready') {
    await worker.terminate();
    throw new Error(
      `telemetry sampler failed to start: ${ready.type === 'error' ? ready.message : ready.type}`,
    );
  }
  // A sampler that is never stopped must not keep the process alive.
  worker.unref();
  let stopped: Promise<TelemetryRecord> | null = null;
  return {
    detections: ready.detections,
    stop(): Promise<TelemetryRecord> {
      stopped ??= (async () => {
        if (failure) throw failure;
        worker.ref();
        const answer = next();
        worker.postMessage({ type: 'stop' });
        const message = await answer;
        await worker.terminate();
        if (message.type !== 'record') {
          throw new Error(
            `telemetry sampler failed: ${message.type === 'error' ? message.message : message.type}`,
          );
        }
        return message.record;
      })();
      return stopped;
    },
  };
}
