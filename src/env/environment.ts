/** Everything `edgebench env` reports: host, runtimes, and which execution providers work here. */
import type { EngineProbe } from '../engines/engine.js';
import { onnxruntimeVersion } from '../engines/ort.js';
import { probeAllEngines } from '../engines/registry.js';
import { describeTelemetrySources, type SourceDetection } from '../telemetry/index.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { describeHost, type HostInfo } from './host.js';

export interface EnvironmentReport {
  edgebench: string;
  host: HostInfo;
  onnxruntime: string;
  /** Every engine and execution provider, whether it works here, and why not. */
  executionProviders: EngineProbe[];
  /** Telemetry sources (power, energy, clocks, temperatures), whether each works here, and why not. */
  telemetrySources: SourceDetection[];
}

export async function describeEnvironment(): Promise<EnvironmentReport> {
  const [host, executionProviders, telemetrySources] = await Promise.all([
    describeHost(),
    probeAllEngines(),
    describeTelemetrySources(),
  ]);
  return {
    edgebench: EDGEBENCH_VERSION,
    host,
    onnxruntime: onnxruntimeVersion(),
    executionProviders,
    telemetrySources,
  };
}
