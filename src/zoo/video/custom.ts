/**
 * Three compact video classifiers in the spirit of the Jetson Nano study's custom models (their
 * exact layers were not published; these definitions are edgebench's own and are documented in
 * docs/zoo.md). All take [N, 3, T, H, W] clips; every conv is followed by BatchNorm and ReLU.
 */
import type { GraphBuilder } from '../../onnx/builder.js';
import { convBnAct, poolFlattenLinear } from '../blocks.js';
import { denseFeatures } from '../classification/densenet.js';
import type { ZooArchitecture } from '../types.js';

/** The custom models' default clip: 16 frames of 112×112, as in the study. */
const CLIP = [1, 3, 16, 112, 112];

function customVideoModel(
  name: string,
  description: string,
  build: ZooArchitecture['build'],
): ZooArchitecture {
  return { name, task: 'video', description, defaultInput: [...CLIP], build };
}

/** Global average pool → Linear(hidden) → ReLU → Linear(classes). */
function hiddenLayerHead(
  b: GraphBuilder,
  x: string,
  hidden: number,
  classes: number,
  [hiddenName, outName]: [string, string],
): string {
  const y = b.relu(b.linear(b.flatten(b.globalAvgPool(x)), { outFeatures: hidden }, hiddenName));
  return b.linear(y, { outFeatures: classes, gain: 1 }, outName);
}

function conv3dBnRelu(b: GraphBuilder, x: string, name: string, out: number, stride: number | number[] = 1) {
  return convBnAct(b, x, { outChannels: out, kernel: 3, stride, padding: 1 }, 'relu', {
    conv: `${name}.conv`,
    bn: `${name}.bn`,
  });
}

/**
 * C3D-style network (Tran et al. 2015), slimmed: 3×3×3 convs in five stages of widths
 * 32-64-128-256(-256), the first pool spatial-only (1×2×2), then 2×2×2 pools; global average pool
 * instead of C3D's 4096-wide fully connected layers; classifier 256 → 256 → classes.
 */
export const c3d_small = customVideoModel(
  'c3d_small',
  'Compact C3D-style 3D CNN (edgebench): 6 conv3d 3×3×3 layers, GAP, 2 fully connected layers',
  (b, x, { classes }) => {
    let y = conv3dBnRelu(b, x, 'conv1', 32);
    y = b.maxPool(y, { kernel: [1, 2, 2], stride: [1, 2, 2] }, 'pool1');
    y = conv3dBnRelu(b, y, 'conv2', 64);
    y = b.maxPool(y, { kernel: 2, stride: 2 }, 'pool2');
    y = conv3dBnRelu(b, conv3dBnRelu(b, y, 'conv3a', 128), 'conv3b', 128);
    y = b.maxPool(y, { kernel: 2, stride: 2 }, 'pool3');
    y = conv3dBnRelu(b, conv3dBnRelu(b, y, 'conv4a', 256), 'conv4b', 256);
    y = b.maxPool(y, { kernel: 2, stride: 2, ceilMode: true }, 'pool4');
    return hiddenLayerHead(b, y, 256, classes, ['fc6', 'fc7']);
  },
);

/**
 * The encoder of a 3D convolutional autoencoder, with a classifier on its latent code. Encoder:
 * four 3×3×3 conv-BN-ReLU layers of widths 32-64-128-256, strides (1,2,2) then 2,2,2. During
 * training a mirrored decoder (ConvTranspose3d 256→128→64→32→3) reconstructs the clip; it is not
 * part of the inference graph. Head: GAP → 256 → 128 (ReLU) → classes.
 */
export const conv3d_autoencoder = customVideoModel(
  'conv3d_autoencoder',
  'Encoder of a 3D conv autoencoder + classifier head (edgebench); decoder is training-only',
  (b, x, { classes }) => {
    let y = conv3dBnRelu(b, x, 'encoder.0', 32, [1, 2, 2]);
    y = conv3dBnRelu(b, y, 'encoder.1', 64, 2);
    y = conv3dBnRelu(b, y, 'encoder.2', 128, 2);
    y = conv3dBnRelu(b, y, 'encoder.3', 256, 2);
    return hiddenLayerHead(b, y, 128, classes, ['head.0', 'head.2']);
  },
);

/**
 * A 3D DenseNet: stem conv 3×7×7 stride (1,2,2) (32 channels) + max-pool 3×3×3 stride 2; three
 * dense blocks of [4, 8, 12] layers (growth 16, bottleneck 4×growth) with 2×2×2 average-pool
 * transitions halving the channels; BN-ReLU, GAP and a linear classifier.
 */
export const densenet3d = customVideoModel(
  'densenet3d',
  '3D DenseNet (edgebench): growth 16, dense blocks [4, 8, 12]',
  (b, x, { classes }) => {
    let y = b.conv(
      x,
      { outChannels: 32, kernel: [3, 7, 7], stride: [1, 2, 2], padding: [1, 3, 3], bias: false },
      'features.conv0',
    );
    y = b.relu(b.batchNorm(y, {}, 'features.norm0'));
    y = b.maxPool(y, { kernel: 3, stride: 2, padding: 1 }, 'features.pool0');
    y = denseFeatures(b, y, {
      growthRate: 16,
      blocks: [4, 8, 12],
      initFeatures: 32,
      bnSize: 4,
      transitionPool: 2,
    });
    return poolFlattenLinear(b, y, classes, 'classifier');
  },
);
