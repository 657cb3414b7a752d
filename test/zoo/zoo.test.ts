import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/onnx/model-io.js';
import { buildZooModel } from '../../src/zoo/build.js';
import { zooModelKey } from '../../src/zoo/cache.js';
import { resolveZooOptions } from '../../src/zoo/options.js';
import { getArchitecture } from '../../src/zoo/registry.js';
import { parseZooSpec, resolveModel } from '../../src/zoo/resolve.js';
import { tempDir } from '../helpers/temp.js';

describe('zoo options', () => {
  it('applies defaults and presets per task', () => {
    expect(resolveZooOptions(getArchitecture('resnet18'))).toEqual({
      classes: 1000,
      input: [1, 3, 224, 224],
      seed: 0,
    });
    expect(resolveZooOptions(getArchitecture('r3d_18'), { preset: 'paper' }).classes).toBe(4);
    expect(resolveZooOptions(getArchitecture('vgg16'), { preset: 'paper' }).classes).toBe(2);
    expect(resolveZooOptions(getArchitecture('s3d')).input).toEqual([1, 3, 16, 224, 224]);
  });

  it('rejects bad options with UserErrors', () => {
    const resnet = getArchitecture('resnet18');
    expect(() => resolveZooOptions(resnet, { classes: 0 })).toThrow(UserError);
    expect(() => resolveZooOptions(resnet, { classes: 3, preset: 'paper' })).toThrow(/contradicts/);
    expect(() => resolveZooOptions(resnet, { input: '1x3x16x112x112' })).toThrow(/4 dimensions/);
    expect(() => resolveZooOptions(resnet, { input: '1x1x224x224' })).toThrow(/3 channels/);
    expect(() => resolveZooOptions(resnet, { input: '1xAx2' })).toThrow(/invalid input shape/);
    expect(() => buildZooModel('alexnet', { input: [1, 3, 32, 32] }, { weights: 'none' })).toThrow(
      /too small/,
    );
    expect(() => buildZooModel('nope')).toThrow(/unknown zoo model 'nope'; available: alexnet, vgg16/);
  });

  it('names the layer that collapses when an input is too small to even build', () => {
    // With weights, these used to fail inside weight generation ("Invalid typed array length: -6",
    // "dims [4096, NaN]") instead of saying which layer the input is too small for.
    expect(() => buildZooModel('alexnet', { input: [1, 3, 2, 2] })).toThrow(
      /^input 1x3x2x2 is too small for alexnet: features\.0\S* would output \[1, 64, -?\d+, -?\d+\]$/,
    );
    expect(() => buildZooModel('vgg16', { input: [1, 3, 16, 16] })).toThrow(
      /^input 1x3x16x16 is too small for vgg16: \S+ would output \[1, 512, 0, 0\]$/,
    );
    expect(() => buildZooModel('vgg16', { input: [1, 3, 16, 16] })).toThrow(UserError);
  });

  it('accepts sizes where adaptive pooling is not a plain average pool', () => {
    const { model } = buildZooModel('vgg16', { input: '1x3x160x160' }, { weights: 'none' });
    expect(model.graph.outputs[0].shape).toEqual([1, 1000]);
    expect(model.graph.nodes.some((n) => n.opType === 'MatMul')).toBe(true);
  });

  it('keys the cache by the whole definition', () => {
    const base = { classes: 2, input: [1, 3, 224, 224], seed: 0 };
    expect(zooModelKey('resnet18', base)).toBe(zooModelKey('resnet18', { ...base }));
    expect(zooModelKey('resnet18', base)).not.toBe(zooModelKey('resnet18', { ...base, seed: 1 }));
    expect(zooModelKey('resnet18', base)).not.toBe(zooModelKey('resnet50', base));
  });
});

describe('model specs', () => {
  it('parses zoo specs', () => {
    expect(parseZooSpec('zoo:resnet18?classes=2&input=1x3x160x160&seed=4')).toEqual({
      name: 'resnet18',
      options: { classes: 2, input: [1, 3, 160, 160], seed: 4 },
    });
    expect(parseZooSpec('zoo:s3d?preset=paper').options).toEqual({ preset: 'paper' });
    expect(() => parseZooSpec('zoo:resnet18?clases=2')).toThrow(/unknown option 'clases'/);
    expect(() => parseZooSpec('zoo:resnet18?classes=two')).toThrow(/classes must be an integer/);
  });

  it('generates a zoo model once, then reuses the cached file', async () => {
    const cacheDir = await tempDir();
    const first = await resolveModel('zoo:squeezenet1_1?classes=2', { cacheDir });
    expect(first.zoo).toMatchObject({
      architecture: 'squeezenet1_1',
      cached: false,
      options: { classes: 2 },
    });
    const modified = (await stat(first.path)).mtimeMs;
    const second = await resolveModel('zoo:squeezenet1_1?preset=paper', { cacheDir });
    expect(second.path).toBe(first.path);
    expect(second.zoo?.cached).toBe(true);
    expect((await stat(second.path)).mtimeMs).toBe(modified);
    const loaded = await loadModel(second.path);
    expect(loaded.metadata['edgebench.zoo.name']).toBe('squeezenet1_1');
    expect(loaded.graph.outputs[0].shape).toEqual([1, 2]);
  });

  it('resolves files and reports missing ones and unknown zoo names', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tiny.onnx');
    await saveModel(buildZooModel('conv3d_autoencoder', { input: '1x3x4x16x16' }).model, path);
    expect(await resolveModel(path)).toEqual({ path, name: 'tiny' });
    await expect(resolveModel(join(dir, 'missing.onnx'))).rejects.toThrow(/model file not found/);
    await expect(resolveModel(dir)).rejects.toThrow(/is not a file/);
    await expect(resolveModel('zoo:resnet19', { cacheDir: dir })).rejects.toThrow(
      /unknown zoo model 'resnet19'.*resnet18/,
    );
  });
});
