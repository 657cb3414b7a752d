/**
 * `edgebench study [SPEC] [--preset paper|quick|gpu]`: each model non-optimized vs optimized, interleaved
 * in rounds, every measurement stored as it ends; prints the table in the study's shape and writes
 * the reports (md, csv, json, html) to --out.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { signalExitCode, UserError } from '../errors.js';
import { jsonDocument } from '../report/documents.js';
import { type StoredStudy, TARGET_LOST } from '../store/types.js';
import { PRESET_NAMES } from '../study/preset-names.js';
import type { StudyEvent } from '../study/run.js';
import type { StudySource } from '../study/source.js';
import { choiceFlag, intFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';
import { handleStopSignals } from './shutdown.js';
import { printableLine, writeWarning } from './terminal.js';

interface StudyFlags {
  preset?: string;
  out?: string;
  store?: string;
  resume?: string | boolean;
  rounds?: number;
  json?: JsonFlag;
  dryRun?: boolean;
  engines?: string;
  target?: string[];
}

function countOk(stored: { measurements: { status: string }[] }): number {
  return stored.measurements.filter((m) => m.status === 'ok').length;
}

function describeVariant(e: { variant: { model: string; label: string } }): string {
  return `${e.variant.model} ${e.variant.label}`;
}

/** Progress lines on stderr (one per event worth a line). */
export function progressLine(event: StudyEvent, rounds: number): string | undefined {
  switch (event.type) {
    case 'resolving-model':
      return `model ${event.model} (${event.ref})`;
    case 'study-started':
      return `${event.resumed ? 'resuming' : 'study'} ${event.study.id}: ${event.variants} variants, ${event.pendingMeasurements} measurements to take`;
    case 'variant-prepared':
      return event.notes.length > 0 ? `${describeVariant(event)}: ${event.notes.join('; ')}` : undefined;
    case 'variant-failed':
      // A round that failed counts as done: the counter goes on from it, and the total drops by the
      // rounds the variant will not take, so the last line reads N/N.
      return `${event.round !== null ? `[${event.index}/${event.total}] ` : ''}${describeVariant(event)} FAILED (${event.failure.kind}): ${event.failure.reason}${event.incomplete ? `; the rounds it finished are kept (incomplete: ${event.incomplete.rounds} of ${event.incomplete.plannedRounds} rounds)` : ''}`;
    case 'measurement-started':
      return undefined;
    case 'measurement-stored':
      return `[${event.index}/${event.total}] ${describeVariant(event)} round ${event.round}/${rounds}: median ${event.medianMs.toFixed(3)} ms over ${event.samples} runs`;
    case 'fidelity-stored':
      return event.fidelity.metrics
        ? `${describeVariant(event)}: fidelity cos ${event.fidelity.metrics.cosine?.toFixed(6) ?? '—'}, max |Δ| ${event.fidelity.metrics.maxAbsErr.toPrecision(2)}`
        : `${describeVariant(event)}: fidelity not computed (${event.fidelity.error})`;
    case 'study-ended':
      return `study ${event.study.id} ${event.status}`;
  }
}

/** `--target a --target b,c`: every target named, in order. */
function collectTargets(value: string, previous: string[] = []): string[] {
  const named = value.split(',').map((t) => t.trim());
  if (named.some((t) => t === ''))
    throw new UserError(`--target takes target names separated by commas, got '${value}'`);
  return [...previous, ...named];
}

/** After a study: each target whose connection was lost, and how to finish its rounds. */
function lostTargetLines(stored: StoredStudy, storeFlag: string): string[] {
  const lost = new Set<string>();
  for (const v of stored.variants)
    if (v.failure?.kind === TARGET_LOST)
      lost.add(
        v.device ?? String((stored.study.spec as { targets?: string[] }).targets?.[0] ?? 'the target'),
      );
  return [...lost].map(
    (target) =>
      `target ${target} was lost during the study: its remaining rounds were not measured; once it is back, continue with: edgebench study --resume ${stored.study.id}${storeFlag}`,
  );
}

export function register(command: Command): void {
  jsonOption(command, 'the study report')
    .argument('[spec]', 'study spec file (YAML or JSON)')
    .option(
      '--preset <name>',
      `a built-in study: ${PRESET_NAMES.join('|')}`,
      choiceFlag('--preset', PRESET_NAMES),
    )
    .option('--out <dir>', 'folder for the reports (default ./edgebench-report/<study-id>)')
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .option('--resume [id]', 'continue an interrupted study (default: the latest unfinished one)')
    .option('--rounds <n>', 'interleaved rounds per variant (overrides the spec)', intFlag('--rounds', 1))
    .option(
      '--engines <list>',
      'engines, comma-separated (overrides the spec), e.g. torch,trtexec,ort: the first of torch/trtexec is the baseline of their group (docs/study.md)',
    )
    .option(
      '--target <targets>',
      'where to measure: local, a saved target name or ssh://[user@]host[:port]; repeat it or list them comma-separated to measure every variant on each (overrides the spec)',
      collectTargets,
    )
    .option('--dry-run', 'print the planned variants and exit')
    .action(async (specFile: string | undefined, flags: StudyFlags) => {
      const resume =
        flags.resume === undefined ? undefined : flags.resume === true ? true : String(flags.resume);
      const source: StudySource = { file: specFile, preset: flags.preset, resume };
      const [{ checkStudySource, loadStudySpec }, { validateSpec }] = await Promise.all([
        import('../study/source.js'),
        import('../study/spec.js'),
      ]);
      checkStudySource(
        source,
        `give a study spec file, or --preset ${PRESET_NAMES.join('|')}, or --resume (e.g. edgebench study --preset quick)`,
      );
      let loaded = await loadStudySpec(source);
      if (flags.engines !== undefined) {
        if (!loaded) throw new UserError('--engines applies to a new study; a resumed one keeps its own');
        const engines = flags.engines
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== '');
        loaded = {
          ...loaded,
          spec: validateSpec({ ...loaded.spec, engines }, `${loaded.source} with --engines ${flags.engines}`),
        };
      }

      if (flags.target !== undefined) {
        if (!loaded) throw new UserError('--target applies to a new study; a resumed one keeps its own');
        loaded = {
          ...loaded,
          spec: validateSpec(
            { ...loaded.spec, targets: flags.target },
            `${loaded.source} with --target ${flags.target.join(',')}`,
          ),
        };
      }

      if (flags.dryRun) {
        if (!loaded) throw new UserError('--dry-run needs a spec file or --preset');
        const { planStudy } = await import('../study/plan.js');
        const plan = planStudy(
          flags.rounds !== undefined ? { ...loaded.spec, rounds: flags.rounds } : loaded.spec,
          { baseDir: loaded.baseDir },
        );
        const lines = plan.variants.map(
          (v) =>
            `${v.key}  ${v.role}  recipes=${v.recipes.join('+') || 'none'}  graphOptLevel=${v.graphOptLevel}`,
        );
        process.stdout.write(
          `${lines.join('\n')}\n${plan.variants.length} variants × ${plan.spec.rounds} rounds = ${plan.variants.length * plan.spec.rounds} measurements\n`,
        );
        return;
      }

      // The measuring machinery (engines, optimizer, zoo) loads only when a study really runs.
      const [
        { runStudy },
        { openStore, openStoreToResume },
        { analyzeStudy },
        { writeStudyReports },
        { formatStudyTable },
        { studyReportObject },
      ] = await Promise.all([
        import('../study/run.js'),
        import('../store/index.js'),
        import('../study/compare.js'),
        import('../report/study-report.js'),
        import('../report/study-table.js'),
        import('../report/json.js'),
      ]);
      const store =
        resume !== undefined ? await openStoreToResume(flags.store, resume) : await openStore(flags.store);
      // Ctrl-C or SIGTERM: the round in progress is abandoned (its worker killed, nothing of it
      // stored); finished rounds stay stored and `--resume` continues.
      const shutdown = handleStopSignals({
        stopping: 'the round in progress is abandoned; finished rounds are stored',
      });
      let rounds = flags.rounds ?? loaded?.spec.rounds ?? 0;
      try {
        const outcome = await runStudy({
          store,
          ...(loaded ? { spec: loaded } : {}),
          ...(resume !== undefined ? { resume } : {}),
          ...(flags.rounds !== undefined ? { rounds: flags.rounds } : {}),
          signal: shutdown.signal,
          onEvent: (event) => {
            if (event.type === 'study-started')
              rounds = (event.study.spec as { rounds?: number }).rounds ?? rounds;
            const line = progressLine(event, rounds);
            if (line) process.stderr.write(`${printableLine(line)}\n`);
          },
        });
        if (outcome.status === 'interrupted') {
          // No reports from a part of a study: they would read as its results. They can be built
          // from the store at any time (`edgebench report ID`).
          const storeFlag = flags.store ? ` --store ${flags.store}` : '';
          process.stderr.write(
            `study ${outcome.studyId} interrupted: ${countOk(outcome.stored)} measurement(s) stored; continue it with: edgebench study --resume ${outcome.studyId}${storeFlag}\n`,
          );
          process.exitCode = shutdown.request?.exitCode ?? signalExitCode('SIGINT');
          return;
        }
        const storeFlag = flags.store ? ` --store ${flags.store}` : '';
        for (const line of lostTargetLines(outcome.stored, storeFlag)) writeWarning(line);
        const analysis = analyzeStudy(outcome.stored);
        const written = await writeStudyReports(
          analysis,
          flags.out ?? path.join('edgebench-report', outcome.studyId),
        );
        await printResult(
          flags.json,
          jsonDocument('study-report', studyReportObject(analysis)),
          () =>
            `${formatStudyTable(analysis)}\nreports:\n${written.map((f) => `  ${f}`).join('\n')}\nstore: ${store.location} (study ${outcome.studyId})\n`,
        );
      } finally {
        shutdown.dispose();
        await store.close();
      }
    });
}
