/** Everything `edgebench env` reports: host, runtimes, and which execution providers work here. */
import type { EngineProbe } from '../engines/engine.js';
import { onnxruntimeVersion } from '../engines/ort.js';
import { probeAllEngines } from '../engines/registry.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { describeHost, type HostInfo } from './host.js';

export interface EnvironmentReport {
  edgebench: string;
  host: HostInfo;
  onnxruntime: string;
  /** Every engine and execution provider, whether it works here, and why not. */
  executionProviders: EngineProbe[];
}

export async function describeEnvironment(): Promise<EnvironmentReport> {
  const [host, executionProviders] = await Promise.all([describeHost(), probeAllEngines()]);
  return { edgebench: EDGEBENCH_VERSION, host, onnxruntime: onnxruntimeVersion(), executionProviders };
}
