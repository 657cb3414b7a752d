/**
 * `edgebench fleet submit|status|results`: a study measured across a fleet of agents.
 *
 * - `submit SPEC --queue URL --store URL [--devices nano,orin+cuda]`: splits the study into jobs (per
 *   variant × device class × round), prints the study id on stdout;
 * - `status --queue URL [--store URL]`: live agents, queues, study progress;
 * - `results STUDY --store URL`: the study's table with a column per device (or any report format).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { fleetRedactor, redactedError, resolveFleetStoreUrl, resolveQueueUrl } from '../fleet/connection.js';
import { parseDeviceClasses } from '../fleet/devices.js';
import type { SubmitEvent } from '../fleet/submit.js';
import { jsonDocument } from '../report/documents.js';
import { REPORT_FORMATS } from '../report/formats.js';
import { isPostgresUrl } from '../store/postgres.js';
import { PRESET_NAMES } from '../study/preset-names.js';
import type { LoadedSpec } from '../study/spec.js';
import { choiceFlag, intFlag, type JsonFlag, jsonOption, printResult } from './flags.js';

function submitLine(event: SubmitEvent): string | undefined {
  switch (event.type) {
    case 'resolving-model':
      return `model ${event.model} (${event.ref})`;
    case 'study-created':
      return `study ${event.studyId}: devices ${event.devices.join(', ')}`;
    case 'variant-prepared':
      return event.notes.length > 0 ? `${event.model} ${event.label}: ${event.notes.join('; ')}` : undefined;
    case 'variant-failed':
      return `${event.model} ${event.label} FAILED (${event.failure.kind}): ${event.failure.reason}`;
    case 'model-stored':
      return `model ${event.name}: sha256 ${event.sha256.slice(0, 12)}…, ${event.bytes} bytes${event.stored ? '' : ' (already in the store)'}`;
    case 'queued':
      return `queued ${event.jobs} job(s) on ${event.queue}`;
  }
}

const RESULT_FORMATS = ['table', ...REPORT_FORMATS] as const;

export function register(command: Command): void {
  const fleet = command;

  jsonOption(
    fleet
      .command('submit')
      .description('split a study into jobs per variant × device class and queue them; prints the study id'),
    '{studyId, jobs, queues}',
  )
    .argument('[spec]', 'study spec file (YAML or JSON)')
    .option(
      '--preset <name>',
      `a built-in study: ${PRESET_NAMES.join('|')}`,
      choiceFlag('--preset', PRESET_NAMES),
    )
    .option('--queue <url>', 'the job queue, redis://[:PASSWORD@]HOST:PORT (default $EDGEBENCH_QUEUE)')
    .option(
      '--store <url>',
      'the fleet store, postgres://USER:PASSWORD@HOST:PORT/DB (default $EDGEBENCH_STORE)',
    )
    .option(
      '--devices <classes>',
      'device classes, comma-separated; a class is tags joined by + (default: any)',
    )
    .option('--rounds <n>', 'rounds per variant and device (overrides the spec)', intFlag('--rounds', 1))
    .action(
      async (
        specFile: string | undefined,
        flags: {
          preset?: string;
          queue?: string;
          store?: string;
          devices?: string;
          rounds?: number;
          json?: JsonFlag;
        },
      ) => {
        const redactor = fleetRedactor([
          flags.queue,
          flags.store,
          process.env.EDGEBENCH_QUEUE,
          process.env.EDGEBENCH_STORE,
        ]);
        const log = (line: string) => process.stderr.write(`${redactor.text(line)}\n`);
        try {
          if (specFile && flags.preset) throw new UserError('give a spec file or --preset, not both');
          if (!specFile && !flags.preset) throw new UserError('give a study spec file or --preset');
          const queueUrl = resolveQueueUrl(flags.queue);
          const storeUrl = resolveFleetStoreUrl(flags.store);
          const devices = parseDeviceClasses(flags.devices);
          const [{ loadSpec }, { presetSpec }] = await Promise.all([
            import('../study/spec.js'),
            import('../study/presets.js'),
          ]);
          const loaded: LoadedSpec = specFile
            ? await loadSpec(specFile, { localMachine: false })
            : presetSpec(flags.preset!);
          const { PostgresStudyStore } = await import('../store/postgres.js');
          const { submitFleetStudy } = await import('../fleet/submit.js');
          const store = await PostgresStudyStore.open(storeUrl, {
            onPoolError: (error) => log(`store connection: ${error.message}`),
          });
          try {
            const outcome = await submitFleetStudy({
              store,
              queueUrl,
              spec: loaded,
              devices,
              redactor,
              ...(flags.rounds !== undefined ? { rounds: flags.rounds } : {}),
              onEvent: (event) => {
                const line = submitLine(event);
                if (line) log(line);
              },
              onConnectionError: (error) => log(`queue connection: ${error.message}`),
            });
            log(
              `submitted study ${outcome.studyId}: ${outcome.jobs} job(s) for ${outcome.variants} variant(s) on ${outcome.devices.length} device class(es); follow it with: edgebench fleet status`,
            );
            await printResult(
              flags.json,
              jsonDocument('fleet-submission', outcome),
              () => `${outcome.studyId}\n`,
            );
          } finally {
            await store.close();
          }
        } catch (error) {
          throw redactedError(redactor, error);
        }
      },
    );

  jsonOption(
    fleet.command('status').description('show the live agents, the queues and the progress of fleet studies'),
    'the status',
  )
    .option('--queue <url>', 'the job queue (default $EDGEBENCH_QUEUE)')
    .option(
      '--store <url>',
      'the fleet store, for study progress (default $EDGEBENCH_STORE when it is postgres://)',
    )
    .action(async (flags: { queue?: string; store?: string; json?: JsonFlag }) => {
      const redactor = fleetRedactor([
        flags.queue,
        flags.store,
        process.env.EDGEBENCH_QUEUE,
        process.env.EDGEBENCH_STORE,
      ]);
      try {
        const queueUrl = resolveQueueUrl(flags.queue);
        const storeUrl =
          flags.store ??
          (isPostgresUrl(process.env.EDGEBENCH_STORE) ? process.env.EDGEBENCH_STORE : undefined);
        const { fleetStatus } = await import('../fleet/status.js');
        const { formatFleetStatus } = await import('../report/fleet-status.js');
        const { PostgresStudyStore } = await import('../store/postgres.js');
        const store = storeUrl ? await PostgresStudyStore.open(resolveFleetStoreUrl(storeUrl)) : undefined;
        try {
          const status = await fleetStatus({ queueUrl, redactor, ...(store ? { store } : {}) });
          await printResult(flags.json, jsonDocument('fleet-status', status), () =>
            formatFleetStatus(status),
          );
        } finally {
          await store?.close();
        }
        // Everything is closed; should a connection linger, it does not hold the command open.
        setTimeout(() => process.exit(), 2000).unref();
      } catch (error) {
        throw redactedError(redactor, error);
      }
    });

  fleet
    .command('results')
    .description('the results of a fleet study, with a column per device (or a report in any format)')
    .argument('<study>', 'study id, a unique prefix of it, or "latest"')
    .option('--store <url>', 'the fleet store (default $EDGEBENCH_STORE)')
    .option('--format <format>', RESULT_FORMATS.join('|'), choiceFlag('--format', RESULT_FORMATS), 'table')
    .option('-o, --output <path>', 'write to PATH instead of stdout')
    .action(
      async (
        ref: string,
        flags: { store?: string; format: (typeof RESULT_FORMATS)[number]; output?: string },
      ) => {
        const redactor = fleetRedactor([flags.store, process.env.EDGEBENCH_STORE]);
        try {
          const [{ PostgresStudyStore }, { analyzeStudy }, { formatStudyDetails }, { renderStudyReport }] =
            await Promise.all([
              import('../store/postgres.js'),
              import('../study/compare.js'),
              import('../report/study-table.js'),
              import('../report/study-report.js'),
            ]);
          const store = await PostgresStudyStore.open(resolveFleetStoreUrl(flags.store));
          try {
            const study = await store.findStudy(ref);
            const analysis = analyzeStudy(await store.loadStudy(study.id));
            const text =
              flags.format === 'table'
                ? formatStudyDetails(analysis)
                : await renderStudyReport(analysis, flags.format);
            if (flags.output && flags.output !== '-') {
              await mkdir(path.dirname(path.resolve(flags.output)), { recursive: true });
              await writeFile(flags.output, text);
              process.stderr.write(
                `${flags.format} results of study ${study.id} written to ${flags.output}\n`,
              );
            } else process.stdout.write(text);
          } finally {
            await store.close();
          }
        } catch (error) {
          throw redactedError(redactor, error);
        }
      },
    );
}
