/**
 * The built CLI (dist/cli/main.js) as separate processes — agents, submitters, status — the way a
 * fleet runs it. Every process is started in its own process group, its output is kept, and every
 * one still running is killed (SIGKILL, whole group: its measuring workers too) by `killAll()` and,
 * whatever happens, when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** The fleet tests run the built CLI: `npm run build` (tsc -p tsconfig.build.json) first. */
export function cliBuilt(): boolean {
  return existsSync(CLI);
}

export interface CliProcess {
  name: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const all = new Set<CliProcess>();
let hooked = false;

function killGroup(p: CliProcess, signal: NodeJS.Signals): void {
  if (p.child.pid === undefined) return;
  try {
    process.kill(-p.child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Starts `edgebench ARGS…` (env added to this process's environment). */
export function startCli(
  name: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): CliProcess {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const p of all) killGroup(p, 'SIGKILL');
    });
  }
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const p: CliProcess = { name, child, stdout: () => out, stderr: () => err, exited };
  all.add(p);
  void exited.then(() => {
    // Reap what the process may have left in its group (a worker), then forget it.
    killGroup(p, 'SIGKILL');
    all.delete(p);
  });
  return p;
}

/** Runs `edgebench ARGS…` to the end (killed after `timeoutMs`). */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(`edgebench ${args[0]}`, args, env);
  const timer = setTimeout(() => killGroup(p, 'SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Waits until a process's stderr matches `pattern` (fails if it exits first or time runs out). */
export async function waitForStderr(
  p: CliProcess,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    const match = p.stderr().match(pattern);
    if (match) return match;
    if (exited) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${p.name}: no line matching ${pattern} ${exited ? '(it exited)' : `within ${timeoutMs} ms`}:\n${p.stderr().slice(-3000)}`,
  );
}

export function signal(p: CliProcess, sig: NodeJS.Signals): void {
  if (p.child.pid !== undefined && p.child.exitCode === null) p.child.kill(sig);
}

/** Kills every process started here that still runs (whole groups), and waits for them. */
export async function killAll(): Promise<void> {
  const running = [...all];
  for (const p of running) killGroup(p, 'SIGKILL');
  await Promise.all(running.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))])));
}

/** Everything every process printed (for checks that no secret was ever printed). */
export function everyOutput(processes: readonly CliProcess[]): string {
  return processes.map((p) => `${p.stdout()}\n${p.stderr()}`).join('\n');
}
