/**
 * Class labels: read from a file (one label per line, a JSON array, or a JSON object keyed by index)
 * and looked up by index; a missing label is written `class N`.
 */
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { readUserFile } from '../util/files.js';

/** Parses label-file text. Lines: blank trailing lines are dropped, inner blank lines keep their index. */
export function parseLabels(text: string, source = 'labels'): string[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new UserError(`${source} looks like JSON but does not parse: ${messageOf(error)}`);
    }
    if (Array.isArray(parsed)) return parsed.map((v) => String(v));
    if (parsed && typeof parsed === 'object') {
      const entries = Object.entries(parsed as Record<string, unknown>);
      const labels: string[] = [];
      for (const [key, value] of entries) {
        const index = Number(key);
        if (!Number.isInteger(index) || index < 0)
          throw new UserError(`${source}: JSON object keys must be class indices (0, 1, …), got '${key}'`);
        labels[index] = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
      }
      for (let i = 0; i < labels.length; i++) if (labels[i] === undefined) labels[i] = `class ${i}`;
      return labels;
    }
    throw new UserError(`${source}: expected a JSON array or object of labels`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((l) => l.trim());
}

/** Labels are a few hundred KiB even for 20k classes; the bound only stops a wrong path early. */
const MAX_LABELS_FILE_BYTES = 64 * 1024 ** 2;

export async function readLabelsFile(file: string): Promise<string[]> {
  const text = (await readUserFile(file, MAX_LABELS_FILE_BYTES, 'labels file')).toString('utf8');
  const labels = parseLabels(text, path.basename(file));
  if (labels.length === 0) throw new UserError(`labels file ${file} is empty: write one label per line`);
  return labels;
}

export function labelFor(index: number, labels: readonly string[] | undefined): string {
  const label = labels?.[index];
  return label !== undefined && label !== '' ? label : `class ${index}`;
}

/**
 * The class index of a ground-truth folder name: its position in the labels when it is one of them,
 * else the number it spells, else its position among the sorted folder names (torchvision's ImageFolder).
 */
export function classIndexOfFolder(
  folder: string,
  labels: readonly string[] | undefined,
  sortedFolders: readonly string[],
): { index: number; by: 'labels' | 'number' | 'folder-order' } {
  const fromLabels = labels ? labels.indexOf(folder) : -1;
  if (fromLabels >= 0) return { index: fromLabels, by: 'labels' };
  if (/^\d+$/.test(folder)) return { index: Number(folder), by: 'number' };
  return { index: sortedFolders.indexOf(folder), by: 'folder-order' };
}
