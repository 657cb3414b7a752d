/**
 * Quoting for the remote shell. ssh sends one command string, which the account's login shell parses
 * (`$SHELL -c STRING`), so every argument is single-quoted: inside single quotes a POSIX shell (sh,
 * dash, bash, zsh, ksh, BusyBox ash) takes every byte literally, `$()`, backquotes, `;`, spaces and
 * newlines included; a single quote itself is closed, escaped and reopened (`'\''`). Nothing a target
 * name, a model path or a spec holds reaches the remote shell any other way.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as the remote shell must see it. Plain words stay readable; everything else is quoted. */
export function shellQuote(argument: string): string {
  if (argument.includes('\0'))
    throw new RangeError('an argument for the remote shell cannot hold a NUL byte');
  if (argument !== '' && SAFE.test(argument)) return argument;
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The command line for an argv on the remote side: `exec env K=V … argv…`, each part quoted. `exec`
 * replaces the login shell, so the command's process id is the session's (what `kill` needs to reach
 * it and its children). An empty argv is refused.
 */
export function remoteCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): string {
  if (argv.length === 0) throw new RangeError('a remote command needs at least a program name');
  const assignments = Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new RangeError(`'${name}' is not an environment variable name`);
    return shellQuote(`${name}=${value}`);
  });
  const prefix = assignments.length > 0 ? ['env', ...assignments] : [];
  return ['exec', ...prefix, ...argv.map(shellQuote)].join(' ');
}
