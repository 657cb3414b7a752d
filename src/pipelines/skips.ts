/**
 * Bad media is skipped, never fatal on its own: each skipped file carries a named reason and a detail
 * line, and the pipeline result counts them by reason. Only when nothing is usable does the pipeline
 * stop with a UserError (exit 2).
 */

export const SKIP_REASONS = [
  'unreadable',
  'empty-file',
  'undecodable',
  'too-small',
  'too-large',
  'extreme-aspect-ratio',
  'no-video-stream',
  'corrupt',
  'zero-frames',
  'shorter-than-clip',
  'decode-timeout',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedInput {
  file: string;
  reason: SkipReason;
  detail: string;
}

/** Thrown by decoders for one bad input; pipelines catch it and record a skip. */
export class MediaSkip extends Error {
  constructor(
    readonly reason: SkipReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'MediaSkip';
  }
}

export function isMediaSkip(error: unknown): error is MediaSkip {
  return error instanceof MediaSkip;
}

export function countSkips(skipped: readonly SkippedInput[]): Partial<Record<SkipReason, number>> {
  const counts: Partial<Record<SkipReason, number>> = {};
  for (const s of skipped) counts[s.reason] = (counts[s.reason] ?? 0) + 1;
  return counts;
}

/** What a run made of its inputs: how many it found, processed and skipped, and the skips by reason. */
export interface InputCounts {
  found: number;
  processed: number;
  skipped: number;
  skipCounts: Partial<Record<SkipReason, number>>;
}

export function inputCounts(found: number, processed: number, skipped: readonly SkippedInput[]): InputCounts {
  return { found, processed, skipped: skipped.length, skipCounts: countSkips(skipped) };
}

/** `3 undecodable, 1 too-small` */
export function describeSkipCounts(counts: Partial<Record<SkipReason, number>>): string {
  return Object.entries(counts)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
}
