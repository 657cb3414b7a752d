/**
 * `edgebench tune MODEL -o BEST.onnx`: the fastest configuration of a model on this machine within
 * a fidelity budget, found by racing candidates with confidence intervals; the winner is written to
 * BEST.onnx with the commands that rebuild and re-measure it. Progress on stderr; the result on
 * stdout (JSON with --json); stored as a study (history, show, diff, report).
 */
import path from 'node:path';
import type { Command } from 'commander';
import {
  GRAPH_OPT_LEVELS,
  type GraphOptLevel,
  ORT_EXECUTION_PROVIDERS,
  type OrtExecutionProvider,
} from '../engines/ort-options.js';
import { signalExitCode, UserError } from '../errors.js';
import type { QuantType } from '../optimize/quantize/quant-math.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../optimize/settings.js';
import { jsonDocument } from '../report/documents.js';
import { table } from '../report/format.js';
import { OBJECTIVES, type Objective } from '../study/tune-record.js';
import { ACTIVATION_TYPES, BUILD_FAMILIES, type BuildFamily, type SearchSpace } from '../tune/space.js';
import { choiceFlag, collect, durationFlag, intFlag, numberFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';
import {
  calibrationOptions,
  type ImageInputFlags,
  imageInputOptions,
  imageInputsOf,
  type StopRuleFlags,
  stopRuleFlag,
  stopRuleOptions,
  stopRulesOf,
} from './shared-options.js';
import { handleStopSignals } from './shutdown.js';

interface TuneFlags extends ImageInputFlags, StopRuleFlags {
  output?: string;
  objective: Objective;
  deadlineMs?: number;
  budget?: string[];
  calib: string;
  calibCount: number;
  inputs?: string;
  count: number;
  labels?: string;
  timeBudget?: number;
  maxRounds: number;
  minRounds: number;
  playoffRounds: number;
  space?: string;
  levels?: string;
  calibMethods?: string;
  activationTypes?: string;
  threads?: string;
  eps?: string;
  batches?: string;
  race: boolean;
  target?: string;
  confidence?: number;
  store?: string;
  out?: string;
  json?: JsonFlag;
}

/** A comma-separated list whose items must be among `allowed`. */
function listOf<T extends string>(
  flag: string,
  text: string | undefined,
  allowed: readonly string[],
): T[] | undefined {
  if (text === undefined) return undefined;
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new UserError(`${flag} is empty: give ${allowed.join(', ')}`);
  for (const item of items)
    if (!allowed.includes(item))
      throw new UserError(`${flag}: '${item}' is not one of ${allowed.join(', ')}`);
  return items as T[];
}

function integers(flag: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((s) => s.trim());
  const values = items.map(Number);
  if (items.length === 0 || values.some((v, i) => items[i] === '' || !Number.isInteger(v) || v < 1))
    throw new UserError(
      `${flag} takes whole numbers ≥ 1, comma-separated (e.g. ${flag} 1,2,4); got '${text}'`,
    );
  return values;
}

export function register(command: Command): void {
  jsonOption(command, 'the result')
    .argument('<model>', 'ONNX file path, or zoo:NAME')
    .requiredOption('-o, --output <file>', 'where to write the winning model (never the input)')
    .option('--objective <objective>', OBJECTIVES.join('|'), choiceFlag('--objective', OBJECTIVES), 'latency')
    .option(
      '--deadline-ms <ms>',
      'a candidate whose p99 latency misses this is out',
      numberFlag('--deadline-ms'),
    )
    .option(
      '--budget <clauses>',
      'fidelity budget, comma-separated or repeated: top1>=99%, top5>=…, snr>=30db, cos>=0.999, maxabs<=1e-2, meanabs<=…, accuracy-drop<=1pt (default snr>=20db, plus top1>=99% for a classifier checked on real data)',
      collect,
    );
  calibrationOptions(command)
    .option(
      '--inputs <source>',
      'fidelity data (default: the calibration data when it is real, else synthetic)',
    )
    .option('--count <n>', 'fidelity samples', intFlag('--count', 1), 16)
    .option(
      '--labels <dir>',
      'labelled folder (one subfolder of images per class): accuracy, and accuracy-drop clauses',
    );
  imageInputOptions(command)
    .option(
      '--time-budget <duration>',
      'how long the race may take: 300 (seconds), 90s, 5m (default 5m)',
      durationFlag('--time-budget'),
    )
    .option('--max-rounds <n>', 'rounds at most', intFlag('--max-rounds', 1), 10)
    .option('--min-rounds <n>', 'rounds before any elimination', intFlag('--min-rounds', 1), 3)
    .option(
      '--playoff-rounds <n>',
      'after the race, rounds at most that measure again only the finalists tied with the leader (0: none)',
      intFlag('--playoff-rounds', 0),
      5,
    )
    .option('--space <families>', `builds to try, comma-separated: ${BUILD_FAMILIES.join(',')} (default all)`)
    .option('--levels <list>', `graph levels of the model as given (default disabled,basic,extended,all)`)
    .option(
      '--calib-methods <list>',
      `int8-static calibration methods (default ${CALIBRATION_METHODS.join(',')})`,
    )
    .option(
      '--activation-types <list>',
      `int8-static activation types (default ${ACTIVATION_TYPES.join(',')})`,
    )
    .option('--threads <list>', 'intra-op thread counts (default 1, 2, 4 … up to the physical cores)')
    .option('--eps <list>', 'execution providers (default: every one that works here)')
    .option(
      '--batches <list>',
      'batch sizes (default 1; 1,2,4,8 for --objective throughput when the batch is free)',
    )
    .option('--no-race', 'measure every candidate in every round (no elimination), to compare with racing')
    .option(
      '--target <target>',
      'search on this device with its engines (onnxruntime there; its trtexec fp16/int8/best when it has one): a name saved with `edgebench target add`, or ssh://[user@]host[:port]; builds and fidelity stay here',
    );
  stopRuleOptions(
    command,
    {
      warmupTimeMs: 'warm-up per measurement (default 200)',
      minTimeMs: 'steady state per measurement (default 500)',
      minCount: 'runs per measurement at least (default 10; 200 for --objective p99)',
      maxCount: 'runs per measurement at most (default 0 = no cap)',
      maxTimeMs: 'steady state per measurement at most (default 5000)',
    },
    { minCount: 1 },
  )
    .option('--confidence <c>', 'coverage of the ratio CIs (default 0.95)', numberFlag('--confidence'))
    .option('--store <file>', 'SQLite store (default $EDGEBENCH_STORE or ~/.edgebench/edgebench.db)')
    .option('--out <dir>', 'also write the reports (md, csv, json, html) to this folder')
    .action(async (modelArg: string, flags: TuneFlags) => {
      const levels = listOf<GraphOptLevel>('--levels', flags.levels, GRAPH_OPT_LEVELS);
      const eps = listOf<OrtExecutionProvider>('--eps', flags.eps, ORT_EXECUTION_PROVIDERS);
      const space: Partial<SearchSpace> = {
        ...(flags.space ? { families: listOf<BuildFamily>('--space', flags.space, BUILD_FAMILIES) } : {}),
        ...(levels ? { levels } : {}),
        ...(flags.calibMethods
          ? {
              calibrationMethods: listOf<CalibrationMethod>(
                '--calib-methods',
                flags.calibMethods,
                CALIBRATION_METHODS,
              ),
            }
          : {}),
        ...(flags.activationTypes
          ? {
              activationTypes: listOf<QuantType>(
                '--activation-types',
                flags.activationTypes,
                ACTIVATION_TYPES,
              ),
            }
          : {}),
        ...(flags.threads ? { threads: integers('--threads', flags.threads) } : {}),
        ...(eps ? { eps } : {}),
        ...(flags.batches ? { batches: integers('--batches', flags.batches) } : {}),
      };
      const stopRules = stopRulesOf(flags);
      const [
        { tune },
        { openStore },
        { analyzeStudy },
        { writeStudyReports },
        { leftColumns },
        { leaderboardRows, raceLines, tuneProgressLine, tuneSummaryLines },
      ] = await Promise.all([
        import('../tune/tune.js'),
        import('../store/index.js'),
        import('../study/compare.js'),
        import('../report/study-report.js'),
        import('../report/study-text.js'),
        import('../report/tune-text.js'),
      ]);
      const store = await openStore(flags.store);
      // Ctrl-C or SIGTERM: the measurement in progress is abandoned; the rounds finished are stored,
      // and the study reads interrupted.
      const shutdown = handleStopSignals({ stopping: 'what was measured is stored' });
      try {
        const outcome = await tune({
          model: modelArg,
          store,
          output: flags.output,
          objective: flags.objective,
          ...(flags.deadlineMs !== undefined ? { deadlineMs: flags.deadlineMs } : {}),
          ...(flags.budget ? { budget: flags.budget } : {}),
          calib: flags.calib,
          calibCount: flags.calibCount,
          ...(flags.inputs ? { inputs: flags.inputs } : {}),
          fidelityCount: flags.count,
          ...(flags.labels ? { labels: flags.labels } : {}),
          ...imageInputsOf(flags),
          space,
          ...(flags.timeBudget !== undefined ? { timeBudgetMs: flags.timeBudget } : {}),
          maxRounds: flags.maxRounds,
          minRounds: flags.minRounds,
          playoffRounds: flags.playoffRounds,
          stopRules,
          stopRuleName: stopRuleFlag,
          racing: flags.race,
          ...(flags.target ? { target: flags.target } : {}),
          ...(flags.confidence !== undefined ? { confidence: flags.confidence } : {}),
          signal: shutdown.signal,
          onEvent: (event) => {
            const line = tuneProgressLine(event);
            if (line) process.stderr.write(`${line}\n`);
          },
        });
        const { record, studyId } = outcome;
        if (flags.out) {
          await writeStudyReports(analyzeStudy(outcome.stored), flags.out);
          process.stderr.write(`reports written to ${path.resolve(flags.out)}\n`);
        }
        await printResult(flags.json, jsonDocument('tune', { studyId, ...record }), () => {
          const rows = leaderboardRows(record);
          return `${[
            ...tuneSummaryLines(record),
            '',
            ...raceLines(record),
            '',
            `leaderboard (cost = the objective’s statistic; cost / leader: the ${Math.round(record.settings.eliminationConfidence * 100)}% CI that eliminated a candidate, or the ${Math.round(record.settings.confidence * 100)}% CI at the end for finalists — bootstrap over the rounds both ran, paired):`,
            table(rows, { alignLeft: leftColumns(rows[0]) }),
            '',
            ...record.notes.map((n) => `note: ${n}`),
            `store: ${store.location} (study ${studyId}); edgebench show ${studyId} · edgebench report ${studyId} --format html`,
          ].join('\n')}\n`;
        });
        if (record.outcome === 'interrupted')
          process.exitCode = shutdown.request?.exitCode ?? signalExitCode('SIGINT');
      } finally {
        shutdown.dispose();
        await store.close();
      }
    });
}
