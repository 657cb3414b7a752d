/**
 * The worker process's entry (see worker.ts): receive one job, run it, send the answer, exit.
 * Exits as soon as the parent goes away, so a killed study leaves no orphan measuring on.
 */
import { EngineUnavailableError, messageOf } from '../errors.js';
import type { WorkerJob, WorkerReplyMessage, WorkerRequestMessage } from './worker.js';

/**
 * Test-only fault injection: EDGEBENCH_TEST_WORKER_FAULT=KIND[:TEXT][,KIND[:TEXT]…] makes the jobs
 * whose description (`benchmark NAME PATH`, `engine NAME MODEL` or `call FUNCTION ARGS`) contains TEXT (every job when TEXT
 * is absent) crash, hang, exhaust the heap, exit, throw or die of a SIGKILL (as an outside kill would), so
 * tests can check that a study records the failure and goes on. KIND: crash | hang | oom | exit | throw
 * | sigkill. A benchmark job's description ends in `round N` when it is a study's round. Never set
 * outside tests.
 */
const FAULT_ENV = 'EDGEBENCH_TEST_WORKER_FAULT';

function describeJob(job: WorkerJob): string {
  if (job.kind === 'call') return `call ${job.export} ${JSON.stringify(job.args)}`;
  const r = job.request;
  const round = roundOf(r.requested);
  // onnxruntime measurements read as they always have (`benchmark NAME PATH`), other engines by name.
  return !r.engine || r.engine.split('/')[0] === 'ort'
    ? `benchmark ${r.modelName ?? ''} ${r.model}${round}`
    : `engine ${r.engine} ${r.model}${round}`;
}

function roundOf(requested: Record<string, unknown> | undefined): string {
  return typeof requested?.round === 'number' ? ` round ${requested.round}` : '';
}

async function injectFault(job: WorkerJob): Promise<void> {
  const spec = process.env[FAULT_ENV];
  if (!spec) return;
  const description = describeJob(job);
  // Several faults may be listed, comma-separated: the first whose TEXT matches applies.
  const fault = spec
    .split(',')
    .map((item) => {
      const colon = item.indexOf(':');
      return colon < 0
        ? { kind: item, match: '' }
        : { kind: item.slice(0, colon), match: item.slice(colon + 1) };
    })
    .find((f) => f.match === '' || description.includes(f.match));
  if (!fault) return;
  const kind = fault.kind.trim();
  switch (kind) {
    case 'crash':
      process.kill(process.pid, 'SIGSEGV');
      await new Promise(() => {});
      return;
    case 'hang':
      await new Promise(() => setInterval(() => {}, 1 << 30));
      return;
    case 'oom': {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array(1 << 20).fill(Math.random()));
    }
    case 'exit':
      process.exit(3);
      return;
    case 'sigkill':
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
      return;
    case 'throw':
      throw new Error('injected failure (test)');
    default:
      return;
  }
}

async function runJob(job: WorkerJob): Promise<unknown> {
  await injectFault(job);
  if (job.kind === 'measure') {
    const { measure } = await import('./measure.js');
    return measure(job.request);
  }
  const mod = (await import(job.module)) as Record<string, unknown>;
  const fn = mod[job.export];
  if (typeof fn !== 'function') throw new Error(`${job.module} has no function '${job.export}'`);
  return (fn as (...args: unknown[]) => unknown)(...job.args);
}

function send(message: WorkerReplyMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

process.on('disconnect', () => process.exit(0));
process.once('message', (message: WorkerRequestMessage) => {
  if (message?.type !== 'job') process.exit(2);
  runJob(message.job)
    .then(
      (value) => send({ type: 'result', ok: true, value }),
      (error: unknown) =>
        send({
          type: 'result',
          ok: false,
          kind:
            error instanceof EngineUnavailableError || (error as Error)?.name === 'EngineUnavailableError'
              ? 'unavailable'
              : /bad_alloc|failed to allocate|out of memory/i.test(messageOf(error))
                ? 'oom'
                : 'error',
          message: messageOf(error).replace(/\s+/g, ' ').trim(),
        }),
    )
    .finally(() => process.exit(0));
});
