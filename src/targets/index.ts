/** Targets: the devices a measurement runs on (this machine, or a board over SSH), and how to reach them. */
export {
  type BundleFile,
  type BundleResult,
  DeviceCache,
  deviceFileName,
  type UploadResult,
} from './cache.js';
export {
  addTarget,
  defaultTargetsPath,
  loadTargets,
  removeTarget,
  resolveTarget,
  TARGETS_ENV_VAR,
  type TargetEntry,
} from './config.js';
export { classifySshFailure, TARGET_FAILURE_KINDS, TargetError, type TargetFailureKind } from './errors.js';
export { openTarget, transportFor } from './open.js';
export {
  DEVICE_ENGINE_IDS,
  DEVICE_LEVELS,
  type DeviceDescription,
  type DeviceEngine,
  type DeviceEngineId,
  type DeviceLevel,
  deviceDescriptionSchema,
  type ProbeOptions,
  probeDevice,
} from './probe.js';
export { type PythonRunnerRequest, runPythonRunner } from './python-runner.js';
export { DEVICE_SCRIPTS, type DeviceScripts, deviceScriptPath, installDeviceScripts } from './runners.js';
export {
  connectTarget,
  describeTarget,
  deviceEngineFor,
  hostInfoOf,
  openOnTarget,
  startTargetTelemetry,
  type TargetConnection,
  type TargetEngineOptions,
} from './sessions.js';
export { remoteCommandLine, shellQuote } from './shell.js';
export {
  checkTargetName,
  formatAddress,
  LOCAL_TARGET,
  parseSshUrl,
  type SshAddress,
  type TargetSpec,
  targetLabel,
  targetName,
} from './spec.js';
export { SSH_ENV_VAR, SshTransport, type SshTransportOptions } from './ssh.js';
export {
  type DeviceTelemetryOptions,
  type DeviceTelemetryRecord,
  type DeviceTelemetrySession,
  deviceEpochMs,
  deviceWindow,
  startDeviceTelemetry,
} from './telemetry.js';
export {
  type ExecOptions,
  type ExecResult,
  LocalTransport,
  type RemoteProcess,
  type StartOptions,
  type Transport,
} from './transport.js';
export { type DeviceTrtexecParts, deviceTrtexecHost } from './trtexec-host.js';
