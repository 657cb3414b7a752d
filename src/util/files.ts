/**
 * Reading a file the user named, whole, with a bound: only regular files (a FIFO would block, a
 * device such as /dev/zero would never end), and never more than `maxBytes` (a file that grows while
 * it is read, or a /proc file whose size says 0, is cut off at the bound too).
 */
import { open, stat } from 'node:fs/promises';
import { UserError } from '../errors.js';

/**
 * The largest image file read (512 MiB): far above any picture under the pipelines' pixel limit in
 * a compressed format, and a bound on what a wrong path (a disk image, a log) costs before it is refused.
 */
export const MAX_IMAGE_FILE_BYTES = 512 * 1024 ** 2;

export type FileReadProblem = 'missing' | 'not-regular' | 'too-large' | 'unreadable';

/** Why a file could not be read: a kind callers map to their own error, and a detail to show. */
export class FileReadError extends Error {
  constructor(
    readonly problem: FileReadProblem,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.name = 'FileReadError';
  }
}

export function isFileReadError(error: unknown): error is FileReadError {
  return error instanceof FileReadError;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 2 : 0)} MiB`;
}

function kindOf(info: import('node:fs').Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errnoDetail(error: unknown): { problem: FileReadProblem; detail: string } {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'missing', detail: 'no such file' };
  if (code === 'EACCES' || code === 'EPERM') return { problem: 'unreadable', detail: 'permission denied' };
  return { problem: 'unreadable', detail: (error as Error).message ?? String(error) };
}

/** The whole content of the regular file `file`, of at most `maxBytes` bytes; throws FileReadError. */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  let info: import('node:fs').Stats;
  try {
    info = await stat(file);
  } catch (error) {
    const { problem, detail } = errnoDetail(error);
    throw new FileReadError(problem, detail, { cause: error });
  }
  if (!info.isFile()) throw new FileReadError('not-regular', `is ${kindOf(info)}, not a regular file`);
  if (info.size > maxBytes)
    throw new FileReadError('too-large', `is ${mib(info.size)}, over the ${mib(maxBytes)} limit`);
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const { problem, detail } = errnoDetail(error);
    throw new FileReadError(problem, detail, { cause: error });
  }
  try {
    // Read up to one byte past the bound: the size stat gave may be stale or (in /proc) zero.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(
        Math.min(Math.max(info.size - total, 64 * 1024), maxBytes + 1 - total),
      );
      if (chunk.length === 0) break;
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new FileReadError('too-large', `is over the ${mib(maxBytes)} limit`);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (error) {
    if (isFileReadError(error)) throw error;
    const { problem, detail } = errnoDetail(error);
    throw new FileReadError(problem, detail, { cause: error });
  } finally {
    await handle.close();
  }
}

/**
 * readRegularFile for a file that must be there: any problem is a UserError, `cannot read WHAT FILE:
 * why` (`hint` is added where the file is missing).
 */
export async function readUserFile(file: string, maxBytes: number, what: string, hint = ''): Promise<Buffer> {
  try {
    return await readRegularFile(file, maxBytes);
  } catch (error) {
    if (!isFileReadError(error)) throw error;
    const suffix = error.problem === 'missing' && hint ? ` ${hint}` : '';
    throw new UserError(`cannot read ${what} ${file}: ${error.detail}${suffix}`, { cause: error });
  }
}
