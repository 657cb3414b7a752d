/**
 * Where a measurement runs: `local` (this machine), `ssh://[user@]host[:port]`, or the name of a target
 * kept in the targets file. Names and addresses are checked here, once, so nothing odd travels further:
 * a name is a short word, a host cannot start with `-` (ssh would read it as an option) and an address
 * never carries a password.
 */
import { UserError } from '../errors.js';

export const LOCAL_TARGET = 'local';

export interface SshAddress {
  host: string;
  user?: string;
  port?: number;
}

export type TargetSpec =
  | { kind: 'local'; name: typeof LOCAL_TARGET }
  | {
      kind: 'ssh';
      /** The name it was saved under, or undefined for an address given directly. */
      name?: string;
      address: SshAddress;
      /** An ssh_config file used instead of ~/.ssh/config (`ssh -F`). */
      sshConfig?: string;
    };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Why a target name is not acceptable, or undefined when it is. */
export function targetNameProblem(name: string): string | undefined {
  if (name === LOCAL_TARGET) return `'${LOCAL_TARGET}' always means this machine and cannot be redefined`;
  if (!NAME.test(name))
    return `target names are 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit (got ${JSON.stringify(name)})`;
  return undefined;
}

export function checkTargetName(name: string): string {
  const problem = targetNameProblem(name);
  if (problem) throw new UserError(`bad target name: ${problem}`);
  return name;
}

// A host: a DNS name or ssh_config alias, an IPv4 address, or an IPv6 address in brackets.
const HOST = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})|\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?\])$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** Parses `ssh://[user@]host[:port]` strictly; throws a UserError saying what is wrong. */
export function parseSshUrl(url: string): SshAddress {
  const match = /^ssh:\/\/(?:([^@/]*)@)?([^/@]+?)(?::(\d+))?\/?$/.exec(url);
  if (!match) {
    throw new UserError(
      `'${printable(url)}' is not an ssh target: write ssh://[user@]host[:port] (a host alias from ~/.ssh/config works too)`,
    );
  }
  const [, userPart, hostPart, portPart] = match;
  if (userPart?.includes(':'))
    throw new UserError(
      'a target address never holds a password: edgebench logs in with SSH keys and the agent only (install your key with ssh-copy-id)',
    );
  if (userPart !== undefined && !USER.test(userPart))
    throw new UserError(`'${printable(userPart)}' is not a user name edgebench accepts in ${printable(url)}`);
  if (!HOST.test(hostPart))
    throw new UserError(
      `'${printable(hostPart)}' is not a host name, address or ssh_config alias edgebench accepts (letters, digits, '.', '_', '-', or [IPv6])`,
    );
  const port = portPart === undefined ? undefined : Number(portPart);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    throw new UserError(`port ${portPart} in ${printable(url)} is not between 1 and 65535`);
  return {
    host: hostPart,
    ...(userPart ? { user: userPart } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

/** `user@host:port` as it may be recorded (it holds no secret). */
export function formatAddress(address: SshAddress): string {
  return `${address.user ? `${address.user}@` : ''}${address.host}${address.port ? `:${address.port}` : ''}`;
}

export function formatSshUrl(address: SshAddress): string {
  return `ssh://${formatAddress(address)}`;
}

/** The target's short name: `local`, its saved name, or its address. */
export function targetName(spec: TargetSpec): string {
  if (spec.kind === 'local') return LOCAL_TARGET;
  return spec.name ?? formatSshUrl(spec.address);
}

/** How a target is named to the user in messages. */
export function targetLabel(spec: TargetSpec): string {
  if (spec.kind === 'local') return LOCAL_TARGET;
  return spec.name ? `target '${spec.name}' (${formatAddress(spec.address)})` : formatSshUrl(spec.address);
}

/** A string with control characters shown as escapes, so a message stays one line. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is being escaped
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
