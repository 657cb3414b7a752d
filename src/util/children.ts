/**
 * Helper processes must not outlive edgebench. Every child it starts (measuring workers, ffmpeg,
 * python, trtexec) is registered here while it runs, and killed (SIGKILL) when this process exits,
 * however it exits: the end of a command, a forced exit after a stop signal, `process.exit` anywhere.
 *
 * A child started as the leader of its own process group (`detached: true`, registered with
 * `group: true`) is killed with its whole group, so what it started itself (a worker's python runner
 * or trtexec) goes with it.
 */
import type { ChildProcess } from 'node:child_process';

interface Tracked {
  group: boolean;
}

const running = new Map<ChildProcess, Tracked>();
let exitHookInstalled = false;

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  if (process.platform === 'win32') return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Kills a running child, with its process group when it leads one. Returns whether a signal was sent. */
export function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  const pid = child.pid;
  if (pid === undefined) return false;
  if (running.get(child)?.group && signalGroup(pid, signal)) return true;
  if (child.exitCode !== null || child.signalCode !== null) return false;
  return child.kill(signal);
}

/**
 * Kills what is left of the process group a child led, once the child itself is gone (a no-op when
 * nothing is). Safe: Linux does not reuse a group's id while one of its members lives.
 */
export function killLeftovers(child: ChildProcess): void {
  if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
}

/**
 * Registers a running child: it is killed when this process exits, until it exits itself.
 * `group`: the child was spawned with `detached: true` and leads its own process group.
 */
export function trackChild<C extends ChildProcess>(child: C, options: { group?: boolean } = {}): C {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllChildren);
  }
  if (child.pid === undefined) return child;
  running.set(child, { group: options.group === true });
  child.once('exit', () => running.delete(child));
  return child;
}

/** The children registered now (for tests and diagnostics). */
export function runningChildren(): number {
  return running.size;
}

function killAllChildren(): void {
  for (const [child, tracked] of running) {
    const pid = child.pid;
    if (pid === undefined) continue;
    if (tracked.group && signalGroup(pid, 'SIGKILL')) continue;
    child.kill('SIGKILL');
  }
  running.clear();
}
