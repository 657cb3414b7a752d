/**
 * DenseNet (torchvision densenet121: growth 32, blocks [6, 12, 24, 16], bottleneck 4×growth,
 * compression 0.5). The generic builder is shared with the 3D DenseNet of the video zoo.
 */
import type { GraphBuilder, PerAxis } from '../../onnx/builder.js';
import type { ZooArchitecture } from '../types.js';

export interface DenseNetConfig {
  growthRate: number;
  blocks: number[];
  initFeatures: number;
  bnSize: number;
  /** Transition pooling kernel (= stride). */
  transitionPool: PerAxis;
}

/** Each layer reads the concatenation of every earlier feature map in the block, as torch does. */
function denseBlock(b: GraphBuilder, x: string, layers: number, config: DenseNetConfig): string {
  const features = [x];
  for (let i = 0; i < layers; i++) {
    const input = features.length === 1 ? features[0] : b.concat(features, 1);
    const y = b.scope(`denselayer${i + 1}`, () => {
      let h = b.relu(b.batchNorm(input, {}, 'norm1'));
      h = b.conv(h, { outChannels: config.bnSize * config.growthRate, kernel: 1, bias: false }, 'conv1');
      h = b.relu(b.batchNorm(h, {}, 'norm2'));
      return b.conv(h, { outChannels: config.growthRate, kernel: 3, padding: 1, bias: false }, 'conv2');
    });
    features.push(y);
  }
  return b.concat(features, 1);
}

function transition(b: GraphBuilder, x: string, outChannels: number, pool: PerAxis): string {
  let y = b.relu(b.batchNorm(x, {}, 'norm'));
  y = b.conv(y, { outChannels, kernel: 1, bias: false }, 'conv');
  return b.avgPool(y, { kernel: pool, stride: pool }, 'pool');
}

/** Dense blocks and transitions after the stem, then norm5 + ReLU; returns the features. */
export function denseFeatures(b: GraphBuilder, stem: string, config: DenseNetConfig): string {
  let y = stem;
  let channels = config.initFeatures;
  config.blocks.forEach((layers, i) => {
    y = b.scope(`features.denseblock${i + 1}`, () => denseBlock(b, y, layers, config));
    channels += layers * config.growthRate;
    if (i < config.blocks.length - 1) {
      channels = Math.floor(channels / 2);
      y = b.scope(`features.transition${i + 1}`, () => transition(b, y, channels, config.transitionPool));
    }
  });
  return b.relu(b.batchNorm(y, {}, 'features.norm5'));
}

export const densenet121: ZooArchitecture = {
  name: 'densenet121',
  task: 'classification',
  description: 'DenseNet-121 (torchvision): growth 32, dense blocks [6, 12, 24, 16]',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = b.conv(x, { outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false }, 'features.conv0');
    y = b.relu(b.batchNorm(y, {}, 'features.norm0'));
    y = b.maxPool(y, { kernel: 3, stride: 2, padding: 1 }, 'features.pool0');
    y = denseFeatures(b, y, {
      growthRate: 32,
      blocks: [6, 12, 24, 16],
      initFeatures: 64,
      bnSize: 4,
      transitionPool: 2,
    });
    y = b.flatten(b.globalAvgPool(y));
    return b.linear(y, { outFeatures: classes, gain: 1 }, 'classifier');
  },
};
