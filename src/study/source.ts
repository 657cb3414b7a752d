/**
 * Which study a command runs: a spec file, a built-in preset, or (where the command can continue
 * one) a stored study to resume, which keeps its own spec. One home for `study` and `fleet submit`.
 */
import { UserError } from '../errors.js';
import { presetSpec } from './presets.js';
import { type LoadedSpec, loadSpec, type SpecCheckOptions } from './spec.js';

export interface StudySource {
  /** A spec file, YAML or JSON. */
  file?: string | undefined;
  /** A built-in study (PRESET_NAMES). */
  preset?: string | undefined;
  /** A stored study to continue (true: the latest unfinished one). */
  resume?: string | true | undefined;
}

/**
 * Refuses a source that contradicts itself (a file and a preset, or either with resume); `missing`
 * is what to say when nothing names a study.
 */
export function checkStudySource(source: StudySource, missing: string): void {
  if (source.file && source.preset) throw new UserError('give a spec file or --preset, not both');
  if (source.resume !== undefined && (source.file || source.preset))
    throw new UserError(
      '--resume continues a stored study with its own spec; drop the spec file or --preset',
    );
  if (!source.file && !source.preset && source.resume === undefined) throw new UserError(missing);
}

/** The spec of a new study, read and validated; undefined when the study is resumed from the store. */
export async function loadStudySpec(
  source: StudySource,
  options: SpecCheckOptions = {},
): Promise<LoadedSpec | undefined> {
  if (source.file) return loadSpec(source.file, options);
  if (source.preset) return presetSpec(source.preset);
  return undefined;
}
