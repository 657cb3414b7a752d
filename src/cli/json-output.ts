/** `--json [FILE]`: how every command with a result gives it as JSON, one convention for all. */
import type { Command } from 'commander';
import type { JsonDocument } from '../report/documents.js';
import { checkWritableFile, writeFileAtomic } from '../util/write-file.js';
import { terminalJson } from './terminal.js';

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
