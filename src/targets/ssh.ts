/**
 * A device over SSH, through the system's OpenSSH client: whatever works for `ssh HOST` in a terminal
 * (~/.ssh/config, host aliases, the agent, ProxyJump, keys, known_hosts) works here, because it is the
 * same program reading the same files. edgebench adds only what a tool that must never hang or trust
 * blindly needs:
 *
 * - BatchMode=yes: no password or passphrase prompt can wait forever (keys and the agent only);
 * - StrictHostKeyChecking=yes: an unknown or changed host key is refused with what to do, never accepted;
 * - one multiplexed connection (ControlMaster/ControlPersist) shared by every call, its control socket
 *   in a private folder of ours, closed by close();
 * - ConnectTimeout and ServerAliveInterval, so a dead link is noticed in seconds;
 * - no forwarding of the agent, X11 or the user's configured ports to the device.
 *
 * Every remote argument is quoted for the remote shell (shell.ts). The program's process id is
 * announced on stderr by a marker line (removed from the output), so a timeout or an abort stops it,
 * and its children, on the device too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifySshFailure, isCommandNotFound, isDiskFull, lastLines, TargetError } from './errors.js';
import { remoteCommandLine, shellQuote } from './shell.js';
import { formatAddress, type SshAddress } from './spec.js';
import {
  drive,
  type ExecOptions,
  type ExecResult,
  execVia,
  type RemoteProcess,
  type StartOptions,
  type Transport,
} from './transport.js';

export const SSH_ENV_VAR = 'EDGEBENCH_SSH';

export interface SshTransportOptions {
  address: SshAddress;
  /** An ssh_config file instead of ~/.ssh/config (`ssh -F FILE`). */
  sshConfig?: string;
  /** How the device is named in messages; default the address. */
  label?: string;
  /** The ssh client; default $EDGEBENCH_SSH, else `ssh` on PATH. */
  ssh?: string;
  connectTimeoutS?: number;
  /** Keep-alive probes every this many seconds; the link counts as dead after serverAliveCountMax unanswered. */
  serverAliveIntervalS?: number;
  serverAliveCountMax?: number;
  /** How long the shared connection stays open with nothing running (it is closed by close() anyway). */
  controlPersistS?: number;
}

export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  readonly label: string;
  readonly address: string;
  private readonly ssh: string;
  private controlDir: string | undefined;
  private connecting: Promise<void> | undefined;
  private readonly marker = `edgebench-remote-pid-${randomBytes(6).toString('hex')}`;

  /** The destination as ssh takes it: an IPv6 address without the brackets a URL needs. */
  private get destination(): string {
    return this.options.address.host.replace(/^\[(.*)\]$/, '$1');
  }

  constructor(private readonly options: SshTransportOptions) {
    this.address = formatAddress(options.address);
    this.label = options.label ?? `ssh://${this.address}`;
    this.ssh = options.ssh ?? process.env[SSH_ENV_VAR] ?? 'ssh';
  }

  /** The interactive `ssh` command that reaches the same device, for messages that ask the user to run it. */
  sshHint(): string {
    const { address, sshConfig } = this.options;
    return [
      'ssh',
      ...(sshConfig ? ['-F', shellQuote(sshConfig)] : []),
      ...(address.port ? ['-p', String(address.port)] : []),
      `${address.user ? `${address.user}@` : ''}${this.destination}`,
    ].join(' ');
  }

  private controlPath(): string {
    if (!this.controlDir) {
      // A private folder (mode 0700) keeps the control socket, which grants use of the open
      // connection, away from other users. Short, since a socket path is limited to ~100 bytes.
      const base = os.tmpdir().length <= 60 ? os.tmpdir() : '/tmp';
      this.controlDir = mkdtempSync(path.join(base, 'edgebench-ssh-'));
    }
    return path.join(this.controlDir, 'm').replaceAll('%', '%%');
  }

  /** The options every ssh call gets, before the destination. */
  sshArgs(): string[] {
    const o = this.options;
    const args = [
      ...(o.sshConfig ? ['-F', o.sshConfig] : []),
      '-T',
      '-x',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `ConnectTimeout=${o.connectTimeoutS ?? 10}`,
      '-o',
      `ServerAliveInterval=${o.serverAliveIntervalS ?? 5}`,
      '-o',
      `ServerAliveCountMax=${o.serverAliveCountMax ?? 3}`,
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${this.controlPath()}`,
      '-o',
      `ControlPersist=${o.controlPersistS ?? 600}`,
      '-o',
      'ForwardAgent=no',
      '-o',
      'ClearAllForwardings=yes',
      '-o',
      'PermitLocalCommand=no',
    ];
    if (o.address.port) args.push('-p', String(o.address.port));
    if (o.address.user) args.push('-l', o.address.user);
    return args;
  }

  connect(): Promise<void> {
    this.connecting ??= this.exec(['true'], { timeoutMs: 60_000, doing: 'connecting' })
      .then((result) => {
        if (result.code !== 0)
          throw new TargetError(
            'ssh-failed',
            `${this.label}: 'true' failed on the device (exit code ${result.code}: ${lastLines(result.stderr) || 'no message'}); check the account's login shell`,
          );
      })
      .catch((error: unknown) => {
        this.connecting = undefined;
        throw error;
      });
    return this.connecting;
  }

  start(argv: readonly string[], options: StartOptions = {}): RemoteProcess {
    const command = `echo ${this.marker} $$ >&2; ${remoteCommandLine(argv, options.env)}`;
    let remotePid: number | undefined;
    let announced: () => void = () => {};
    const pidKnown = new Promise<void>((resolve) => {
      announced = resolve;
    });
    const context = {
      target: this.label,
      sshHint: this.sshHint(),
      ...(options.doing ? { doing: options.doing } : {}),
    };
    const program = argv[0] ?? '';
    return drive(this.ssh, [...this.sshArgs(), '--', this.destination, command], options, {
      stderrLine: (line) => {
        if (!line.startsWith(this.marker)) return true;
        const pid = Number(line.slice(this.marker.length + 1));
        if (Number.isInteger(pid) && pid > 1) remotePid = pid;
        announced();
        return false;
      },
      // Stopping the local ssh is not enough: the device keeps running the command (and, over a
      // shared connection, ssh's pipes stay open with it). A stop that comes before the command has
      // announced itself waits a moment for it.
      stopRemote: async () => {
        if (remotePid === undefined)
          await Promise.race([pidKnown, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
        if (remotePid !== undefined) await this.signalRemote(remotePid);
      },
      failure: async (outcome, killedBy) => {
        if (outcome.spawnError?.code === 'ENOENT')
          return new TargetError(
            'ssh-missing',
            `the OpenSSH client '${this.ssh}' is not installed here (apt install openssh-client), or set $${SSH_ENV_VAR} to its path`,
          );
        if (outcome.spawnError)
          return new TargetError('ssh-failed', `cannot start '${this.ssh}': ${outcome.spawnError.message}`);
        if (killedBy === 'timeout')
          return new TargetError(
            'timeout',
            `${this.label}: '${program}' did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s${options.doing ? ` (${options.doing})` : ''}; it was stopped on the device`,
          );
        const started = remotePid !== undefined;
        if (outcome.code === 255 || outcome.code === null) {
          const classified = classifySshFailure(outcome.stderr, context);
          if (classified) return classified;
          if (!started)
            return new TargetError(
              'ssh-failed',
              `${this.label}: ssh failed (${lastLines(outcome.stderr) || `exit status ${outcome.code ?? outcome.signal}`}); try '${this.sshHint()}'`,
            );
          // A shared connection that dies under a running command leaves its ssh silent, with status
          // 255, which the program could also have returned: ask whether the connection still stands.
          if (outcome.code === null || !(await this.masterAlive()))
            return new TargetError(
              'connection-lost',
              `${this.label}: the connection was cut${options.doing ? ` while ${options.doing}` : ` while '${program}' ran`}; the device may have rebooted, run out of memory or lost its network: nothing from this run was kept, run it again once '${this.sshHint()}' works`,
              { detail: lastLines(outcome.stderr) },
            );
        }
        if (isCommandNotFound(outcome.code, outcome.stderr))
          return new TargetError(
            'command-not-found',
            `${this.label}: '${program}' is not installed on the device, or not on the PATH an SSH command gets there (give its full path)`,
            { detail: lastLines(outcome.stderr) },
          );
        if (outcome.code !== 0 && isDiskFull(outcome.stderr))
          return new TargetError(
            'disk-full',
            `${this.label}: the device ran out of disk space${options.doing ? ` while ${options.doing}` : ''} (${lastLines(outcome.stderr, 1)}); free space there, or remove edgebench's files with 'edgebench target clean'`,
            { detail: lastLines(outcome.stderr) },
          );
        return undefined;
      },
    });
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return execVia(this, argv, options);
  }

  /** Whether the shared connection is up (`ssh -O check`). */
  private async masterAlive(): Promise<boolean> {
    return (await this.controlMaster('check')) === 0;
  }

  /** Sends a command to the shared connection's master (`ssh -O …`): its exit code, or null where ssh failed. */
  private controlMaster(command: 'check' | 'exit'): Promise<number | null> {
    const control = drive(
      this.ssh,
      [...this.sshArgs(), '-O', command, '--', this.destination],
      { timeoutMs: 10_000 },
      { failure: () => undefined },
    );
    control.stdin.end();
    return control.done.then(
      (result) => result.code,
      () => null,
    );
  }

  /** SIGTERM to the program's process group on the device, SIGKILL a few seconds later if it is still there. */
  private async signalRemote(pid: number): Promise<void> {
    const script =
      'kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null; ' +
      '( sleep 3; kill -KILL -- "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null ) >/dev/null 2>&1 </dev/null & exit 0';
    await this.exec(['sh', '-c', script, 'sh', String(pid)], { timeoutMs: 10_000 }).catch(() => undefined);
  }

  async close(): Promise<void> {
    const dir = this.controlDir;
    if (!dir) return;
    this.connecting = undefined;
    // Ends the shared connection (if one is open; an error just means there was none).
    await this.controlMaster('exit');
    rmSync(dir, { recursive: true, force: true });
    this.controlDir = undefined;
  }
}
