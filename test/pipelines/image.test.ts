import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, listImages, readMediaFile } from '../../src/pipelines/image.js';
import { isMediaSkip, MediaSkip } from '../../src/pipelines/skips.js';
import { COLOURS, tempDir, writeBadImages, writeLabelledFolder, writeSolidImage } from './media-fixtures.js';

const resize = { width: 16, height: 16, resize: 'resize-crop' as const, cropFraction: 0.875 };

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isMediaSkip(error)) return error.reason;
    throw error;
  }
  return 'ok';
}

describe('decodeImage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('image');
  });

  it('decodes JPEG, PNG and WebP to RGB at the model size', async () => {
    for (const ext of ['.jpg', '.png', '.webp']) {
      const file = await writeSolidImage(path.join(dir, `blue${ext}`), COLOURS.blue, 50, 30);
      const d = await decodeImage(await readMediaFile(file), resize);
      expect(d.pixels.length).toBe(16 * 16 * 3);
      expect([d.sourceWidth, d.sourceHeight]).toEqual([50, 30]);
      expect(d.pixels[2]).toBeGreaterThan(240);
      expect(d.pixels[0]).toBeLessThan(16);
    }
  });

  it('turns grayscale and alpha pictures into 3-channel RGB', async () => {
    const gray = await sharp({
      create: { width: 20, height: 20, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .grayscale()
      .png()
      .toBuffer();
    const g = await decodeImage(gray, { ...resize, resize: 'stretch' });
    expect(g.pixels.length).toBe(16 * 16 * 3);
    expect(Math.abs(g.pixels[0] - g.pixels[1])).toBeLessThan(2);
    const rgba = await sharp({
      create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const a = await decodeImage(rgba, { ...resize, resize: 'contain' });
    expect(a.pixels.length).toBe(16 * 16 * 3);
  });

  it('honours EXIF orientation (a 40×20 picture rotated 90° is 20×40)', async () => {
    const rotated = await sharp({ create: { width: 40, height: 20, channels: 3, background: COLOURS.red } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const d = await decodeImage(rotated, resize);
    expect([d.sourceWidth, d.sourceHeight]).toEqual([20, 40]);
  });

  it('names why a bad picture is skipped', async () => {
    const bad = await writeBadImages(path.join(dir, 'bad'));
    expect(await reasonOf(readMediaFile(bad.empty))).toBe('empty-file');
    expect(await reasonOf(readMediaFile(path.join(dir, 'missing.jpg')))).toBe('unreadable');
    expect(await reasonOf(decodeImage(await readMediaFile(bad.text), resize))).toBe('undecodable');
    expect(await reasonOf(decodeImage(await readMediaFile(bad.truncated), resize))).toBe('undecodable');
    expect(await reasonOf(decodeImage(await readMediaFile(bad.tiny), resize))).toBe('too-small');
    expect(await reasonOf(decodeImage(await readMediaFile(bad.strip), resize))).toBe('extreme-aspect-ratio');
    const big = await readMediaFile(await writeSolidImage(path.join(dir, 'big.png'), COLOURS.red, 300, 300));
    expect(
      await reasonOf(decodeImage(big, resize, { minSidePx: 1, maxAspectRatio: 100, maxPixels: 1000 })),
    ).toBe('too-large');
    expect(new MediaSkip('corrupt', 'x').message).toBe('corrupt: x');
  });
});

describe('listImages', () => {
  it('labels images by class subfolder and takes loose images unlabelled', async () => {
    const dir = await writeLabelledFolder(await tempDir('list'), 2);
    await writeSolidImage(path.join(dir, 'loose.png'), COLOURS.red);
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    await mkdir(path.join(dir, '.hidden'));
    await writeSolidImage(path.join(dir, '.hidden', 'x.png'), COLOURS.red);
    const listing = await listImages([dir, path.join(dir, 'nope')]);
    expect(listing.classFolders).toEqual(['blue', 'green', 'red']);
    expect(listing.items.length).toBe(7);
    expect(listing.items.filter((i) => i.truth === 'green').length).toBe(2);
    expect(listing.items.find((i) => i.file.endsWith('loose.png'))?.truth).toBeUndefined();
    expect(listing.skipped).toEqual([expect.objectContaining({ reason: 'unreadable' })]);
  });
});
