/** Fleets: studies measured across many devices, jobs on BullMQ (Redis), results in PostgreSQL. */
export { type AgentOptions, FleetAgent, type JobOutcome } from './agent.js';
export { type AgentCapabilities, capabilitiesFrom } from './capabilities.js';
export {
  fleetRedactor,
  QUEUE_ENV_VAR,
  REDIS_PASSWORD_ENV_VAR,
  reconnectDelayMs,
  redisOptions,
  resolveFleetStoreUrl,
  resolveQueueUrl,
} from './connection.js';
export {
  ANY_DEVICE,
  deviceClassName,
  meetsRequirements,
  parseDeviceClass,
  parseDeviceClasses,
  parseQueueName,
  parseTags,
  type QueueRequirements,
  queueNameFor,
} from './devices.js';
export { defaultCacheDir, ensureModel, ModelHashMismatch, sha256Bytes } from './model-cache.js';
export { FLEET_JOB_NAME, type FleetJob, fleetJobId, fleetJobSchema, parseFleetJob } from './payload.js';
export { type AgentHeartbeat, FleetRegistry, type RegisteredQueue } from './registry.js';
export { retryTransient } from './retry.js';
export { type AgentStatus, type FleetStatus, fleetStatus, type QueueStatus } from './status.js';
export {
  FLEET_SOURCE_PREFIX,
  type SubmitEvent,
  type SubmitOptions,
  type SubmitOutcome,
  submitFleetStudy,
} from './submit.js';
