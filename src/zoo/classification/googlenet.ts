/** torchvision.models.googlenet with aux_logits=False (Inception v1 with BatchNorm). */
import type { GraphBuilder } from '../../onnx/builder.js';
import type { ZooArchitecture } from '../types.js';

/** BasicConv2d: conv (no bias) → BN(eps 0.001) → ReLU, named `<name>.conv` / `<name>.bn`. */
function basicConv(
  b: GraphBuilder,
  x: string,
  out: number,
  kernel: number,
  name: string,
  stride = 1,
  padding = 0,
) {
  const y = b.conv(x, { outChannels: out, kernel, stride, padding, bias: false }, `${name}.conv`);
  return b.relu(b.batchNorm(y, { eps: 0.001 }, `${name}.bn`));
}

/** [1×1, 3×3 reduce, 3×3, "5×5" reduce, "5×5" (a 3×3 conv in torchvision), pool projection] */
type InceptionConfig = [number, number, number, number, number, number];

function inception(b: GraphBuilder, x: string, [c1, c3r, c3, c5r, c5, pool]: InceptionConfig): string {
  const branch1 = basicConv(b, x, c1, 1, 'branch1');
  const branch2 = basicConv(b, basicConv(b, x, c3r, 1, 'branch2.0'), c3, 3, 'branch2.1', 1, 1);
  const branch3 = basicConv(b, basicConv(b, x, c5r, 1, 'branch3.0'), c5, 3, 'branch3.1', 1, 1);
  const pooled = b.maxPool(x, { kernel: 3, stride: 1, padding: 1, ceilMode: true });
  const branch4 = basicConv(b, pooled, pool, 1, 'branch4.1');
  return b.concat([branch1, branch2, branch3, branch4], 1);
}

/** Inception blocks in order, with the max-pools between stages (kernel size given). */
const STAGES: ({ name: string; config: InceptionConfig } | { name: string; poolKernel: number })[] = [
  { name: 'inception3a', config: [64, 96, 128, 16, 32, 32] },
  { name: 'inception3b', config: [128, 128, 192, 32, 96, 64] },
  { name: 'maxpool3', poolKernel: 3 },
  { name: 'inception4a', config: [192, 96, 208, 16, 48, 64] },
  { name: 'inception4b', config: [160, 112, 224, 24, 64, 64] },
  { name: 'inception4c', config: [128, 128, 256, 24, 64, 64] },
  { name: 'inception4d', config: [112, 144, 288, 32, 64, 64] },
  { name: 'inception4e', config: [256, 160, 320, 32, 128, 128] },
  { name: 'maxpool4', poolKernel: 2 },
  { name: 'inception5a', config: [256, 160, 320, 32, 128, 128] },
  { name: 'inception5b', config: [384, 192, 384, 48, 128, 128] },
];

export const googlenet: ZooArchitecture = {
  name: 'googlenet',
  task: 'classification',
  description: 'GoogLeNet / Inception v1 (torchvision, aux_logits=False): 9 inception blocks',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = basicConv(b, x, 64, 7, 'conv1', 2, 3);
    y = b.maxPool(y, { kernel: 3, stride: 2, ceilMode: true }, 'maxpool1');
    y = basicConv(b, y, 64, 1, 'conv2');
    y = basicConv(b, y, 192, 3, 'conv3', 1, 1);
    y = b.maxPool(y, { kernel: 3, stride: 2, ceilMode: true }, 'maxpool2');
    for (const stage of STAGES) {
      if ('poolKernel' in stage)
        y = b.maxPool(y, { kernel: stage.poolKernel, stride: 2, ceilMode: true }, stage.name);
      else y = b.scope(stage.name, () => inception(b, y, stage.config));
    }
    y = b.flatten(b.globalAvgPool(y, 'avgpool'));
    return b.linear(y, { outFeatures: classes, gain: 1 }, 'fc');
  },
};
