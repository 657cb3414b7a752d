/**
 * Writing a file the user named: checked before long work starts (so a bad path never costs a
 * measurement), and written atomically (a temporary file renamed into place), so a reader never
 * sees half a document and an interrupted write leaves the old file as it was.
 */
import { access, constants, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

/** Refuses a path that cannot be written: a folder, a read-only file, a missing or read-only folder. */
export async function checkWritableFile(file: string, flag: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory())
    throw new UserError(
      `${flag} ${file} is a directory: give a file path, e.g. ${path.join(file, 'result.json')}`,
    );
  const dir = path.dirname(path.resolve(file));
  try {
    await access(info ? file : dir, constants.W_OK);
  } catch {
    throw new UserError(
      info
        ? `${flag} ${file}: the file is not writable; choose another path`
        : `${flag} ${file}: cannot write in ${dir} (missing or not writable); create the folder or choose another path`,
    );
  }
}

/** Writes `text` to `file` through a temporary file beside it, renamed into place. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
