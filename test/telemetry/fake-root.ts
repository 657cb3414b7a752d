/** Lays out fake /proc, /sys and /etc trees (and fake helper programs) in a temporary folder. */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../helpers/temp.js';

export type Tree = Record<string, string | number>;

/** Writes `{ 'sys/class/thermal/thermal_zone0/temp': 45000 }` under root (numbers get a newline, as sysfs does). */
export async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const [relative, content] of Object.entries(tree)) {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, typeof content === 'number' ? `${content}\n` : content);
  }
}

const created: string[] = [];

export async function fakeRoot(tree: Tree = {}): Promise<string> {
  const root = await tempDir('edgebench-telemetry-');
  created.push(root);
  await writeTree(root, tree);
  return root;
}

/** An executable shell script at root/bin/name. */
export async function fakeProgram(root: string, name: string, script: string): Promise<string> {
  const file = path.join(root, 'bin', name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
  return file;
}

/** A /proc/PID/stat line with the given CPU ticks. */
export function pidStat(pid: number, comm: string, utime: number, stime: number): string {
  return `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 5000 123456789 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`;
}

/** A /proc/stat with the given aggregate busy (user) and idle ticks. */
export function procStat(user: number, idle: number): string {
  return `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0\nctxt 1\n`;
}

export function pidStatus(rssKb: number, hwmKb: number): string {
  return `Name:\tbench\nState:\tR (running)\nVmHWM:\t${hwmKb} kB\nVmRSS:\t${rssKb} kB\nThreads:\t4\n`;
}

/** Removes every fake root made so far (use in afterAll). */
export async function cleanupFakeRoots(): Promise<void> {
  await Promise.all(created.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}
