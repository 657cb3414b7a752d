/**
 * Small synchronous readers for procfs/sysfs under an injectable root. Synchronous on purpose: the
 * sampler runs them in its own worker thread, so their cost lands on that thread (where it is
 * measured) instead of libuv's shared pool. Every reader returns `null` instead of throwing.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Joins an absolute system path (`/sys/...`) onto a root folder (`/` on a real machine). */
export function under(root: string, absolutePath: string): string {
  return root === '/' || root === '' ? absolutePath : join(root, absolutePath);
}

/** The file's text, or null if it cannot be read. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The file's first line, trimmed, or null. NUL bytes (device-tree strings) are dropped. */
export function readLine(path: string): string | null {
  const text = readText(path);
  if (text === null) return null;
  return text.replace(/\0/g, '').split('\n')[0].trim();
}

/** The file's content as a finite number, or null. */
export function readNumber(path: string): number | null {
  const line = readLine(path);
  if (line === null || line === '') return null;
  const value = Number(line.split(/\s+/)[0]);
  return Number.isFinite(value) ? value : null;
}

/** Why a file cannot be read (`EACCES`, `ENOENT`, …), or null when it can. */
export function readError(path: string): string | null {
  try {
    readFileSync(path);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ?? (error instanceof Error ? error.message : String(error));
  }
}

/** Entry names of a folder, sorted naturally (cpu2 before cpu10); empty if it does not exist. */
export function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort(naturalCompare);
  } catch {
    return [];
  }
}

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Compares strings with embedded numbers by value: `cpu2` < `cpu10`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** One buffer for every hot-path read: the sampler thread reads synchronously, one file at a time. */
const READ_BUFFER = Buffer.allocUnsafe(128 * 1024);

/**
 * A file read again and again at every tick: opened once, then re-read with pread at offset 0
 * (procfs and sysfs regenerate the content on every read from 0). Saves the open/close of each
 * read. Any error closes it; the next read reopens.
 */
export class PolledFile {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  read(): string | null {
    try {
      if (this.fd === null) this.fd = openSync(this.path, 'r');
      const length = readSync(this.fd, READ_BUFFER, 0, READ_BUFFER.length, 0);
      return READ_BUFFER.toString('latin1', 0, length);
    } catch {
      this.close();
      return null;
    }
  }

  readNumber(): number | null {
    const text = this.read();
    if (text === null) return null;
    const value = Number.parseFloat(text);
    return Number.isFinite(value) ? value : null;
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = null;
  }
}
