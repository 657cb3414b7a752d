/** torchvision.models.mobilenet_v2 (width 1.0): inverted residuals with linear bottlenecks. */
import type { GraphBuilder } from '../../onnx/builder.js';
import { convNormActivation, expandDepthwise, mobileStem, poolFlattenLinear } from '../blocks.js';
import type { ZooArchitecture } from '../types.js';

/** [expansion t, output channels c, repeats n, first stride s], as in the paper and torchvision. */
const SETTINGS: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

function invertedResidual(
  b: GraphBuilder,
  x: string,
  outChannels: number,
  stride: number,
  expand: number,
): string {
  const inChannels = b.channelsOf(x);
  const hidden = Math.round(inChannels * expand);
  let { y, next: index } = expandDepthwise(b, x, 'conv', { expanded: hidden, kernel: 3, stride }, 'relu6');
  y = b.conv(y, { outChannels, kernel: 1, bias: false, gain: 1 }, `conv.${index}`);
  y = b.batchNorm(y, {}, `conv.${index + 1}`);
  return stride === 1 && inChannels === outChannels ? b.add(x, y) : y;
}

export const mobilenet_v2: ZooArchitecture = {
  name: 'mobilenet_v2',
  task: 'classification',
  description: 'MobileNet V2 1.0× (torchvision): 17 inverted residual blocks, ReLU6',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = mobileStem(b, x, 32, 'relu6');
    let index = 1;
    for (const [t, c, n, s] of SETTINGS) {
      for (let i = 0; i < n; i++) {
        y = b.scope(`features.${index++}`, () => invertedResidual(b, y, c, i === 0 ? s : 1, t));
      }
    }
    y = convNormActivation(b, y, `features.${index}`, { outChannels: 1280, kernel: 1 }, 'relu6');
    return poolFlattenLinear(b, y, classes, 'classifier.1');
  },
};
