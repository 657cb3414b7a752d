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

/** Every command, as `[name, the line --help lists]`; its module is ./NAME.js, loaded when it is invoked. */
const COMMANDS: ReadonlyArray<readonly [name: string, summary: string]> = [
  ['env', 'describe this machine: OS, CPU and ISA, memory, GPUs, Jetson, runtimes, execution providers'],
  ['run', 'benchmark one ONNX model (a file, or zoo:NAME) on one engine'],
  ['zoo', 'built-in model architectures, generated as ONNX'],
  ['inspect', 'show inputs/outputs, parameters, op types, MACs/FLOPs and memory of a model'],
  ['study', 'measure each model non-optimized vs optimized, interleaved, with CIs; store and report it'],
  [
    'tune',
    'find the fastest configuration of a model on this machine within a fidelity budget, and prove it',
  ],
  ['history', 'list the studies in the store, newest first'],
  ['show', 'show a stored study: the results table, averages, variants, failures'],
  ['diff', 'compare two stored studies variant by variant (B against A)'],
  ['report', 'write a report of a stored study (Markdown, CSV, JSON, or self-contained HTML)'],
  ['optimize', 'apply optimization recipes to an ONNX model and write a new file, with its fidelity'],
  [
    'pipeline',
    'run real images or videos through a model, timing decode, preprocess, inference and postprocess',
  ],
  ['compare-outputs', "compare an optimized model's outputs with its base model's on the same inputs"],
  ['agent', 'run a fleet agent: take the queued jobs this device can run, measure them, store the results'],
  ['fleet', 'run studies across a fleet of devices (jobs on Redis, results in PostgreSQL)'],
  ['target', 'the devices to measure on: this machine (local) or boards reached over SSH'],
];

/** A command's module, loaded only when that command runs (start-up stays fast). */
function loadCommand(name: string): Promise<CommandModule> {
  return import(`./${name}.js`) as Promise<CommandModule>;
}

export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

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
  for (const [name, summary] of COMMANDS) {
    const command = program.command(name).description(summary);
    // Only the invoked command gets its flags: the others are listed by --help and never parsed.
    if (all || name === invoked) (await loadCommand(name)).register(command);
  }
  return program;
}
