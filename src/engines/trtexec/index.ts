/** TensorRT through trtexec: the engine, its options, and the parsers of what trtexec prints. */
export { buildArgs, flavorOf, runArgs, shapesSpec, type TrtexecFlavor, trtexecTiming } from './args.js';
export { cacheRoot, engineCacheKey, trtCacheDir } from './cache.js';
export { TrtexecEngine, type TrtexecEnvironment } from './engine.js';
export {
  gpuNameOf,
  type HostRunOptions,
  type LocalHostSettings,
  localTrtexecHost,
  type TrtexecFiles,
  type TrtexecHost,
} from './host.js';
export { findTrtexec, identifyTrtexec, type TrtexecIdentity, type TrtexecLocation } from './locate.js';
export {
  DEFAULT_TRTEXEC_OPTIONS,
  TRTEXEC_SAMPLE_METRICS,
  type TrtexecOptions,
  type TrtexecSampleMetric,
} from './options.js';
export {
  parseExportOutput,
  runTrtexecOutputs,
  type TrtexecOutputsRequest,
  type TrtexecOutputTensor,
} from './outputs.js';
export { type MetricSummary, parseTrtexecLog, type TrtexecLog } from './parse-log.js';
export {
  type ExportedTimes,
  type LayerProfile,
  parseExportProfile,
  parseExportTimes,
  splitWarmup,
} from './parse-times.js';
