/** PyTorch through a Python subprocess: the engine, its options, and the runner protocol. */
export { CUSTOM_VIDEO_ARCHITECTURES, TORCH_ARCHITECTURES, type TorchArchitecture } from './architectures.js';
export {
  resolveTorchModel,
  TorchEngine,
  type TorchEnvironment,
  type TorchModelSpec,
  torchInputs,
} from './engine.js';
export { DEFAULT_TORCH_OPTIONS, TORCH_DEVICES, type TorchDevice, type TorchOptions } from './options.js';
export {
  ProtocolReader,
  parseProtocolLine,
  type RunEvent,
  type RunnerReport,
  TORCH_PROTOCOL_VERSION,
} from './protocol.js';
export {
  choosePython,
  type PythonCandidate,
  type PythonChoice,
  type PythonProbe,
  probePython,
  pythonCandidates,
  runnerScriptPath,
} from './python.js';
