/**
 * torchvision.models.video r3d_18, mc3_18 and r2plus1d_18: 18-layer ResNets over clips
 * [N, 3, T, H, W] whose convolutions are full 3D, 3D then 2D ("mixed"), or (2+1)D factorized.
 */
import type { GraphBuilder } from '../../onnx/builder.js';
import { RESIDUAL_GAMMA_SCALE } from '../classification/resnet.js';
import type { ZooArchitecture } from '../types.js';

type ConvKind = '3d' | 'no-temporal' | '2plus1d';

/** One "conv_builder" step: returns the output; (2+1)D adds its own BN + ReLU between its convs. */
function videoConv(
  b: GraphBuilder,
  x: string,
  kind: ConvKind,
  out: number,
  mid: number,
  stride: number,
  name: string,
) {
  switch (kind) {
    case '3d':
      return b.conv(x, { outChannels: out, kernel: 3, stride, padding: 1, bias: false }, name);
    case 'no-temporal':
      return b.conv(
        x,
        { outChannels: out, kernel: [1, 3, 3], stride: [1, stride, stride], padding: [0, 1, 1], bias: false },
        name,
      );
    case '2plus1d': {
      let y = b.conv(
        x,
        { outChannels: mid, kernel: [1, 3, 3], stride: [1, stride, stride], padding: [0, 1, 1], bias: false },
        `${name}.0`,
      );
      y = b.relu(b.batchNorm(y, {}, `${name}.1`));
      return b.conv(
        y,
        { outChannels: out, kernel: [3, 1, 1], stride: [stride, 1, 1], padding: [1, 0, 0], bias: false },
        `${name}.3`,
      );
    }
  }
}

/** Conv2Plus1D keeps the parameter count of a full 3×3×3 conv by choosing its middle width. */
function midPlanes(kind: ConvKind, inplanes: number, planes: number): number {
  return kind === '2plus1d' ? Math.floor((inplanes * planes * 27) / (inplanes * 9 + 3 * planes)) : 0;
}

function basicBlock(b: GraphBuilder, x: string, kind: ConvKind, planes: number, stride: number) {
  const inplanes = b.channelsOf(x);
  const mid = midPlanes(kind, inplanes, planes);
  let y = b.relu(b.batchNorm(videoConv(b, x, kind, planes, mid, stride, 'conv1.0'), {}, 'conv1.1'));
  y = b.batchNorm(
    videoConv(b, y, kind, planes, mid, 1, 'conv2.0'),
    { gammaScale: RESIDUAL_GAMMA_SCALE },
    'conv2.1',
  );
  let identity = x;
  if (stride !== 1 || inplanes !== planes) {
    // Downsampling keeps the temporal axis when the block's convs do not stride in time.
    const dsStride = kind === 'no-temporal' ? [1, stride, stride] : [stride, stride, stride];
    identity = b.conv(
      x,
      { outChannels: planes, kernel: 1, stride: dsStride, bias: false, gain: 1 },
      'downsample.0',
    );
    identity = b.batchNorm(identity, {}, 'downsample.1');
  }
  return b.relu(b.add(y, identity));
}

function videoResNet(
  name: string,
  kinds: ConvKind[],
  stem: 'basic' | '2plus1d',
  description: string,
): ZooArchitecture {
  return {
    name,
    task: 'video',
    description,
    defaultInput: [1, 3, 16, 112, 112],
    build(b, x, { classes }) {
      let y: string;
      if (stem === 'basic') {
        y = b.conv(
          x,
          { outChannels: 64, kernel: [3, 7, 7], stride: [1, 2, 2], padding: [1, 3, 3], bias: false },
          'stem.0',
        );
        y = b.relu(b.batchNorm(y, {}, 'stem.1'));
      } else {
        y = b.conv(
          x,
          { outChannels: 45, kernel: [1, 7, 7], stride: [1, 2, 2], padding: [0, 3, 3], bias: false },
          'stem.0',
        );
        y = b.relu(b.batchNorm(y, {}, 'stem.1'));
        y = b.conv(y, { outChannels: 64, kernel: [3, 1, 1], padding: [1, 0, 0], bias: false }, 'stem.3');
        y = b.relu(b.batchNorm(y, {}, 'stem.4'));
      }
      kinds.forEach((kind, stage) => {
        const planes = 64 * 2 ** stage;
        for (let i = 0; i < 2; i++) {
          const stride = i === 0 && stage > 0 ? 2 : 1;
          y = b.scope(`layer${stage + 1}.${i}`, () => basicBlock(b, y, kind, planes, stride));
        }
      });
      y = b.flatten(b.globalAvgPool(y, 'avgpool'));
      return b.linear(y, { outFeatures: classes, gain: 1 }, 'fc');
    },
  };
}

export const r3d_18 = videoResNet(
  'r3d_18',
  ['3d', '3d', '3d', '3d'],
  'basic',
  'R3D-18 (torchvision video): 3D ResNet-18',
);
export const mc3_18 = videoResNet(
  'mc3_18',
  ['3d', 'no-temporal', 'no-temporal', 'no-temporal'],
  'basic',
  'MC3-18 (torchvision video): 3D convs in layer1, 2D (1×3×3) convs after',
);
export const r2plus1d_18 = videoResNet(
  'r2plus1d_18',
  ['2plus1d', '2plus1d', '2plus1d', '2plus1d'],
  '2plus1d',
  'R(2+1)D-18 (torchvision video): spatial 1×3×3 then temporal 3×1×1 convs',
);
