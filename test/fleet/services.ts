/**
 * Real services for the fleet tests: a redis-server and a PostgreSQL cluster of their own, on free
 * loopback ports, in a temporary folder (data, sockets, logs), with passwords — started, restarted and
 * stopped by the tests, and killed when the test process exits, whatever happened.
 *
 * PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user (Debian's
 * package creates it) or, failing that, a system user `edgebench-pg` created here. Redis keeps an
 * append-only file (fsync always), so a restart loses no job, as in a production set-up.
 *
 * Binaries: redis-server from PATH, PostgreSQL from /usr/lib/postgresql/<newest>/bin or PATH. Without
 * them the fleet tests skip with the reason, except in CI (CI=true), where they fail: CI installs them
 * (scripts/ci-services.sh install).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ServiceBinaries {
  redisServer: string | null;
  /** Folder of initdb, pg_ctl and postgres. */
  postgresBin: string | null;
}

function onPath(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  return null;
}

export function findServiceBinaries(): ServiceBinaries {
  let postgresBin: string | null = null;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) postgresBin = path.join(root, versions[0], 'bin');
  }
  if (!postgresBin) {
    const initdb = onPath('initdb');
    if (initdb && existsSync(path.join(path.dirname(initdb), 'pg_ctl'))) postgresBin = path.dirname(initdb);
  }
  return { redisServer: onPath('redis-server'), postgresBin };
}

/**
 * Why the fleet tests cannot run here (null when they can). In CI a missing service is an error,
 * not a reason to skip: this throws.
 */
export function servicesSkipReason(need: { redis?: boolean; postgres?: boolean } = {}): string | null {
  const bins = findServiceBinaries();
  const missing: string[] = [];
  if (need.redis !== false && !bins.redisServer) missing.push('redis-server');
  if (need.postgres !== false && !bins.postgresBin) missing.push('PostgreSQL (initdb, pg_ctl)');
  if (missing.length === 0) return null;
  const reason = `${missing.join(' and ')} not found (Debian: apt-get install -y redis-server postgresql, or run scripts/ci-services.sh install)`;
  if (process.env.CI === 'true') throw new Error(`fleet tests need real services in CI: ${reason}`);
  return reason;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One RESP round trip: AUTH (when a password is set) and PING; resolves when Redis answers PONG. */
function redisPing(port: number, password: string | null, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('+PONG')) done(true);
      else if (text.includes('-')) done(false);
    });
    socket.on('connect', () => {
      const auth = password ? `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n` : '';
      socket.write(`${auth}*1\r\n$4\r\nPING\r\n`);
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
  });
}

interface PgUser {
  name: string;
  uid: number;
  gid: number;
}

/** As root: the user PostgreSQL runs as (created when missing). Otherwise: null (run as ourselves). */
function postgresUser(): PgUser | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const lookup = (name: string): PgUser | null => {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { name, uid, gid };
    } catch {
      return null;
    }
  };
  const existing = lookup('postgres') ?? lookup('edgebench-pg');
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'edgebench-pg']);
  const created = lookup('edgebench-pg');
  if (!created) throw new Error('could not create the system user edgebench-pg for PostgreSQL');
  return created;
}

function runAs(user: PgUser | null, file: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const [command, argv] = user ? ['runuser', ['-u', user.name, '--', file, ...args]] : [file, args];
  return execFileSync(command, argv, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

export interface ServiceOptions {
  redis?: boolean;
  postgres?: boolean;
}

export interface FleetServices {
  /** The temporary folder holding both services' data, sockets and logs. */
  dir: string;
  redisPort: number;
  redisPassword: string;
  /** `redis://:PASSWORD@127.0.0.1:PORT` */
  redisUrl: string;
  postgresPort: number;
  postgresPassword: string;
  /** `postgres://edgebench:PASSWORD@127.0.0.1:PORT/postgres` */
  postgresUrl: string;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  restartRedis(): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  restartPostgres(): Promise<void>;
  /** Freezes redis-server (SIGSTOP): connections stay open, nothing answers — a hung server. */
  pauseRedis(): void;
  resumeRedis(): void;
  /** Freezes PostgreSQL, the postmaster and every backend (SIGSTOP). */
  pausePostgres(): void;
  resumePostgres(): void;
  /** The tail of a service's log (for failure messages). */
  logTail(service: 'redis' | 'postgres'): string;
  /** Stops both and removes the folder. */
  stop(): Promise<void>;
}

const running = new Set<() => void>();
let exitHook = false;

/** Whatever happens to the test process, the services it started go with it. */
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const kill of running) kill();
  });
}

export async function startServices(options: ServiceOptions = {}): Promise<FleetServices> {
  const wantRedis = options.redis !== false;
  const wantPostgres = options.postgres !== false;
  const bins = findServiceBinaries();
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgebench-fleet-'));
  const redisPassword = `r-${randomBytes(9).toString('hex')}`;
  const postgresPassword = `p-${randomBytes(9).toString('hex')}`;
  const redisPort = wantRedis ? await freePort() : 0;
  const postgresPort = wantPostgres ? await freePort() : 0;

  // ---- Redis ----
  const redisDir = path.join(dir, 'redis');
  const redisConf = path.join(redisDir, 'redis.conf');
  const redisLog = path.join(redisDir, 'redis.log');
  let redis: ChildProcess | null = null;
  const killRedis = () => {
    if (redis && redis.exitCode === null && redis.signalCode === null) redis.kill('SIGKILL');
  };
  if (wantRedis) {
    if (!bins.redisServer) throw new Error('redis-server not found');
    mkdirSync(redisDir, { recursive: true });
    writeFileSync(
      redisConf,
      [
        `port ${redisPort}`,
        'bind 127.0.0.1',
        `dir ${redisDir}`,
        'daemonize no',
        'appendonly yes',
        'appendfsync always',
        'save ""',
        `requirepass ${redisPassword}`,
        'maxmemory-policy noeviction',
        '',
      ].join('\n'),
    );
  }
  const startRedis = async () => {
    if (!wantRedis || !bins.redisServer) return;
    const log = openSync(redisLog, 'a');
    redis = spawn(bins.redisServer, [redisConf], { stdio: ['ignore', log, log] });
    running.add(killRedis);
    await waitFor('redis-server', () => redisPing(redisPort, redisPassword), 15_000);
  };
  const stopRedis = async () => {
    const child = redis;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    killRedis();
    running.delete(killRedis);
  };

  // ---- PostgreSQL ----
  const pgDir = path.join(dir, 'postgres');
  const pgData = path.join(pgDir, 'data');
  const pgLog = path.join(pgDir, 'postgres.log');
  const user = wantPostgres ? postgresUser() : null;
  const pgBin = (name: string) => path.join(bins.postgresBin ?? '', name);
  const killPostgres = () => {
    try {
      const pid = Number(readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // Not running.
    }
  };
  if (wantPostgres) {
    if (!bins.postgresBin) throw new Error('PostgreSQL binaries not found');
    mkdirSync(pgDir, { recursive: true });
    const pwfile = path.join(pgDir, 'pwfile');
    writeFileSync(pwfile, `${postgresPassword}\n`, { mode: 0o600 });
    if (user) {
      for (const p of [dir, pgDir, pwfile]) chownSync(p, user.uid, user.gid);
    }
    runAs(user, pgBin('initdb'), [
      '-D',
      pgData,
      '-U',
      'edgebench',
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    rmSync(pwfile);
  }
  const startPostgres = async () => {
    if (!wantPostgres) return;
    const settings = [
      `-p ${postgresPort}`,
      `-k ${pgDir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=60',
    ].join(' ');
    runAs(user, pgBin('pg_ctl'), ['-D', pgData, '-l', pgLog, '-w', '-t', '30', '-o', settings, 'start']);
    running.add(killPostgres);
    await waitFor('postgres', () => tcpOpen(postgresPort), 15_000);
  };
  const stopPostgres = async () => {
    if (!wantPostgres || !existsSync(path.join(pgData, 'postmaster.pid'))) return;
    try {
      runAs(user, pgBin('pg_ctl'), ['-D', pgData, '-m', 'fast', '-w', '-t', '30', 'stop']);
    } catch {
      killPostgres();
    }
    running.delete(killPostgres);
  };

  const signalRedis = (signal: NodeJS.Signals) => {
    const child = redis;
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, signal);
  };
  /** The postmaster and its backends (read from /proc: their parent is the postmaster). */
  const postgresPids = (): number[] => {
    let postmaster: number;
    try {
      postmaster = Number(readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return [];
    }
    const backends = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...backends];
  };
  const signalPostgres = (signal: NodeJS.Signals) => {
    for (const pid of postgresPids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // Gone meanwhile.
      }
    }
  };
  // A frozen server would not stop, nor let the test process end: thawed first, whatever happens.
  running.add(() => {
    signalRedis('SIGCONT');
    signalPostgres('SIGCONT');
  });

  const services: FleetServices = {
    dir,
    redisPort,
    redisPassword,
    redisUrl: `redis://:${redisPassword}@127.0.0.1:${redisPort}`,
    postgresPort,
    postgresPassword,
    postgresUrl: `postgres://edgebench:${postgresPassword}@127.0.0.1:${postgresPort}/postgres`,
    startRedis,
    stopRedis,
    restartRedis: async () => {
      await stopRedis();
      await startRedis();
    },
    startPostgres,
    stopPostgres,
    restartPostgres: async () => {
      await stopPostgres();
      await startPostgres();
    },
    pauseRedis: () => signalRedis('SIGSTOP'),
    resumeRedis: () => signalRedis('SIGCONT'),
    pausePostgres: () => signalPostgres('SIGSTOP'),
    resumePostgres: () => signalPostgres('SIGCONT'),
    logTail: (service) => {
      try {
        return readFileSync(service === 'redis' ? redisLog : pgLog, 'utf8').slice(-3000);
      } catch {
        return '';
      }
    },
    stop: async () => {
      signalRedis('SIGCONT');
      signalPostgres('SIGCONT');
      await stopRedis().catch(() => {});
      await stopPostgres().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await startRedis();
    await startPostgres();
  } catch (error) {
    const tails = `${services.logTail('redis')}\n${services.logTail('postgres')}`.trim();
    await services.stop();
    throw new Error(`${(error as Error).message}${tails ? `\n${tails}` : ''}`);
  }
  return services;
}
