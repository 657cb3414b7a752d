/** torchvision.models.alexnet (the "one weird trick" variant torchvision ships). */
import type { ZooArchitecture } from '../types.js';

export const alexnet: ZooArchitecture = {
  name: 'alexnet',
  task: 'classification',
  description: 'AlexNet (torchvision): 5 conv + 3 fully connected layers',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    const features: [number, number, number, number][] = [
      // [out channels, kernel, stride, padding]
      [64, 11, 4, 2],
      [192, 5, 1, 2],
      [384, 3, 1, 1],
      [256, 3, 1, 1],
      [256, 3, 1, 1],
    ];
    const poolAfter = new Set([0, 1, 4]);
    // torchvision's Sequential indices: conv, relu, (pool) …
    let index = 0;
    let y = x;
    features.forEach(([out, kernel, stride, padding], i) => {
      y = b.conv(y, { outChannels: out, kernel, stride, padding }, `features.${index}`);
      y = b.relu(y);
      index += 2;
      if (poolAfter.has(i)) {
        y = b.maxPool(y, { kernel: 3, stride: 2 });
        index++;
      }
    });
    y = b.flatten(b.adaptiveAvgPool(y, [6, 6], 'avgpool'));
    y = b.relu(b.linear(y, { outFeatures: 4096 }, 'classifier.1'));
    y = b.relu(b.linear(y, { outFeatures: 4096 }, 'classifier.4'));
    return b.linear(y, { outFeatures: classes, gain: 1 }, 'classifier.6');
  },
};
