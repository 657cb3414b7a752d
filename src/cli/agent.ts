/**
 * `edgebench agent --queue redis://HOST:PORT --store postgres://… [--tags a,b] [--concurrency 1]`:
 * runs on a device of a fleet, takes the jobs it can run, measures them and stores the results.
 * SIGTERM or Ctrl-C: take no new job; the job in hand may finish within the stop's grace, else it is
 * abandoned and handed back to the queue; exit 0 within 5 s whatever the state of Redis and
 * PostgreSQL. A second signal exits at once (the job is then left to BullMQ's stalled-job check).
 */
import type { Command } from 'commander';
import { messageOf } from '../errors.js';
import type { AgentOptions, FleetAgent } from '../fleet/agent.js';
import {
  commandRedactor,
  redactedError,
  resolveFleetStoreUrl,
  resolveQueueUrl,
} from '../fleet/connection.js';
import { checkAgentId, parseTags } from '../fleet/devices.js';
import { dropUndefined } from '../util/objects.js';
import { intFlag } from './flags.js';
import { handleStopSignals } from './shutdown.js';

/** The agent's settings that its flags give as they are (same names). */
type PassedThrough =
  | 'concurrency'
  | 'id'
  | 'heartbeatMs'
  | 'discoverMs'
  | 'lockDurationMs'
  | 'stalledIntervalMs'
  | 'maxStarts';

type AgentFlags = Partial<Pick<AgentOptions, PassedThrough>> & {
  queue?: string;
  store?: string;
  tags?: string;
  cache?: string;
};

export function register(command: Command): void {
  command
    .option('--queue <url>', 'the job queue, redis://[:PASSWORD@]HOST:PORT (default $EDGEBENCH_QUEUE)')
    .option(
      '--store <url>',
      'the fleet store, postgres://USER:PASSWORD@HOST:PORT/DB (default $EDGEBENCH_STORE)',
    )
    .option('--tags <list>', "this device's tags, comma-separated (e.g. jetson-nano,cuda)")
    .option('--concurrency <n>', 'measurements at once (default 1)', intFlag('--concurrency', 1))
    .option('--cache <dir>', 'where verified model files are kept (default ~/.edgebench/fleet-cache)')
    .option('--id <name>', "this agent's id (default HOSTNAME-RANDOM)")
    .option('--heartbeat-ms <ms>', 'heartbeat interval (default 5000)', intFlag('--heartbeat-ms', 100))
    .option(
      '--discover-ms <ms>',
      'how often to look for new queues (default 5000)',
      intFlag('--discover-ms', 100),
    )
    .option(
      '--lock-duration-ms <ms>',
      'a job whose agent stops renewing its lock this long is retried elsewhere (default 30000)',
      intFlag('--lock-duration-ms', 500),
    )
    .option(
      '--stalled-interval-ms <ms>',
      'how often to look for jobs of dead agents (default 30000)',
      intFlag('--stalled-interval-ms', 200),
    )
    .option(
      '--max-starts <n>',
      'a job started this often (its agents died, or it failed) fails (default 5)',
      intFlag('--max-starts', 1),
    )
    .action(async (flags: AgentFlags) => {
      const redactor = commandRedactor(flags);
      const log = (line: string) =>
        process.stderr.write(`${new Date().toISOString()} ${redactor.text(line)}\n`);
      try {
        checkAgentId(flags.id);
        const queueUrl = resolveQueueUrl(flags.queue);
        const storeUrl = resolveFleetStoreUrl(flags.store);
        const tags = parseTags(flags.tags);
        // A long-running agent logs what nobody caught (masked) instead of printing it raw.
        process.on('unhandledRejection', (error) => log(`unexpected error (going on): ${messageOf(error)}`));
        process.on('uncaughtException', (error) => {
          log(`internal error: ${messageOf(error)}`);
          process.exit(1);
        });
        const fleet = await import('../fleet/agent.js');
        let agent: FleetAgent | undefined;
        let stopped: Promise<void> | undefined;
        // The job in hand gets what is left of the grace once handing back and closing are set aside.
        const stop = () => {
          stopped ??= agent?.stop({
            finishWithinMs: Math.max(0, shutdown.remainingMs() - fleet.STOP_RESERVE_MS),
          });
          return stopped;
        };
        const shutdown = handleStopSignals({
          log,
          stopping: 'no new job; a job in hand finishes soon or goes back to the queue',
          onStop: () => void stop(),
          beforeForcedExit: () =>
            agent && agent.activeJobs() > 0
              ? `${agent.activeJobs()} job(s) left to BullMQ's stalled-job check`
              : undefined,
        });
        try {
          agent = await fleet.FleetAgent.start({
            queueUrl,
            storeUrl,
            tags,
            redactor,
            log,
            ...dropUndefined({
              concurrency: flags.concurrency,
              cacheDir: flags.cache || undefined,
              id: flags.id || undefined,
              heartbeatMs: flags.heartbeatMs,
              discoverMs: flags.discoverMs,
              lockDurationMs: flags.lockDurationMs,
              stalledIntervalMs: flags.stalledIntervalMs,
              maxStarts: flags.maxStarts,
            }),
          });
          // Runs until the first signal (or stops at once, when one came while it started).
          if (!shutdown.request)
            await new Promise<void>((resolve) =>
              shutdown.signal.addEventListener('abort', () => resolve(), { once: true }),
            );
          await stop();
          // Stopping is how an agent ends: a clean stop exits 0.
          process.exitCode = 0;
        } finally {
          shutdown.dispose();
        }
      } catch (error) {
        throw redactedError(redactor, error);
      }
    });
}
