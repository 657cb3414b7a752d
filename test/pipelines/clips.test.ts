import { describe, expect, it } from 'vitest';
import { ClipAssembler, clipWindows } from '../../src/pipelines/clips.js';
import { actionSegments, ownedSpan, smoothScores } from '../../src/pipelines/segments.js';
import { StageRecorder, summarizeStages } from '../../src/pipelines/stages.js';

describe('sliding windows', () => {
  it('yields clips of T frames every S frames while a full clip fits', () => {
    expect(clipWindows(40, 16, 8).map((w) => [w.startFrame, w.endFrame])).toEqual([
      [0, 16],
      [8, 24],
      [16, 32],
      [24, 40],
    ]);
    expect(clipWindows(15, 16, 8)).toEqual([]);
    expect(clipWindows(5, 2, 3).map((w) => w.startFrame)).toEqual([0, 3]);
    expect(() => clipWindows(5, 0, 1)).toThrow(RangeError);
  });

  it('the assembler completes the same windows and lays clips out as NCTHW and NTCHW', () => {
    // 2×1 pictures; frame f has value 10f + c in channel c at both pixels.
    const T = 3;
    for (const layout of ['NCTHW', 'NTCHW'] as const) {
      const a = new ClipAssembler(T, 2, 2, 1, layout);
      const done: number[][] = [];
      for (let f = 0; f < 7; f++) {
        const slot = a.nextSlot();
        for (let c = 0; c < 3; c++) slot.fill(10 * f + c, c * 2, c * 2 + 2);
        const w = a.commit();
        if (w) done.push([w.startFrame, w.endFrame]);
        if (f === 4) {
          const out = new Float32Array(a.clipElements);
          a.writeClip(out);
          // The clip holds frames 2, 3, 4.
          if (layout === 'NCTHW') expect(Array.from(out.subarray(0, 6))).toEqual([20, 20, 30, 30, 40, 40]);
          else expect(Array.from(out.subarray(0, 6))).toEqual([20, 20, 21, 21, 22, 22]);
        }
      }
      expect(done).toEqual(clipWindows(7, T, 2).map((w) => [w.startFrame, w.endFrame]));
    }
  });

  it('uses source frame numbers when frames were dropped', () => {
    const a = new ClipAssembler(2, 1, 1, 1, 'NCTHW');
    a.commit(0);
    expect(a.commit(5)).toMatchObject({ startFrame: 0, endFrame: 6 });
  });
});

describe('smoothing and segments', () => {
  const rows = [
    [0.9, 0.1],
    [0.8, 0.2],
    [0.2, 0.8],
    [0.9, 0.1],
    [0.1, 0.9],
    [0.2, 0.8],
  ].map((r) => Float32Array.from(r));

  it('moving average is centred, EMA is causal, none copies', () => {
    const ma = smoothScores(rows, { method: 'moving-average', window: 3, alpha: 0.5 });
    expect(ma[0][0]).toBeCloseTo(0.85, 5);
    expect(ma[1][0]).toBeCloseTo((0.9 + 0.8 + 0.2) / 3, 5);
    const ema = smoothScores(rows, { method: 'ema', window: 3, alpha: 0.5 });
    expect(ema[1][0]).toBeCloseTo(0.85, 5);
    const none = smoothScores(rows, { method: 'none', window: 1, alpha: 1 });
    expect(none[2]).not.toBe(rows[2]);
    expect(Array.from(none[2])).toEqual(Array.from(rows[2]));
  });

  it('merges runs of the same class into segments that tile the video', () => {
    const windows = [0, 1, 2, 3, 4, 5].map((i) => ({ startFrame: i * 4, endFrame: i * 4 + 8 }));
    expect(ownedSpan(windows, 0)).toEqual({ start: 0, end: 6 });
    expect(ownedSpan(windows, 5)).toEqual({ start: 22, end: 28 });
    const segs = actionSegments(windows, rows, 4, ['walk', 'run']);
    expect(segs.map((s) => [s.label, s.startFrame, s.endFrame, s.clips])).toEqual([
      ['walk', 0, 10, 2],
      ['run', 10, 14, 1],
      ['walk', 14, 18, 1],
      ['run', 18, 28, 2],
    ]);
    expect(segs[0].startSec).toBe(0);
    expect(segs[0].endSec).toBe(2.5);
    expect(segs[0].score).toBeCloseTo(0.85, 5);
    const smoothed = smoothScores(rows, { method: 'moving-average', window: 3, alpha: 0.5 });
    expect(actionSegments(windows, smoothed, 4, undefined).length).toBeLessThan(segs.length);
    expect(
      actionSegments(windows, rows, 4, undefined, { minScore: 0.85, minClips: 1 }).map((s) => s.startFrame),
    ).toEqual([0, 14, 18]);
    expect(actionSegments(windows, rows, 4, undefined, { minScore: 0, minClips: 2 }).length).toBe(2);
  });
});

describe('stage summary', () => {
  it('reports shares, overhead beyond decode + inference, and both throughputs', () => {
    const r = new StageRecorder();
    r.record({ decode: 2, preprocess: 1, inference: 6, postprocess: 0.5, endToEnd: 10 }, 2);
    r.record({ decode: 2, preprocess: 1, inference: 6, postprocess: 0.5, endToEnd: 10 }, 2);
    const s = summarizeStages(r, 'batch');
    expect(s.items).toBe(4);
    expect(s.share.inference).toBeCloseTo(0.6);
    expect(s.overheadMs).toBeCloseTo(4);
    expect(s.overheadShare).toBeCloseTo(0.2);
    expect(s.pureInferenceItemsPerSec).toBeCloseTo(4000 / 12);
    expect(s.endToEndItemsPerSec).toBeCloseTo(200);
  });
});
