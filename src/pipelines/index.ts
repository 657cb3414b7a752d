/**
 * Input sources for real-time workloads: image and video pipelines from real files.
 * (Synthetic tensors and tensor files live beside these, in synthetic.ts and tensor-files.ts.)
 */

export {
  literalTensor,
  looksLikeLiteral,
  readInputValue,
  tensorNumbers,
  valuesText,
} from '../inputs/input-values.js';
export {
  bindDimensionNames,
  type DimensionBinding,
  type GivenShapes,
  resolveInputShape,
  resolveInputShapes,
  type ShapeRequest,
} from '../onnx/shapes.js';
export { ClipAssembler, type ClipWindow, clipWindows } from './clips.js';
export {
  type DecodeOptions,
  type DecodeStatus,
  decodeFrames,
  ffmpegPath,
  probeVideo,
  scaleFilter,
  type VideoProbe,
} from './ffmpeg.js';
export {
  DEFAULT_IMAGE_LIMITS,
  type DecodedPicture,
  decodeImage,
  type ImageItem,
  type ImageLimits,
  type ImageListing,
  listImages,
  type ResizeKernel,
  readMediaFile,
} from './image.js';
export {
  type ClassScore,
  type ImagePipelineOptions,
  type ImagePipelineResult,
  type ImagePrediction,
  PIPELINE_SCHEMA_VERSION,
  runImagePipeline,
} from './image-pipeline.js';
export { classIndexOfFolder, labelFor, parseLabels, readLabelsFile } from './labels.js';
export {
  CLIP_LAYOUTS,
  type ClipInputSpec,
  type ClipLayout,
  clipInputSpec,
  type ImageInputSpec,
  imageInputSpec,
} from './model-input.js';
export { argmax, isDistribution, type SoftmaxMode, softmax, toProbabilities, topK } from './postprocess.js';
export {
  CHANNEL_ORDERS,
  type ChannelOrder,
  DEFAULT_PREPROCESS,
  IMAGENET_MEAN,
  IMAGENET_STD,
  KINETICS_MEAN,
  KINETICS_STD,
  type PreprocessOptions,
  RESIZE_MODES,
  type ResizeMode,
  resizePlan,
  TENSOR_LAYOUTS,
  type TensorLayout,
  writeNormalized,
} from './preprocess.js';
export {
  type ActionSegment,
  actionSegments,
  DEFAULT_SEGMENT_OPTIONS,
  DEFAULT_SMOOTHING,
  type SegmentOptions,
  SMOOTHING_METHODS,
  type SmoothingMethod,
  type SmoothingOptions,
  smoothScores,
} from './segments.js';
export { MediaSkip, SKIP_REASONS, type SkippedInput, type SkipReason } from './skips.js';
export { STAGES, type Stage, StageRecorder, type StageSummary, summarizeStages } from './stages.js';
export {
  type ClipResult,
  runVideoPipeline,
  type VideoPipelineOptions,
  type VideoPipelineResult,
  type VideoResult,
} from './video-pipeline.js';
