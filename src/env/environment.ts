/** Everything `edgebench env` reports: host, runtimes, and which execution providers work here. */
import type { EngineProbe } from '../engines/engine.js';
import { onnxruntimeVersion } from '../engines/ort-binding.js';
import { type EngineContext, probeAllEngines } from '../engines/registry.js';
import { choosePython, type PythonSource, torchUnavailableReason } from '../engines/torch/python.js';
import { describeHost, type HostInfo } from '../host/host.js';
import { describeTelemetrySources, type SourceDetection } from '../telemetry/index.js';
import { EDGEBENCH_VERSION } from '../version.js';

export interface EnvironmentReport {
  edgebench: string;
  host: HostInfo;
  onnxruntime: string;
  /** Every engine and execution provider, whether it works here, and why not. */
  executionProviders: EngineProbe[];
  /** Telemetry sources (power, energy, clocks, temperatures), whether each works here, and why not. */
  telemetrySources: SourceDetection[];
  /** The Python interpreter each Python-side engine uses, and why the others were passed over. */
  pythons: PythonUse[];
}

export interface PythonUse {
  engine: string;
  /** What the engine needs of it. */
  needs: string;
  chosen?: { python: string; source: PythonSource; version: string; executable?: string };
  skipped: Array<{ python: string; source: PythonSource; reason: string }>;
  reason?: string;
}

export async function describeEnvironment(context: EngineContext = {}): Promise<EnvironmentReport> {
  const [host, executionProviders, telemetrySources, torchPython] = await Promise.all([
    describeHost(),
    probeAllEngines(context),
    describeTelemetrySources(),
    // Probes are cached per interpreter, so this asks nothing the torch probe above does not.
    choosePython(torchUnavailableReason, context.python, context.env ?? process.env),
  ]);
  const { chosen, skipped, reason } = torchPython;
  return {
    edgebench: EDGEBENCH_VERSION,
    host,
    onnxruntime: onnxruntimeVersion(),
    executionProviders,
    telemetrySources,
    pythons: [
      {
        engine: 'torch',
        needs: 'torch importable',
        ...(chosen
          ? {
              chosen: {
                python: chosen.python,
                source: chosen.source,
                version: chosen.probe.info.python,
                ...(chosen.probe.info.executable ? { executable: chosen.probe.info.executable } : {}),
              },
            }
          : {}),
        skipped: skipped.map(({ python, source, reason }) => ({ python, source, reason })),
        ...(reason ? { reason } : {}),
      },
    ],
  };
}
