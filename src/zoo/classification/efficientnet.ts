/** torchvision.models.efficientnet_b0: MBConv blocks with squeeze-excitation and SiLU. */
import type { GraphBuilder } from '../../onnx/builder.js';
import { convNormActivation, expandDepthwise, mobileStem, poolFlattenLinear } from '../blocks.js';
import type { ZooArchitecture } from '../types.js';
import { projectResidual, squeezeExcitation } from './mobilenet-v3.js';

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
  let { y, next: index } = expandDepthwise(b, x, 'block', { expanded, kernel, stride }, 'silu');
  const squeeze = Math.max(1, Math.floor(inChannels / 4));
  y = b.scope(`block.${index++}`, () => squeezeExcitation(b, y, squeeze, 'silu', 'sigmoid'));
  return projectResidual(b, x, y, `block.${index}`, { out, stride, se: true });
}

export const efficientnet_b0: ZooArchitecture = {
  name: 'efficientnet_b0',
  task: 'classification',
  description: 'EfficientNet-B0 (torchvision): 16 MBConv blocks with squeeze-excitation, SiLU',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = mobileStem(b, x, 32, 'silu');
    B0.forEach(([expand, kernel, stride, , out, layers], stage) => {
      for (let i = 0; i < layers; i++) {
        y = b.scope(`features.${stage + 1}.${i}`, () =>
          mbConv(b, y, expand, kernel, i === 0 ? stride : 1, out),
        );
      }
    });
    y = convNormActivation(b, y, `features.${B0.length + 1}`, { outChannels: 1280, kernel: 1 }, 'silu');
    return poolFlattenLinear(b, y, classes, 'classifier.1');
  },
};
