/** torchvision.models.video.s3d: separable 3D Inception (spatial 1×k×k then temporal k×1×1 convs). */
import type { GraphBuilder } from '../../onnx/builder.js';
import { convNormActivation } from '../blocks.js';
import type { ZooArchitecture } from '../types.js';

const BN = { eps: 0.001, momentum: 0.001 };

function unit(b: GraphBuilder, x: string, name: string, out: number): string {
  return convNormActivation(b, x, name, { outChannels: out, kernel: 1 }, 'relu', BN);
}

/** TemporalSeparableConv: (1, k, k) conv-BN-ReLU then (k, 1, 1) conv-BN-ReLU. */
function separable(
  b: GraphBuilder,
  x: string,
  name: string,
  out: number,
  kernel: number,
  stride: number,
  padding: number,
) {
  let y = convNormActivation(
    b,
    x,
    `${name}.0`,
    {
      outChannels: out,
      kernel: [1, kernel, kernel],
      stride: [1, stride, stride],
      padding: [0, padding, padding],
    },
    'relu',
    BN,
  );
  y = convNormActivation(
    b,
    y,
    `${name}.1`,
    { outChannels: out, kernel: [kernel, 1, 1], stride: [stride, 1, 1], padding: [padding, 0, 0] },
    'relu',
    BN,
  );
  return y;
}

type BlockConfig = [number, number, number, number, number, number];

function sepInception(b: GraphBuilder, x: string, [b0, b1mid, b1, b2mid, b2, b3]: BlockConfig): string {
  const x0 = unit(b, x, 'branch0', b0);
  const x1 = separable(b, unit(b, x, 'branch1.0', b1mid), 'branch1.1', b1, 3, 1, 1);
  const x2 = separable(b, unit(b, x, 'branch2.0', b2mid), 'branch2.1', b2, 3, 1, 1);
  const x3 = unit(b, b.maxPool(x, { kernel: 3, stride: 1, padding: 1 }), 'branch3.1', b3);
  return b.concat([x0, x1, x2, x3], 1);
}

export const s3d: ZooArchitecture = {
  name: 's3d',
  task: 'video',
  description: 'S3D (torchvision video): separable 3D Inception network',
  defaultInput: [1, 3, 16, 224, 224],
  build(b, x, { classes }) {
    const pool = (v: string, kernel: number[], stride: number[], padding: number[], name: string) =>
      b.maxPool(v, { kernel, stride, padding }, name);
    let y = separable(b, x, 'features.0', 64, 7, 2, 3);
    y = pool(y, [1, 3, 3], [1, 2, 2], [0, 1, 1], 'features.1');
    y = unit(b, y, 'features.2', 64);
    y = separable(b, y, 'features.3', 192, 3, 1, 1);
    y = pool(y, [1, 3, 3], [1, 2, 2], [0, 1, 1], 'features.4');
    const blocks: (BlockConfig | 'pool3' | 'pool4')[] = [
      [64, 96, 128, 16, 32, 32],
      [128, 128, 192, 32, 96, 64],
      'pool3',
      [192, 96, 208, 16, 48, 64],
      [160, 112, 224, 24, 64, 64],
      [128, 128, 256, 24, 64, 64],
      [112, 144, 288, 32, 64, 64],
      [256, 160, 320, 32, 128, 128],
      'pool4',
      [256, 160, 320, 32, 128, 128],
      [384, 192, 384, 48, 128, 128],
    ];
    blocks.forEach((block, i) => {
      const name = `features.${i + 5}`;
      if (block === 'pool3') y = pool(y, [3, 3, 3], [2, 2, 2], [1, 1, 1], name);
      else if (block === 'pool4') y = pool(y, [2, 2, 2], [2, 2, 2], [0, 0, 0], name);
      else y = b.scope(name, () => sepInception(b, y, block));
    });
    // AvgPool3d((2, 7, 7), stride 1); for clips smaller than 16×224×224, where PyTorch would fail,
    // the kernel is clipped to the feature map.
    const [, , t, h, w] = b.dimsOf(y);
    y = b.avgPool(y, { kernel: [Math.min(2, t), Math.min(7, h), Math.min(7, w)], stride: 1 }, 'avgpool');
    y = b.conv(y, { outChannels: classes, kernel: 1, bias: true, gain: 1 }, 'classifier.1');
    return b.reduceMean(y, [2, 3, 4], false);
  },
};
