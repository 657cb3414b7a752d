import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  DEFAULT_PREPROCESS,
  type PreprocessOptions,
  parseSize,
  parseTriple,
  resizePlan,
  validatePreprocess,
  writeNormalized,
  writeRaw,
} from '../../src/pipelines/preprocess.js';

const opts = (o: Partial<PreprocessOptions>): PreprocessOptions => ({
  ...DEFAULT_PREPROCESS,
  width: 2,
  height: 1,
  ...o,
});

describe('resize plans', () => {
  it('resize-crop matches torchvision Resize(256) + CenterCrop(224)', () => {
    const plan = resizePlan(640, 480, {
      width: 224,
      height: 224,
      resize: 'resize-crop',
      cropFraction: 0.875,
    });
    expect(plan.resizeHeight).toBe(256);
    expect(plan.resizeWidth).toBe(341);
    expect(plan.crop).toEqual({ left: 59, top: 16, width: 224, height: 224 });
  });
  it('cover crops without margin, stretch distorts, contain pads', () => {
    const cover = resizePlan(400, 200, { width: 100, height: 100, resize: 'cover', cropFraction: 0.875 });
    expect([cover.resizeWidth, cover.resizeHeight]).toEqual([200, 100]);
    expect(cover.crop).toEqual({ left: 50, top: 0, width: 100, height: 100 });
    expect(resizePlan(400, 200, { width: 10, height: 30, resize: 'stretch', cropFraction: 1 })).toEqual({
      resizeWidth: 10,
      resizeHeight: 30,
    });
    const contain = resizePlan(400, 200, { width: 100, height: 100, resize: 'contain', cropFraction: 1 });
    expect([contain.resizeWidth, contain.resizeHeight]).toEqual([100, 50]);
    expect(contain.pad).toEqual({ left: 0, top: 25, right: 0, bottom: 25 });
  });
  it('never plans a crop larger than the resized picture', () => {
    for (const [w, h] of [
      [1, 1000],
      [1000, 1],
      [17, 13],
      [224, 224],
    ]) {
      const p = resizePlan(w, h, { width: 224, height: 160, resize: 'resize-crop', cropFraction: 0.875 });
      expect(p.crop!.left + p.crop!.width).toBeLessThanOrEqual(p.resizeWidth);
      expect(p.crop!.top + p.crop!.height).toBeLessThanOrEqual(p.resizeHeight);
    }
  });
});

describe('normalization', () => {
  // Two pixels: pure red, then (0, 128, 255).
  const rgb = Uint8Array.from([255, 0, 0, 0, 128, 255]);
  it('writes NCHW planes with (x/255 − mean)/std', () => {
    const o = opts({});
    const out = new Float32Array(6);
    writeNormalized(rgb, o, out, 0);
    expect(out[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(out[1]).toBeCloseTo((0 - 0.485) / 0.229, 5);
    expect(out[3]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5);
    expect(out[5]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });
  it('writes NHWC, BGR, and at an offset', () => {
    const o = opts({ layout: 'NHWC', channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1], scale: 1 });
    const out = new Float32Array(8).fill(-1);
    writeNormalized(rgb, o, out, 2);
    expect(Array.from(out)).toEqual([-1, -1, 0, 0, 255, 255, 128, 0]);
  });
  it('writes raw 8-bit pixels for uint8 models', () => {
    const out = new Uint8Array(6);
    writeRaw(rgb, opts({ layout: 'NCHW' }), out, 0);
    expect(Array.from(out)).toEqual([255, 0, 0, 128, 0, 255]);
  });
  it('refuses a wrong pixel count', () => {
    expect(() => writeNormalized(new Uint8Array(5), opts({}), new Float32Array(6), 0)).toThrow(RangeError);
  });
});

describe('validation and flags', () => {
  it('names the bad field', () => {
    expect(() => validatePreprocess(opts({ cropFraction: 1.5 }))).toThrow(/crop fraction/);
    expect(() => validatePreprocess(opts({ std: [1, 0, 1] }))).toThrow(/std/);
    expect(() => validatePreprocess(opts({ layout: 'CHW' as 'NCHW' }))).toThrow(UserError);
  });
  it('parses sizes and triples', () => {
    expect(parseSize('--size', '48x192')).toEqual({ height: 48, width: 192 });
    expect(parseSize('--size', '224')).toEqual({ height: 224, width: 224 });
    expect(() => parseSize('--size', '0x3')).toThrow(/--size/);
    expect(parseTriple('--mean', '0.5,0.5,0.5')).toEqual([0.5, 0.5, 0.5]);
    expect(() => parseTriple('--mean', '1,2')).toThrow(/three/);
  });
});
