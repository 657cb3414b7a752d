/** Flag parsers shared by commands: each names the flag and the allowed values when it refuses one. */
import type { Command } from 'commander';
import { threadCountProblem } from '../engines/ort-options.js';
import { UserError } from '../errors.js';
import type { JsonDocument } from '../report/documents.js';
import { checkWritableFile, writeFileAtomic } from '../util/write-file.js';
import { terminalJson } from './terminal.js';

export function intFlag(flag: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new UserError(`${flag} must be an integer ≥ ${min}, got '${value}'`);
    return n;
  };
}

/** A thread count: an integer ≥ 0 (0 = the runtime decides), bounded by this machine's CPUs. */
export function threadsFlag(flag: string) {
  const integer = intFlag(flag);
  return (value: string): number => {
    const n = integer(value);
    const problem = threadCountProblem(flag, n);
    if (problem) throw new UserError(problem);
    return n;
  };
}

export function numberFlag(flag: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min)
      throw new UserError(`${flag} must be a number ≥ ${min}, got '${value}'`);
    return n;
  };
}

/** A duration in seconds, or with a unit: `300`, `90s`, `5m`, `1.5m`, `250ms`, `1h` → milliseconds. */
export function durationFlag(flag: string) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(value.trim());
    if (!match)
      throw new UserError(`${flag} takes a duration such as 300 (seconds), 90s, 5m; got '${value}'`);
    const unit = (match[2] ?? 's').toLowerCase();
    const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000;
    return Number(match[1]) * factor;
  };
}

export function choiceFlag<T extends string>(flag: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value))
      throw new UserError(`${flag} must be one of ${allowed.join(', ')}; got '${value}'`);
    return value as T;
  };
}

/** Collects a repeatable flag into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses `key=value` pairs (values that look like numbers or booleans become those). */
export function keyValueFlag(flag: string) {
  return (value: string, previous: Record<string, string | number | boolean> | undefined) => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UserError(`${flag} expects KEY=VALUE, got '${value}'`);
    const raw = value.slice(eq + 1);
    const parsed: string | number | boolean =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
    return { ...(previous ?? {}), [value.slice(0, eq)]: parsed };
  };
}

/**
 * `--json [FILE]`, one convention for every command with a result: `--json` or `--json -` prints the
 * result's JSON document on stdout and nothing else there; `--json FILE` writes it to FILE (checked
 * before the command's work starts, written atomically) and prints the usual output too.
 */
export type JsonFlag = string | boolean | undefined;

export function jsonOption(command: Command, what: string): Command {
  command.option(
    '--json [file]',
    `${what} as JSON: on stdout alone (no FILE, or "-"), or written to FILE besides the usual output`,
  );
  wordAfterJsonMayBeArgument(command);
  // A bad path is refused before anything is measured, so no result is lost to it.
  command.hook('preAction', async (cmd) => {
    const file = jsonFile(cmd.getOptionValue('json') as JsonFlag);
    if (file !== undefined) await checkWritableFile(file, '--json');
  });
  return command;
}

/** Whether the JSON document goes to stdout (and so nothing else may). */
export function jsonToStdout(json: JsonFlag): boolean {
  return json === true || json === '-';
}

/** The file the JSON document is written to, if one was named. */
export function jsonFile(json: JsonFlag): string | undefined {
  return typeof json === 'string' && json !== '-' ? json : undefined;
}

/**
 * A command's result: its JSON document alone on stdout, or its human text on stdout (and the
 * document written to FILE, the same bytes as on stdout). Warnings and progress go to stderr.
 */
export async function printResult(
  json: JsonFlag,
  document: JsonDocument,
  humanText: () => string,
  replacer?: (key: string, value: unknown) => unknown,
): Promise<void> {
  const text = `${terminalJson(document, 1, replacer)}\n`;
  if (jsonToStdout(json)) {
    process.stdout.write(text);
    return;
  }
  process.stdout.write(humanText());
  const file = jsonFile(json);
  if (file !== undefined) {
    await writeFileAtomic(file, text);
    process.stderr.write(`result written to ${file}\n`);
  }
}

/**
 * `--json` takes the next word as its FILE the way any optional value is taken, except where the
 * command would then lack one of its own arguments: `edgebench show --json latest` (as it was
 * before `--json` took a FILE) shows the study `latest` as JSON, and writes no file named `latest`.
 * `--json=FILE` is always a FILE.
 */
function wordAfterJsonMayBeArgument(command: Command): void {
  let taken: { word: string; operandsAfter: number } | undefined;
  const parse = command.parseOptions.bind(command);
  command.parseOptions = (argv: string[]) => {
    const parsed = parse(argv);
    const at = argv.lastIndexOf('--json');
    const end = argv.indexOf('--');
    const value = command.getOptionValue('json') as JsonFlag;
    taken = undefined;
    if (at >= 0 && (end < 0 || at < end) && typeof value === 'string' && argv[at + 1] === value) {
      let before = 0;
      for (const word of argv.slice(0, at)) if (word === parsed.operands[before]) before++;
      taken = { word: value, operandsAfter: parsed.operands.length - before };
    }
    return parsed;
  };
  // The arguments are counted (and a missing one refused) after the options are read: the word
  // goes back among them where it stood, after the arguments that came before it.
  const giveBack = (): boolean => {
    if (!taken) return false;
    command.args.splice(Math.max(0, command.args.length - taken.operandsAfter), 0, taken.word);
    command.setOptionValueWithSource('json', true, 'cli');
    taken = undefined;
    return true;
  };
  // commander reports a missing argument through this method (not in its typings).
  const reporting = command as unknown as { missingArgument(name: string): void };
  const missing = reporting.missingArgument.bind(command);
  reporting.missingArgument = (name: string) => {
    if (!giveBack()) missing(name);
  };
  // An optional argument left empty (study [spec]) takes the word too: a spec is never overwritten.
  command.hook('preAction', (cmd) => {
    if (!taken || cmd.processedArgs.length === 0 || cmd.processedArgs.every((a) => a !== undefined)) return;
    const index = cmd.processedArgs.indexOf(undefined);
    cmd.processedArgs[index] = taken.word;
    cmd.setOptionValueWithSource('json', true, 'cli');
    taken = undefined;
  });
}
