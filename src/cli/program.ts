/**
 * The edgebench command line as a commander program (main.ts runs it; tests may run it in process).
 *
 * Start-up stays fast: only the command being run is loaded (its flags, so that `edgebench run
 * --help` and a usage error need nothing else), and each command loads what it measures with when
 * its action runs. `--version`, `--help` and the command list load no command at all.
 */
import { Command } from 'commander';
import { EDGEBENCH_VERSION } from '../version.js';

/** A command's module: adds its arguments, options (and subcommands) and action to its command. */
interface CommandModule {
  register(command: Command): void;
}

/** Every command: its name, the line `--help` lists, and how to load it. */
const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<CommandModule> }> = [
  {
    name: 'env',
    summary: 'describe this machine: OS, CPU and ISA, memory, GPUs, Jetson, runtimes, execution providers',
    load: () => import('./env.js'),
  },
  {
    name: 'run',
    summary: 'benchmark one ONNX model (a file, or zoo:NAME) on one engine',
    load: () => import('./run.js'),
  },
  { name: 'zoo', summary: 'built-in model architectures, generated as ONNX', load: () => import('./zoo.js') },
  {
    name: 'inspect',
    summary: 'show inputs/outputs, parameters, op types, MACs/FLOPs and memory of a model',
    load: () => import('./inspect.js'),
  },
  {
    name: 'study',
    summary: 'measure each model non-optimized vs optimized, interleaved, with CIs; store and report it',
    load: () => import('./study.js'),
  },
  {
    name: 'tune',
    summary:
      'find the fastest configuration of a model on this machine within a fidelity budget, and prove it',
    load: () => import('./tune.js'),
  },
  {
    name: 'history',
    summary: 'list the studies in the store, newest first',
    load: () => import('./history.js'),
  },
  {
    name: 'show',
    summary: 'show a stored study: the results table, averages, variants, failures',
    load: () => import('./show.js'),
  },
  {
    name: 'diff',
    summary: 'compare two stored studies variant by variant (B against A)',
    load: () => import('./diff.js'),
  },
  {
    name: 'report',
    summary: 'write a report of a stored study (Markdown, CSV, JSON, or self-contained HTML)',
    load: () => import('./report.js'),
  },
  {
    name: 'optimize',
    summary: 'apply optimization recipes to an ONNX model and write a new file, with its fidelity',
    load: () => import('./optimize.js'),
  },
  {
    name: 'pipeline',
    summary:
      'run real images or videos through a model, timing decode, preprocess, inference and postprocess',
    load: () => import('./pipeline.js'),
  },
  {
    name: 'compare-outputs',
    summary: "compare an optimized model's outputs with its base model's on the same inputs",
    load: () => import('./compare-outputs.js'),
  },
  {
    name: 'agent',
    summary: 'run a fleet agent: take the queued jobs this device can run, measure them, store the results',
    load: () => import('./agent.js'),
  },
  {
    name: 'fleet',
    summary: 'run studies across a fleet of devices (jobs on Redis, results in PostgreSQL)',
    load: () => import('./fleet.js'),
  },
  {
    name: 'target',
    summary: 'the devices to measure on: this machine (local) or boards reached over SSH',
    load: () => import('./target.js'),
  },
];

export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);

function rootProgram(): Command {
  return new Command('edgebench')
    .description('Benchmark deep-learning inference on edge devices, and show what optimization buys.')
    .version(EDGEBENCH_VERSION)
    .option('--debug', 'show stack traces for errors')
    .option('--verbose', "show the runtimes' own warnings");
}

/**
 * The command the arguments name (`edgebench [global flags] NAME …` or `edgebench help NAME`), if
 * any: the only one whose module is loaded.
 */
export function invokedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const first = words[0] === 'help' ? words[1] : words[0];
  return first !== undefined && COMMAND_NAMES.includes(first) ? first : undefined;
}

/**
 * The command line for `args` (the words after the script): every command with its name and summary
 * (one home for both), the invoked one with its flags too. `all` gives every command its flags (tests).
 */
export async function buildProgram(args: readonly string[] = [], all = false): Promise<Command> {
  const program = rootProgram();
  const invoked = invokedCommand(args);
  for (const { name, summary, load } of COMMANDS) {
    const command = program.command(name).description(summary);
    // Only the invoked command gets its flags: the others are listed by --help and never parsed.
    if (all || name === invoked) (await load()).register(command);
  }
  return program;
}
