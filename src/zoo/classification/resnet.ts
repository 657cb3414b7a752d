/** torchvision.models.resnet18 / resnet50 (ResNet v1.5: stride on the 3×3 conv of bottlenecks). */
import type { GraphBuilder } from '../../onnx/builder.js';
import type { ZooArchitecture } from '../types.js';

/** γ scale of the last BN in each residual branch (see weight-init.ts). */
export const RESIDUAL_GAMMA_SCALE = 0.5;

function basicBlock(b: GraphBuilder, x: string, planes: number, stride: number, downsample: boolean): string {
  let y = b.relu(
    b.batchNorm(
      b.conv(x, { outChannels: planes, kernel: 3, stride, padding: 1, bias: false }, 'conv1'),
      {},
      'bn1',
    ),
  );
  y = b.conv(y, { outChannels: planes, kernel: 3, padding: 1, bias: false }, 'conv2');
  y = b.batchNorm(y, { gammaScale: RESIDUAL_GAMMA_SCALE }, 'bn2');
  const identity = downsample ? shortcut(b, x, planes, stride) : x;
  return b.relu(b.add(y, identity));
}

function bottleneck(b: GraphBuilder, x: string, planes: number, stride: number, downsample: boolean): string {
  let y = b.relu(b.batchNorm(b.conv(x, { outChannels: planes, kernel: 1, bias: false }, 'conv1'), {}, 'bn1'));
  y = b.relu(
    b.batchNorm(
      b.conv(y, { outChannels: planes, kernel: 3, stride, padding: 1, bias: false }, 'conv2'),
      {},
      'bn2',
    ),
  );
  y = b.conv(y, { outChannels: planes * 4, kernel: 1, bias: false, gain: 1 }, 'conv3');
  y = b.batchNorm(y, { gammaScale: RESIDUAL_GAMMA_SCALE }, 'bn3');
  const identity = downsample ? shortcut(b, x, planes * 4, stride) : x;
  return b.relu(b.add(y, identity));
}

function shortcut(b: GraphBuilder, x: string, channels: number, stride: number): string {
  const y = b.conv(x, { outChannels: channels, kernel: 1, stride, bias: false, gain: 1 }, 'downsample.0');
  return b.batchNorm(y, {}, 'downsample.1');
}

function resnet(
  name: string,
  layers: number[],
  kind: 'basic' | 'bottleneck',
  description: string,
): ZooArchitecture {
  const expansion = kind === 'basic' ? 1 : 4;
  const block = kind === 'basic' ? basicBlock : bottleneck;
  return {
    name,
    task: 'classification',
    description,
    defaultInput: [1, 3, 224, 224],
    build(b, x, { classes }) {
      let y = b.conv(x, { outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false }, 'conv1');
      y = b.relu(b.batchNorm(y, {}, 'bn1'));
      y = b.maxPool(y, { kernel: 3, stride: 2, padding: 1 }, 'maxpool');
      let inplanes = 64;
      layers.forEach((blocks, stage) => {
        const planes = 64 * 2 ** stage;
        b.scope(`layer${stage + 1}`, () => {
          for (let i = 0; i < blocks; i++) {
            const stride = i === 0 && stage > 0 ? 2 : 1;
            const downsample = i === 0 && (stride !== 1 || inplanes !== planes * expansion);
            y = b.scope(i, () => block(b, y, planes, stride, downsample));
            inplanes = planes * expansion;
          }
        });
      });
      y = b.flatten(b.globalAvgPool(y, 'avgpool'));
      return b.linear(y, { outFeatures: classes, gain: 1 }, 'fc');
    },
  };
}

export const resnet18 = resnet(
  'resnet18',
  [2, 2, 2, 2],
  'basic',
  'ResNet-18 (torchvision): basic blocks [2, 2, 2, 2]',
);
export const resnet50 = resnet(
  'resnet50',
  [3, 4, 6, 3],
  'bottleneck',
  'ResNet-50 (torchvision, v1.5): bottleneck blocks [3, 4, 6, 3]',
);
