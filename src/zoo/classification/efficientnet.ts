/** torchvision.models.efficientnet_b0: MBConv blocks with squeeze-excitation and SiLU. */
import type { GraphBuilder } from '../../onnx/builder.js';
import { convNormActivation } from '../blocks.js';
import type { ZooArchitecture } from '../types.js';
import { SE_GAIN, squeezeExcitation } from './mobilenet-v3.js';
import { RESIDUAL_GAMMA_SCALE } from './resnet.js';

/** [expand ratio, kernel, stride, input channels, output channels, layers] (torchvision MBConvConfig). */
const B0: [number, number, number, number, number, number][] = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];

function mbConv(
  b: GraphBuilder,
  x: string,
  expandRatio: number,
  kernel: number,
  stride: number,
  out: number,
) {
  const inChannels = b.channelsOf(x);
  const expanded = inChannels * expandRatio;
  let y = x;
  let index = 0;
  if (expanded !== inChannels) {
    y = convNormActivation(b, y, `block.${index++}`, { outChannels: expanded, kernel: 1 }, 'silu');
  }
  y = convNormActivation(
    b,
    y,
    `block.${index++}`,
    { outChannels: expanded, kernel, stride, padding: (kernel - 1) / 2, groups: expanded },
    'silu',
  );
  const squeeze = Math.max(1, Math.floor(inChannels / 4));
  y = b.scope(`block.${index++}`, () => squeezeExcitation(b, y, squeeze, 'silu', 'sigmoid'));
  // The SE gate scales channels by (0, 1); the extra gain restores the projection's output scale,
  // and residual blocks damp their branch so the sum does not grow block by block.
  const residual = stride === 1 && inChannels === out;
  y = convNormActivation(b, y, `block.${index}`, { outChannels: out, kernel: 1, gain: SE_GAIN }, 'none', {
    gammaScale: residual ? RESIDUAL_GAMMA_SCALE : 1,
  });
  return residual ? b.add(y, x) : y;
}

export const efficientnet_b0: ZooArchitecture = {
  name: 'efficientnet_b0',
  task: 'classification',
  description: 'EfficientNet-B0 (torchvision): 16 MBConv blocks with squeeze-excitation, SiLU',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = convNormActivation(
      b,
      x,
      'features.0',
      { outChannels: 32, kernel: 3, stride: 2, padding: 1 },
      'silu',
    );
    B0.forEach(([expand, kernel, stride, , out, layers], stage) => {
      for (let i = 0; i < layers; i++) {
        y = b.scope(`features.${stage + 1}.${i}`, () =>
          mbConv(b, y, expand, kernel, i === 0 ? stride : 1, out),
        );
      }
    });
    y = convNormActivation(b, y, `features.${B0.length + 1}`, { outChannels: 1280, kernel: 1 }, 'silu');
    y = b.flatten(b.globalAvgPool(y));
    return b.linear(y, { outFeatures: classes, gain: 1 }, 'classifier.1');
  },
};
