/**
 * `edgebench fleet submit|status|results`: a study measured across a fleet of agents.
 *
 * - `submit SPEC --queue URL --store URL [--devices nano,orin+cuda]`: splits the study into jobs (per
 *   variant × device class × round), prints the study id on stdout;
 * - `status --queue URL [--store URL]`: live agents, queues, study progress;
 * - `results STUDY --store URL`: the study's table with a column per device (or any report format).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import {
  commandRedactor,
  redactedError,
  resolveFleetStoreUrl,
  resolveQueueUrl,
} from '../fleet/connection.js';
import { parseDeviceClasses } from '../fleet/devices.js';
import { jsonDocument } from '../report/documents.js';
import { submitProgressLine } from '../report/fleet-submit.js';
import { REPORT_FORMATS } from '../report/formats.js';
import { serverStoreLocation } from '../store/location.js';
import { PRESET_NAMES } from '../study/preset-names.js';
import { choiceFlag, intFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';

const NO_STUDY = 'give a study spec file or --preset';

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
        const redactor = commandRedactor(flags);
        const log = (line: string) => process.stderr.write(`${redactor.text(line)}\n`);
        try {
          const source = { file: specFile, preset: flags.preset };
          const { checkStudySource, loadStudySpec } = await import('../study/source.js');
          checkStudySource(source, NO_STUDY);
          const queueUrl = resolveQueueUrl(flags.queue);
          const storeUrl = resolveFleetStoreUrl(flags.store);
          const devices = parseDeviceClasses(flags.devices);
          // Measured on the fleet's devices: this machine's CPUs do not bound the spec's thread counts.
          const loaded = await loadStudySpec(source, { localMachine: false });
          if (!loaded) throw new UserError(NO_STUDY);
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
                const line = submitProgressLine(event);
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
      const redactor = commandRedactor(flags);
      try {
        const queueUrl = resolveQueueUrl(flags.queue);
        const storeUrl = serverStoreLocation(flags.store);
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
        const redactor = commandRedactor(flags);
        try {
          const [
            { PostgresStudyStore },
            { analyzeStudy },
            { formatStudyDetails },
            { renderStudyReport, writeReportFile },
          ] = await Promise.all([
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
              await writeReportFile(flags.output, text);
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
