/**
 * timm's resnetv2_50: pre-activation ResNet-50 v2 (BN+ReLU before each conv, shortcut taken from
 * the pre-activated input, a final BN+ReLU, and a 1×1 conv classifier as timm's head uses).
 */
import type { GraphBuilder } from '../../onnx/builder.js';
import type { ZooArchitecture } from '../types.js';
import { RESIDUAL_GAMMA_SCALE } from './resnet.js';

function bnRelu(b: GraphBuilder, x: string, name: string, gammaScale = 1): string {
  return b.relu(b.batchNorm(x, { gammaScale }, name));
}

function preActBottleneck(
  b: GraphBuilder,
  x: string,
  outChannels: number,
  stride: number,
  downsample: boolean,
) {
  const mid = outChannels / 4;
  // Without BN after the residual add, the sum grows block by block; a damped norm1 keeps it sane.
  const preact = bnRelu(b, x, 'norm1', RESIDUAL_GAMMA_SCALE);
  const shortcut = downsample
    ? b.conv(preact, { outChannels, kernel: 1, stride, bias: false, gain: 1 }, 'downsample.conv')
    : x;
  let y = b.conv(preact, { outChannels: mid, kernel: 1, bias: false }, 'conv1');
  y = b.conv(
    bnRelu(b, y, 'norm2'),
    { outChannels: mid, kernel: 3, stride, padding: 1, bias: false },
    'conv2',
  );
  y = b.conv(bnRelu(b, y, 'norm3'), { outChannels, kernel: 1, bias: false, gain: 1 }, 'conv3');
  return b.add(y, shortcut);
}

export const resnetv2_50: ZooArchitecture = {
  name: 'resnetv2_50',
  task: 'classification',
  description: 'ResNet-50 v2, pre-activation (timm resnetv2_50): bottlenecks [3, 4, 6, 3]',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = b.conv(x, { outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false }, 'stem.conv');
    y = b.maxPool(y, { kernel: 3, stride: 2, padding: 1 }, 'stem.pool');
    let inChannels = 64;
    [3, 4, 6, 3].forEach((depth, stage) => {
      const outChannels = 256 * 2 ** stage;
      b.scope(`stages.${stage}.blocks`, () => {
        for (let i = 0; i < depth; i++) {
          const stride = i === 0 && stage > 0 ? 2 : 1;
          const downsample = i === 0 && (stride !== 1 || inChannels !== outChannels);
          y = b.scope(i, () => preActBottleneck(b, y, outChannels, stride, downsample));
          inChannels = outChannels;
        }
      });
    });
    y = bnRelu(b, y, 'norm');
    y = b.globalAvgPool(y, 'head.global_pool');
    y = b.conv(y, { outChannels: classes, kernel: 1, bias: true, gain: 1 }, 'head.fc');
    return b.flatten(y);
  },
};
