/** A progress line on stderr, only when stderr is a terminal (nothing at all otherwise). */
import cliProgress from 'cli-progress';
import type { LoopHooks } from '../core/loop.js';

export function createProgress(expectedRuns: number): { hooks: LoopHooks; stop(): void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} {value} runs {elapsed}s',
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(expectedRuns, 0, { phase: 'loading', elapsed: '0.0' });
  return {
    hooks: {
      onPhase: (phase) => bar.update({ phase, elapsed: ((Date.now() - started) / 1000).toFixed(1) }),
      onProgress: (count) => bar.update(count, { elapsed: ((Date.now() - started) / 1000).toFixed(1) }),
    },
    stop: () => bar.stop(),
  };
}
