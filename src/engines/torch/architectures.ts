/**
 * The zoo architectures the PyTorch runner builds from their reference definitions (torchvision's
 * builders with num_classes set; timm for resnetv2_50; the study's custom video models as docs/zoo.md
 * defines them), with the input each expects.
 */

export interface TorchArchitecture {
  /** Input shape without the batch dimension. */
  input: readonly number[];
  /** The definition's default number of classes. */
  classes: number;
  source: 'torchvision' | 'torchvision.models.video' | 'timm' | 'edgebench';
}

const image = (source: TorchArchitecture['source'] = 'torchvision'): TorchArchitecture => ({
  input: [3, 224, 224],
  classes: 1000,
  source,
});
const video = (
  size: number,
  source: TorchArchitecture['source'] = 'torchvision.models.video',
): TorchArchitecture => ({
  input: [3, 16, size, size],
  classes: 400,
  source,
});

export const TORCH_ARCHITECTURES: Readonly<Record<string, TorchArchitecture>> = Object.freeze({
  alexnet: image(),
  vgg16: image(),
  resnet18: image(),
  resnet50: image(),
  squeezenet1_1: image(),
  densenet121: image(),
  shufflenet_v2_x1_0: image(),
  mobilenet_v2: image(),
  mobilenet_v3_small: image(),
  efficientnet_b0: image(),
  googlenet: image(),
  resnetv2_50: image('timm'),
  r3d_18: video(112),
  mc3_18: video(112),
  r2plus1d_18: video(112),
  s3d: video(224),
  c3d_small: video(112, 'edgebench'),
  conv3d_autoencoder: video(112, 'edgebench'),
  densenet3d: video(112, 'edgebench'),
});

/** The study's custom video models (3D CNN, autoencoder-based, DenseNet-3D): edgebench's definitions. */
export const CUSTOM_VIDEO_ARCHITECTURES: readonly string[] = [
  'c3d_small',
  'conv3d_autoencoder',
  'densenet3d',
];
