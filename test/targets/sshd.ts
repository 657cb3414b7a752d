/**
 * A real OpenSSH server for the target tests, on 127.0.0.1 and a free port, with a throwaway host key,
 * a throwaway user key, its own known_hosts and an ssh_config file (`ssh -F`) that names it by a host
 * alias, as a user's ~/.ssh/config would. It logs in as the user running the tests, with HOME moved to
 * a temporary folder and PATH set by the server (SetEnv) to a folder that holds everything /usr/bin
 * has except Node: a board that cannot run edgebench. `withNode` gives a second kind of board, with
 * Node and an `edgebench` command on PATH.
 *
 * StrictModes is off because the throwaway files live under /tmp, which sshd's ownership walk would
 * refuse; nothing else about the server is relaxed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp.js';

export const SSHD = '/usr/sbin/sshd';
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const NODE_PROGRAMS = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack', 'edgebench']);

/** Why these tests cannot run here, or undefined when they can. */
export function sshdSkipReason(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt install openssh-server)`;
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the OpenSSH client is missing (apt install openssh-client)';
  }
  if (process.platform !== 'linux') return 'the test server is set up for Linux';
  return undefined;
}

export interface TestSshd {
  host: string;
  port: number;
  /** The Host alias the ssh_config file defines for this server. */
  alias: string;
  user: string;
  /** The ssh_config file (`ssh -F`) with the alias, the key and the known_hosts. */
  sshConfig: string;
  knownHosts: string;
  /** A known_hosts line trusting this server. */
  knownHostsLine: string;
  /** The account's HOME on the "device". */
  home: string;
  /** The folder the device's PATH starts with (its programs). */
  bin: string;
  dir: string;
  /** Process ids of the per-connection server processes now (children of the listener). */
  connectionPids(): number[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
    stdio: 'ignore',
  });
}

/** A PATH folder with every program of /usr/bin (and /bin, where it is separate) except Node's. */
function boardBin(dir: string, withNode: boolean, without: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const source of ['/usr/bin', '/bin']) {
    let names: string[] = [];
    try {
      names = readdirSync(source);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!withNode && NODE_PROGRAMS.has(name)) continue;
      if (without.some((prefix) => name.startsWith(prefix))) continue;
      const target = path.join(dir, name);
      if (existsSync(target)) continue;
      try {
        symlinkSync(path.join(source, name), target);
      } catch {
        // a name both folders have: the first wins
      }
    }
  }
  if (withNode) {
    // What `npm install -g edgebench` leaves on PATH: a command that runs the CLI with node.
    const command = path.join(dir, 'edgebench');
    rmSync(command, { force: true });
    writeFileSync(command, `#!/bin/sh\nexec node ${CLI} "$@"\n`, { mode: 0o755 });
  }
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let log = '';
    const timer = setTimeout(
      () => resolve(`sshd did not start listening within ${timeoutMs} ms: ${log}`),
      timeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      if (log.length > 100_000) return; // listening long since: the server's log is drained, not kept
      log += chunk.toString();
      if (/Server listening on/.test(log)) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(`sshd exited with ${code}: ${log.trim()}`);
    });
  });
}

export interface SshdOptions {
  /** Node and an `edgebench` command on the device's PATH. */
  withNode?: boolean;
  /** Programs (name prefixes) left off the device's PATH, e.g. `python3`. */
  without?: string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  const dir = await tempDir('edgebench-sshd-');
  await chmod(dir, 0o700);
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'user_ed25519');
  keygen(hostKey, 'edgebench-test-host');
  keygen(userKey, 'edgebench-test-user');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, readFileSync(`${userKey}.pub`));
  const home = path.join(dir, 'home');
  await mkdir(home, { mode: 0o700 });
  const bin = path.join(dir, 'bin');
  boardBin(bin, options.withNode ?? false, options.without ?? []);
  const devicePath = bin;
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const user = os.userInfo().username;

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    await writeFile(
      config,
      [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'StrictModes no',
        'UsePAM no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'PidFile none',
        'UseDNS no',
        'MaxStartups 50',
        'MaxSessions 50',
        'LogLevel INFO',
        `SetEnv PATH=${devicePath} HOME=${home} LC_ALL=C`,
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.unref();
    const problem = await waitForListening(child, 10_000);
    if (problem) {
      child.kill('SIGKILL');
      if (/Address already in use/i.test(problem)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(problem);
    }
    const hostPublic = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHostsLine = `[127.0.0.1]:${port} ${hostPublic}`;
    const knownHosts = path.join(dir, 'known_hosts');
    await writeFile(knownHosts, `${knownHostsLine}\n`);
    const alias = 'board';
    const sshConfig = path.join(dir, 'ssh_config');
    await writeFile(
      sshConfig,
      [
        `Host ${alias}`,
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        `  User ${user}`,
        `  IdentityFile ${userKey}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  IdentityAgent none',
        'Host *',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        `  IdentityFile ${userKey}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        '',
      ].join('\n'),
    );
    const listener = child.pid!;
    return {
      host: '127.0.0.1',
      port,
      alias,
      user,
      sshConfig,
      knownHosts,
      knownHostsLine,
      home,
      bin,
      dir,
      connectionPids: () => childPids(listener),
      stop: async () => {
        for (const pid of childPids(listener)) killQuietly(pid);
        killQuietly(listener);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error('no free port for sshd after 5 tries');
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Children of a process, from /proc. */
export function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Writes an executable script into the device's PATH folder. */
export async function deviceProgram(sshd: TestSshd, name: string, script: string): Promise<string> {
  const file = path.join(sshd.bin, name);
  await rm(file, { force: true });
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
  return file;
}
