/**
 * Sliding-window clips over a frame stream: windows of T frames every S frames. Frames are normalized
 * once (channel planes, CHW) into a ring of T slots; a clip tensor is assembled by copying planes, so
 * overlapping clips never normalize a frame twice.
 */
import type { ClipLayout } from './model-input.js';

export interface ClipWindow {
  /** 0-based clip number. */
  index: number;
  /** First frame of the clip, 0-based (inclusive). */
  startFrame: number;
  /** One past the clip's last frame (exclusive), 0-based source frame numbers. */
  endFrame: number;
}

/** The windows a stream of `frameCount` frames yields (pure): starts 0, S, 2S, … while a full clip fits. */
export function clipWindows(frameCount: number, clipFrames: number, stride: number): ClipWindow[] {
  validateClip(clipFrames, stride);
  const windows: ClipWindow[] = [];
  for (let start = 0, i = 0; start + clipFrames <= frameCount; start += stride, i++)
    windows.push({ index: i, startFrame: start, endFrame: start + clipFrames });
  return windows;
}

export function validateClip(clipFrames: number, stride: number): void {
  if (!(Number.isInteger(clipFrames) && clipFrames >= 1))
    throw new RangeError(`clip length must be an integer ≥ 1, got ${clipFrames}`);
  if (!(Number.isInteger(stride) && stride >= 1))
    throw new RangeError(`stride must be an integer ≥ 1, got ${stride}`);
}

/**
 * Keeps the last T normalized frames. `push` returns the window a frame completes, if any; `writeClip`
 * then copies that clip into a tensor in the model's layout.
 */
export class ClipAssembler {
  private readonly ring: Float32Array[];
  private readonly sourceIndex: number[];
  private readonly planeSize: number;
  private pushed = 0;
  private clips = 0;

  constructor(
    readonly clipFrames: number,
    readonly stride: number,
    readonly width: number,
    readonly height: number,
    readonly layout: ClipLayout,
  ) {
    validateClip(clipFrames, stride);
    this.planeSize = width * height;
    this.ring = Array.from({ length: clipFrames }, () => new Float32Array(3 * this.planeSize));
    this.sourceIndex = new Array<number>(clipFrames).fill(0);
  }

  /** Elements in one clip: 3 × T × H × W. */
  get clipElements(): number {
    return 3 * this.clipFrames * this.planeSize;
  }

  /** The slot the next frame is written into (a CHW Float32Array of 3 × H × W). */
  nextSlot(): Float32Array {
    return this.ring[this.pushed % this.clipFrames];
  }

  /**
   * Marks the slot from `nextSlot()` as filled with source frame `frameIndex` (default: frames counted in
   * order; give it when frames were dropped on the way); returns the window this frame completes, if any.
   */
  commit(frameIndex = this.pushed): ClipWindow | undefined {
    this.sourceIndex[this.pushed % this.clipFrames] = frameIndex;
    this.pushed++;
    const start = this.pushed - this.clipFrames;
    if (start < 0 || start % this.stride !== 0) return undefined;
    return {
      index: this.clips++,
      startFrame: this.sourceIndex[start % this.clipFrames],
      endFrame: frameIndex + 1,
    };
  }

  get framesPushed(): number {
    return this.pushed;
  }

  /** Copies the latest T frames (oldest first) into `out` at `offset`. */
  writeClip(out: Float32Array, offset = 0): void {
    const T = this.clipFrames;
    const P = this.planeSize;
    const first = this.pushed - T;
    if (first < 0) throw new RangeError(`only ${this.pushed} of ${T} frames so far`);
    for (let t = 0; t < T; t++) {
      const frame = this.ring[(first + t) % T];
      if (this.layout === 'NTCHW') {
        out.set(frame, offset + t * 3 * P);
      } else {
        for (let c = 0; c < 3; c++) out.set(frame.subarray(c * P, (c + 1) * P), offset + (c * T + t) * P);
      }
    }
  }
}
