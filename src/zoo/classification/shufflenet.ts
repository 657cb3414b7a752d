/** torchvision.models.shufflenet_v2_x1_0: stages [4, 8, 4], channels [24, 116, 232, 464, 1024]. */
import type { GraphBuilder } from '../../onnx/builder.js';
import { convNormActivation } from '../blocks.js';
import type { ZooArchitecture } from '../types.js';

function depthwise(b: GraphBuilder, x: string, stride: number, name: string): string {
  const channels = b.channelsOf(x);
  return b.conv(
    x,
    { outChannels: channels, kernel: 3, stride, padding: 1, groups: channels, bias: false, gain: 1 },
    name,
  );
}

/** InvertedResidual: split or duplicate, branch, concat, shuffle. */
function invertedResidual(b: GraphBuilder, x: string, outChannels: number, stride: number): string {
  const branchChannels = outChannels / 2;
  const branch2 = (input: string) => {
    let y = b.relu(
      b.batchNorm(
        b.conv(input, { outChannels: branchChannels, kernel: 1, bias: false }, 'branch2.0'),
        {},
        'branch2.1',
      ),
    );
    y = b.batchNorm(depthwise(b, y, stride, 'branch2.3'), {}, 'branch2.4');
    y = b.conv(y, { outChannels: branchChannels, kernel: 1, bias: false }, 'branch2.5');
    return b.relu(b.batchNorm(y, {}, 'branch2.6'));
  };
  let out: string;
  if (stride === 1) {
    const [x1, x2] = b.split(x, [branchChannels, branchChannels], 1);
    out = b.concat([x1, branch2(x2)], 1);
  } else {
    let left = b.batchNorm(depthwise(b, x, stride, 'branch1.0'), {}, 'branch1.1');
    left = b.conv(left, { outChannels: branchChannels, kernel: 1, bias: false }, 'branch1.2');
    left = b.relu(b.batchNorm(left, {}, 'branch1.3'));
    out = b.concat([left, branch2(x)], 1);
  }
  return b.channelShuffle(out, 2);
}

export const shufflenet_v2_x1_0: ZooArchitecture = {
  name: 'shufflenet_v2_x1_0',
  task: 'classification',
  description: 'ShuffleNet V2 1.0× (torchvision): stages [4, 8, 4], channel split + shuffle',
  defaultInput: [1, 3, 224, 224],
  build(b, x, { classes }) {
    let y = convNormActivation(b, x, 'conv1', { outChannels: 24, kernel: 3, stride: 2, padding: 1 }, 'relu');
    y = b.maxPool(y, { kernel: 3, stride: 2, padding: 1 }, 'maxpool');
    const stages: [number, number][] = [
      [4, 116],
      [8, 232],
      [4, 464],
    ];
    stages.forEach(([repeats, channels], s) => {
      for (let i = 0; i < repeats; i++) {
        y = b.scope(`stage${s + 2}.${i}`, () => invertedResidual(b, y, channels, i === 0 ? 2 : 1));
      }
    });
    y = convNormActivation(b, y, 'conv5', { outChannels: 1024, kernel: 1 }, 'relu');
    y = b.reduceMean(y, [2, 3], false);
    return b.linear(y, { outFeatures: classes, gain: 1 }, 'fc');
  },
};
