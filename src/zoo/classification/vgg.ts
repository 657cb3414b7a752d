/** torchvision.models.vgg16 (configuration "D", no batch norm). */
import type { ZooArchitecture } from '../types.js';

const VGG16_LAYERS: (number | 'M')[] = [
  64,
  64,
  'M',
  128,
  128,
  'M',
  256,
  256,
  256,
  'M',
  512,
  512,
  512,
  'M',
  512,
  512,
  512,
  'M',
];

export const vgg16: ZooArchitecture = {
  name: 'vgg16',
  task: 'classification',
  description: 'VGG-16 (torchvision, configuration D): 13 conv 3×3 + 3 fully connected layers',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = x;
    let index = 0;
    for (const layer of VGG16_LAYERS) {
      if (layer === 'M') {
        y = b.maxPool(y, { kernel: 2, stride: 2 });
        index++;
      } else {
        y = b.relu(b.conv(y, { outChannels: layer, kernel: 3, padding: 1 }, `features.${index}`));
        index += 2;
      }
    }
    y = b.flatten(b.adaptiveAvgPool(y, [7, 7], 'avgpool'));
    y = b.relu(b.linear(y, { outFeatures: 4096 }, 'classifier.0'));
    y = b.relu(b.linear(y, { outFeatures: 4096 }, 'classifier.3'));
    return b.linear(y, { outFeatures: classes, gain: 1 }, 'classifier.6');
  },
};
