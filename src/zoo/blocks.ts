/** Building blocks shared by the zoo architectures. */
import type { BatchNormOptions, ConvOptions, GraphBuilder } from '../onnx/builder.js';

export type Activation = 'relu' | 'relu6' | 'hardswish' | 'silu' | 'none';

/**
 * Kaiming-style gain for a conv feeding `activation`: 1/√E[act(z)²] for z ~ N(0, 1), so that the
 * activation's output keeps unit second moment (√2 for ReLU; measured numerically for the others).
 */
export const ACTIVATION_GAIN: Record<Activation, number> = {
  relu: Math.SQRT2,
  relu6: Math.SQRT2,
  silu: 1.68,
  hardswish: 1.8,
  none: 1,
};

export function activate(b: GraphBuilder, x: string, activation: Activation, name?: string): string {
  switch (activation) {
    case 'relu':
      return b.relu(x, name);
    case 'relu6':
      return b.relu6(x, name);
    case 'hardswish':
      return b.hardSwish(x, name);
    case 'silu':
      return b.swish(x, name);
    case 'none':
      return x;
  }
}

/**
 * Conv (no bias) → BatchNormalization → activation, as torchvision's ConvNormActivation. Inside
 * the current scope the layers are named `<prefix>.0` (conv) and `<prefix>.1` (bn), or `conv`/`bn`
 * names given explicitly.
 */
export function convBnAct(
  b: GraphBuilder,
  x: string,
  conv: ConvOptions,
  activation: Activation,
  names: { conv: string; bn: string; act?: string },
  bn: BatchNormOptions = {},
): string {
  const y = b.conv(x, { bias: false, gain: ACTIVATION_GAIN[activation], ...conv }, names.conv);
  return activate(b, b.batchNorm(y, bn, names.bn), activation, names.act);
}

/** ConvNormActivation named like torchvision's Sequential: `<prefix>.0`, `<prefix>.1`. */
export function convNormActivation(
  b: GraphBuilder,
  x: string,
  prefix: string,
  conv: ConvOptions,
  activation: Activation,
  bn: BatchNormOptions = {},
): string {
  return convBnAct(b, x, conv, activation, { conv: `${prefix}.0`, bn: `${prefix}.1` }, bn);
}

/** The stem of MobileNetV2/V3 and EfficientNet: a 3×3 stride-2 conv, BN and activation as `features.0`. */
export function mobileStem(
  b: GraphBuilder,
  x: string,
  outChannels: number,
  activation: Activation,
  bn: BatchNormOptions = {},
): string {
  return convNormActivation(
    b,
    x,
    'features.0',
    { outChannels, kernel: 3, stride: 2, padding: 1 },
    activation,
    bn,
  );
}

/**
 * The opening of an inverted residual (MobileNetV2/V3, EfficientNet's MBConv): a 1×1 expansion to
 * `expanded` channels, left out when that is no wider, then the k×k depthwise conv; named
 * `<prefix>.0`, `<prefix>.1`. Returns the value and the index the block's next layer takes.
 */
export function expandDepthwise(
  b: GraphBuilder,
  x: string,
  prefix: string,
  { expanded, kernel, stride }: { expanded: number; kernel: number; stride: number },
  activation: Activation,
  bn: BatchNormOptions = {},
): { y: string; next: number } {
  let y = x;
  let index = 0;
  if (expanded !== b.channelsOf(x)) {
    y = convNormActivation(
      b,
      y,
      `${prefix}.${index++}`,
      { outChannels: expanded, kernel: 1 },
      activation,
      bn,
    );
  }
  const depthwise = { outChannels: expanded, kernel, stride, padding: (kernel - 1) / 2, groups: expanded };
  y = convNormActivation(b, y, `${prefix}.${index++}`, depthwise, activation, bn);
  return { y, next: index };
}

/** torchvision's _make_divisible: round to a multiple of `divisor`, never dropping below 90%. */
export function makeDivisible(value: number, divisor = 8, minValue = divisor): number {
  let rounded = Math.max(minValue, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** Global average pooling → Flatten → Linear: the usual classification head. */
export function poolFlattenLinear(b: GraphBuilder, x: string, classes: number, name = 'fc'): string {
  const pooled = b.flatten(b.globalAvgPool(x));
  return b.linear(pooled, { outFeatures: classes, gain: 1 }, name);
}
