/** Everything `edgebench env` reports: host, runtimes, and which execution providers work here. */
import type { EngineProbe } from '../engines/engine.js';
import { onnxruntimeVersion } from '../engines/ort.js';
import { probeExecutionProviders } from '../engines/ort-probe.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { describeHost, type HostInfo } from './host.js';

export interface EnvironmentReport {
  edgebench: string;
  host: HostInfo;
  onnxruntime: string;
  executionProviders: EngineProbe[];
}

export async function describeEnvironment(): Promise<EnvironmentReport> {
  const [host, executionProviders] = await Promise.all([describeHost(), probeExecutionProviders()]);
  return { edgebench: EDGEBENCH_VERSION, host, onnxruntime: onnxruntimeVersion(), executionProviders };
}
