/** Every architecture the zoo can generate, by name. */
import { UserError } from '../errors.js';
import { alexnet } from './classification/alexnet.js';
import { densenet121 } from './classification/densenet.js';
import { efficientnet_b0 } from './classification/efficientnet.js';
import { googlenet } from './classification/googlenet.js';
import { mobilenet_v2 } from './classification/mobilenet-v2.js';
import { mobilenet_v3_small } from './classification/mobilenet-v3.js';
import { resnet18, resnet50 } from './classification/resnet.js';
import { resnetv2_50 } from './classification/resnetv2.js';
import { shufflenet_v2_x1_0 } from './classification/shufflenet.js';
import { squeezenet1_1 } from './classification/squeezenet.js';
import { vgg16 } from './classification/vgg.js';
import type { ZooArchitecture } from './types.js';
import { c3d_small, conv3d_autoencoder, densenet3d } from './video/custom.js';
import { s3d } from './video/s3d.js';
import { mc3_18, r2plus1d_18, r3d_18 } from './video/video-resnet.js';

export const ZOO_ARCHITECTURES: readonly ZooArchitecture[] = [
  alexnet,
  vgg16,
  resnet18,
  resnet50,
  resnetv2_50,
  squeezenet1_1,
  densenet121,
  shufflenet_v2_x1_0,
  mobilenet_v2,
  mobilenet_v3_small,
  efficientnet_b0,
  googlenet,
  r3d_18,
  mc3_18,
  r2plus1d_18,
  s3d,
  c3d_small,
  conv3d_autoencoder,
  densenet3d,
];

const BY_NAME = new Map(ZOO_ARCHITECTURES.map((a) => [a.name, a]));

export function zooNames(): string[] {
  return ZOO_ARCHITECTURES.map((a) => a.name);
}

export function findArchitecture(name: string): ZooArchitecture | undefined {
  return BY_NAME.get(name);
}

/** The architecture called `name`; a UserError listing the known names otherwise. */
export function getArchitecture(name: string): ZooArchitecture {
  const architecture = BY_NAME.get(name);
  if (!architecture) {
    throw new UserError(`unknown zoo model '${name}'; available: ${zooNames().join(', ')}`);
  }
  return architecture;
}
