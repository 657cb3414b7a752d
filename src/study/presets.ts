/**
 * Built-in studies. `paper` reproduces the study edgebench grew from (its image-classification models
 * with 2-class heads and its three video models with 4-class heads; non-optimized fp32 vs the best
 * recipes); `quick` is a first look that finishes in a few minutes on two cores; `gpu` compares the
 * CPU with the GPU (WebGPU) at fp32 and fp16 — on a host without a usable GPU its WebGPU variants are
 * skipped with the reason.
 */
import { UserError } from '../errors.js';
import { PRESET_NAMES, type PresetName } from './preset-names.js';
import { type LoadedSpec, type StudySpecInput, validateSpec } from './spec.js';

const PAPER_CLASSIFICATION = [
  'alexnet',
  'vgg16',
  'resnet18',
  'resnetv2_50',
  'squeezenet1_1',
  'densenet121',
  'shufflenet_v2_x1_0',
  'mobilenet_v2',
] as const;
const PAPER_VIDEO = ['c3d_small', 'conv3d_autoencoder', 'densenet3d'] as const;

export const PRESETS: Readonly<Record<PresetName, StudySpecInput>> = Object.freeze({
  paper: {
    name: 'paper',
    description:
      'The study: image classification (2-class heads) and video action recognition (4-class heads), fp32 without graph optimizations vs optimized.',
    models: [
      ...PAPER_CLASSIFICATION.map((m) => `zoo:${m}?classes=2`),
      ...PAPER_VIDEO.map((m) => `zoo:${m}?classes=4`),
    ],
    baseline: { name: 'fp32', recipes: [], graphOptLevel: 'disabled' },
    optimized: [
      { name: 'fused', recipes: ['fuse', 'ort-all'], graphOptLevel: 'all' },
      { name: 'int8', recipes: ['int8-static'], graphOptLevel: 'all' },
    ],
    rounds: 3,
    stopRules: { warmupTimeMs: 500, warmupCount: 5, minTimeMs: 2000, minCount: 20, maxTimeMs: 20_000 },
  },
  quick: {
    name: 'quick',
    description:
      'A first look: two small classifiers at 112×112, fp32 without graph optimizations vs optimized fp32 and calibrated INT8.',
    models: [
      { ref: 'zoo:resnet18?classes=2&input=1x3x112x112', name: 'resnet18' },
      { ref: 'zoo:mobilenet_v2?classes=2&input=1x3x112x112', name: 'mobilenet_v2' },
    ],
    baseline: { name: 'fp32', recipes: [], graphOptLevel: 'disabled' },
    optimized: [
      { name: 'optimized', recipes: ['fuse', 'ort-all'], graphOptLevel: 'all' },
      { name: 'int8', recipes: ['fuse', 'int8-static'], graphOptLevel: 'all' },
    ],
    rounds: 3,
    stopRules: { warmupTimeMs: 200, warmupCount: 5, minTimeMs: 600, minCount: 20, maxTimeMs: 4000 },
    fidelity: { count: 4 },
  },
  gpu: {
    name: 'gpu',
    description:
      'CPU vs GPU (WebGPU), fp32 vs fp16: resnet18 and mobilenet_v2 at 1×3×224×224, r3d_18 at 1×3×16×112×112, graph optimizations on.',
    models: ['zoo:resnet18', 'zoo:mobilenet_v2', 'zoo:r3d_18'],
    baseline: { name: 'fp32', recipes: ['fuse'], graphOptLevel: 'all' },
    optimized: [{ name: 'fp16', recipes: ['fuse', 'fp16'], graphOptLevel: 'all' }],
    eps: ['cpu', 'webgpu'],
    rounds: 3,
    stopRules: { warmupTimeMs: 500, warmupCount: 5, minTimeMs: 1000, minCount: 10, maxTimeMs: 10_000 },
    fidelity: { count: 4 },
  },
});

export { PRESET_NAMES } from './preset-names.js';

export function presetSpec(name: string): LoadedSpec {
  const input = (PRESET_NAMES as readonly string[]).includes(name) ? PRESETS[name as PresetName] : undefined;
  if (!input) throw new UserError(`unknown preset '${name}'; presets are ${PRESET_NAMES.join(', ')}`);
  return { spec: validateSpec(input, `preset:${name}`), source: `preset:${name}`, baseDir: process.cwd() };
}
