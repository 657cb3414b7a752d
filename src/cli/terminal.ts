/**
 * Text that reaches the terminal. Names inside models, files and specs are the user's data and may
 * hold any bytes: control characters (ESC, BEL, NUL, CR, C1 codes) and bidirectional overrides would
 * act on the terminal instead of being read, so they are shown as escapes (`\x1b`, `\u202e`).
 */

/** C0 and C1 controls, DEL, and the bidi embedding/override/isolate characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every unprintable character escaped; newlines and tabs are kept. */
export function printableText(text: string): string {
  return text.replace(UNPRINTABLE, escapeChar);
}

/** One printable line: line breaks become spaces, everything unprintable is escaped. */
export function printableLine(text: string): string {
  return printableText(text.replace(/\s*[\r\n]+\s*/g, ' ').trim()).replace(/\t/g, ' ');
}

/** `edgebench: MESSAGE` on stderr, one line. */
export function writeError(message: string): void {
  process.stderr.write(`edgebench: ${printableLine(message)}\n`);
}

/** `warning: MESSAGE` on stderr, one line. */
export function writeWarning(message: string): void {
  process.stderr.write(`warning: ${printableLine(message)}\n`);
}

/**
 * JSON for stdout: JSON.stringify escapes C0 controls but leaves DEL, C1 controls and bidi
 * overrides raw; those can only sit inside strings, where `\uXXXX` means the same, so the
 * document is unchanged for a parser and inert on a terminal.
 */
export function terminalJson(
  value: unknown,
  indent?: number,
  replacer?: (key: string, value: unknown) => unknown,
): string {
  return JSON.stringify(value, replacer, indent).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
