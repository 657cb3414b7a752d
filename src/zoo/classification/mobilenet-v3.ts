/** torchvision.models.mobilenet_v3_small: inverted residuals with squeeze-excitation, hard-swish. */
import type { BatchNormOptions, GraphBuilder } from '../../onnx/builder.js';
import {
  type Activation,
  convNormActivation,
  expandDepthwise,
  makeDivisible,
  mobileStem,
} from '../blocks.js';
import type { ZooArchitecture } from '../types.js';
import { RESIDUAL_GAMMA_SCALE } from './resnet.js';

interface BlockConfig {
  kernel: number;
  expanded: number;
  out: number;
  se: boolean;
  activation: Activation;
  stride: number;
}

/** torchvision's bneck_conf rows for the small model (input channels follow from the previous row). */
const SMALL: BlockConfig[] = [
  { kernel: 3, expanded: 16, out: 16, se: true, activation: 'relu', stride: 2 },
  { kernel: 3, expanded: 72, out: 24, se: false, activation: 'relu', stride: 2 },
  { kernel: 3, expanded: 88, out: 24, se: false, activation: 'relu', stride: 1 },
  { kernel: 5, expanded: 96, out: 40, se: true, activation: 'hardswish', stride: 2 },
  { kernel: 5, expanded: 240, out: 40, se: true, activation: 'hardswish', stride: 1 },
  { kernel: 5, expanded: 240, out: 40, se: true, activation: 'hardswish', stride: 1 },
  { kernel: 5, expanded: 120, out: 48, se: true, activation: 'hardswish', stride: 1 },
  { kernel: 5, expanded: 144, out: 48, se: true, activation: 'hardswish', stride: 1 },
  { kernel: 5, expanded: 288, out: 96, se: true, activation: 'hardswish', stride: 2 },
  { kernel: 5, expanded: 576, out: 96, se: true, activation: 'hardswish', stride: 1 },
  { kernel: 5, expanded: 576, out: 96, se: true, activation: 'hardswish', stride: 1 },
];

const BN = { eps: 0.001, momentum: 0.01 };

/** Gain of the projection after a squeeze-excitation gate, which scales channels by (0, 1). */
export const SE_GAIN = 1.6;

/** torchvision.ops.SqueezeExcitation: GAP → 1×1 conv → act → 1×1 conv → gate → scale. */
export function squeezeExcitation(
  b: GraphBuilder,
  x: string,
  squeezeChannels: number,
  activation: 'relu' | 'silu',
  gate: 'hardsigmoid' | 'sigmoid',
): string {
  const channels = b.channelsOf(x);
  let s = b.globalAvgPool(x);
  s = b.conv(s, { outChannels: squeezeChannels, kernel: 1 }, 'fc1');
  s = activation === 'relu' ? b.relu(s) : b.swish(s);
  s = b.conv(s, { outChannels: channels, kernel: 1, gain: 1 }, 'fc2');
  s = gate === 'hardsigmoid' ? b.hardSigmoid(s) : b.sigmoid(s);
  return b.mul(s, x);
}

/**
 * The 1×1 projection closing an inverted residual: after a squeeze-excitation gate its gain is
 * SE_GAIN to restore the output scale, and a residual block damps its branch so the sum does not
 * grow block by block.
 */
export function projectResidual(
  b: GraphBuilder,
  x: string,
  y: string,
  prefix: string,
  { out, stride, se }: { out: number; stride: number; se: boolean },
  bn: BatchNormOptions = {},
): string {
  const residual = stride === 1 && b.channelsOf(x) === out;
  const projected = convNormActivation(
    b,
    y,
    prefix,
    { outChannels: out, kernel: 1, gain: se ? SE_GAIN : 1 },
    'none',
    {
      ...bn,
      gammaScale: residual ? RESIDUAL_GAMMA_SCALE : 1,
    },
  );
  return residual ? b.add(projected, x) : projected;
}

function invertedResidual(b: GraphBuilder, x: string, c: BlockConfig): string {
  let { y, next: index } = expandDepthwise(b, x, 'block', c, c.activation, BN);
  if (c.se) {
    const squeeze = makeDivisible(c.expanded / 4, 8);
    y = b.scope(`block.${index++}`, () => squeezeExcitation(b, y, squeeze, 'relu', 'hardsigmoid'));
  }
  return projectResidual(b, x, y, `block.${index}`, c, BN);
}

export const mobilenet_v3_small: ZooArchitecture = {
  name: 'mobilenet_v3_small',
  task: 'classification',
  description: 'MobileNet V3 Small (torchvision): 11 blocks with squeeze-excitation, hard-swish',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = mobileStem(b, x, 16, 'hardswish', BN);
    SMALL.forEach((config, i) => {
      y = b.scope(`features.${i + 1}`, () => invertedResidual(b, y, config));
    });
    y = convNormActivation(
      b,
      y,
      `features.${SMALL.length + 1}`,
      { outChannels: 576, kernel: 1 },
      'hardswish',
      BN,
    );
    y = b.flatten(b.globalAvgPool(y));
    y = b.hardSwish(b.linear(y, { outFeatures: 1024 }, 'classifier.0'));
    return b.linear(y, { outFeatures: classes, gain: 1 }, 'classifier.3');
  },
};
