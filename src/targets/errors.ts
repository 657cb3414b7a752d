/**
 * What went wrong between edgebench and a device, in one line each with what to do. `ssh` exits 255
 * for its own failures and prints why on stderr; those messages (OpenSSH 7.x–9.x) are read here.
 * Every kind the user must fix is a UserError (exit code 2); `connection-lost` and `timeout` are too,
 * since a rerun is the user's call.
 */
import { UserError } from '../errors.js';

export const TARGET_FAILURE_KINDS = [
  'unreachable',
  'auth-failed',
  'host-key-unknown',
  'host-key-changed',
  'connection-lost',
  'timeout',
  'disk-full',
  'command-not-found',
  'ssh-missing',
  'ssh-failed',
] as const;
export type TargetFailureKind = (typeof TARGET_FAILURE_KINDS)[number];

export class TargetError extends UserError {
  readonly kind: TargetFailureKind;
  /** ssh's own words (its last stderr lines), for --debug and the record; never shown as the message. */
  readonly detail: string | undefined;
  constructor(kind: TargetFailureKind, message: string, options?: { cause?: unknown; detail?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TargetError';
    this.kind = kind;
    this.detail = options?.detail;
  }
}

export interface FailureContext {
  /** How the target is named to the user (`jetson`, `ssh://nano@10.0.0.5`). */
  target: string;
  /** The `ssh` command that reproduces the connection interactively (for the trust hint). */
  sshHint: string;
  /** What was being done, e.g. `running python3`. */
  doing?: string;
}

const UNREACHABLE = [
  /Could not resolve hostname/i,
  /connect to host .* port \d+: (Connection refused|Connection timed out|No route to host|Network is unreachable|Operation timed out|Host is down)/i,
  /Connection timed out during banner exchange/i,
  /kex_exchange_identification/i,
  /Connection closed by .* port \d+$/im,
];

/**
 * The failure ssh itself reported, or undefined when the text is not ssh's (the remote command's own
 * error). Only call this for exit status 255 (or a killed ssh), where the words are ssh's.
 */
export function classifySshFailure(stderr: string, context: FailureContext): TargetError | undefined {
  const detail = lastLines(stderr);
  const where = context.doing ? ` while ${context.doing}` : '';
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    const line = /Offending \S+ key in (\S+):(\d+)/.exec(stderr);
    const at = line ? ` (${line[1]} line ${line[2]})` : '';
    return new TargetError(
      'host-key-changed',
      `${context.target}: its host key is not the one trusted before${at}; if the device was reinstalled, remove the old key with 'ssh-keygen -R HOST' and connect once with '${context.sshHint}' to check and trust the new one; otherwise someone may be intercepting the connection`,
      { detail },
    );
  }
  if (
    /No \S+ host key is known for|Host key verification failed|host key is not known|authenticity of host/i.test(
      stderr,
    )
  ) {
    return new TargetError(
      'host-key-unknown',
      `${context.target}: its host key is not trusted yet, and edgebench never accepts one on its own; connect once with '${context.sshHint}', check the fingerprint it shows and answer yes, then run this again`,
      { detail },
    );
  }
  if (
    /Permission denied \(|Too many authentication failures|no mutual signature|Authentication failed/i.test(
      stderr,
    )
  ) {
    return new TargetError(
      'auth-failed',
      `${context.target}: the device refused the login (${/Permission denied \(([^)]*)\)/.exec(stderr)?.[1] ?? 'authentication failed'}); edgebench logs in with your SSH keys and agent only, never a password: install your public key there with 'ssh-copy-id', or name the right key (IdentityFile) in ~/.ssh/config`,
      { detail },
    );
  }
  if (/Could not resolve hostname/i.test(stderr)) {
    return new TargetError(
      'unreachable',
      `${context.target}: the host name does not resolve (${detail}); check the name, or add a Host entry with its HostName to ~/.ssh/config`,
      { detail },
    );
  }
  if (UNREACHABLE.some((pattern) => pattern.test(stderr)) && !/closed by remote host/i.test(stderr)) {
    return new TargetError(
      'unreachable',
      `${context.target}: cannot reach the device (${detail}); check that it is on, on the network, and that its SSH server runs (try '${context.sshHint}')`,
      { detail },
    );
  }
  if (
    /closed by remote host|Connection reset|Broken pipe|client_loop: send disconnect|Timeout, server .* not responding|mux_client_.*(read|write)|Control socket connect|master .* exited|packet_write_wait|Connection to .* closed/i.test(
      stderr,
    )
  ) {
    return new TargetError(
      'connection-lost',
      `${context.target}: the connection was cut${where} (${detail}); the device may have rebooted, run out of memory or lost its network: nothing from this run was kept, run it again once '${context.sshHint}' works`,
      { detail },
    );
  }
  return undefined;
}

/** A remote command that failed because the device is out of space (on any file it wrote). */
export function isDiskFull(stderr: string): boolean {
  return /No space left on device|Disk quota exceeded/i.test(stderr);
}

/** A remote command that the shell could not find (exit status 127 with the shell's words). */
export function isCommandNotFound(code: number | null, stderr: string): boolean {
  return code === 127 && /not found|No such file or directory/i.test(stderr);
}

/** The last few non-empty lines of some output, joined with ' | ' (ssh's own words). */
export function lastLines(text: string, count = 2, maxChars = 300): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^@+$/.test(line));
  const tail = lines.slice(-count).join(' | ');
  return tail.length > maxChars ? `…${tail.slice(tail.length - maxChars)}` : tail;
}
