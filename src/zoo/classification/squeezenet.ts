/** torchvision.models.squeezenet1_1: Fire modules (squeeze 1×1 → expand 1×1 ‖ 3×3), conv classifier. */
import type { GraphBuilder } from '../../onnx/builder.js';
import type { ZooArchitecture } from '../types.js';

function fire(b: GraphBuilder, x: string, squeeze: number, expand1x1: number, expand3x3: number): string {
  const s = b.relu(b.conv(x, { outChannels: squeeze, kernel: 1 }, 'squeeze'));
  const e1 = b.relu(b.conv(s, { outChannels: expand1x1, kernel: 1 }, 'expand1x1'));
  const e3 = b.relu(b.conv(s, { outChannels: expand3x3, kernel: 3, padding: 1 }, 'expand3x3'));
  return b.concat([e1, e3], 1);
}

export const squeezenet1_1: ZooArchitecture = {
  name: 'squeezenet1_1',
  task: 'classification',
  description: 'SqueezeNet 1.1 (torchvision): 8 Fire modules, 1×1 conv classifier',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    const pool = (v: string) => b.maxPool(v, { kernel: 3, stride: 2, ceilMode: true });
    let y = b.relu(b.conv(x, { outChannels: 64, kernel: 3, stride: 2 }, 'features.0'));
    y = pool(y);
    // [Sequential index, squeeze, expand]; pools sit at indices 2, 5 and 8.
    const fires: [number, number, number][] = [
      [3, 16, 64],
      [4, 16, 64],
      [6, 32, 128],
      [7, 32, 128],
      [9, 48, 192],
      [10, 48, 192],
      [11, 64, 256],
      [12, 64, 256],
    ];
    for (const [index, squeeze, expand] of fires) {
      y = b.scope(`features.${index}`, () => fire(b, y, squeeze, expand, expand));
      if (index === 4 || index === 7) y = pool(y);
    }
    y = b.relu(b.conv(y, { outChannels: classes, kernel: 1, gain: 1 }, 'classifier.1'));
    return b.flatten(b.globalAvgPool(y));
  },
};
