/** The source registry: builds every requested source from resolved options. */
import { UserError } from '../../errors.js';
import type { ResolvedTelemetryOptions, TelemetryOptions } from '../options.js';
import {
  DEFAULT_TELEMETRY_INTERVAL_MS,
  type SourceInfos,
  TELEMETRY_SOURCE_IDS,
  type TelemetrySource,
  type TelemetrySourceId,
} from '../types.js';
import { CpuFreqSource } from './cpufreq.js';
import { JetsonSource } from './jetson.js';
import { NvidiaSmiSource } from './nvidia-smi.js';
import { ProcSource } from './proc.js';
import { RaplSource } from './rapl.js';
import { ThermalSource } from './thermal.js';

/** A source plus the static facts it found at detect time. */
export type SourceWithInfo = TelemetrySource & { readonly info: SourceInfos[TelemetrySourceId] | null };

/** Fills in defaults and checks values; names the option and the allowed values when one is wrong. */
export function resolveTelemetryOptions(options: TelemetryOptions = {}): ResolvedTelemetryOptions {
  const intervalMs = options.intervalMs ?? DEFAULT_TELEMETRY_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs < 10) {
    throw new UserError(`telemetry interval must be a number of milliseconds ≥ 10 (got ${intervalMs})`);
  }
  const pid = options.pid ?? process.pid;
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new UserError(`telemetry pid must be a positive integer (got ${pid})`);
  }
  const sources = options.sources ?? TELEMETRY_SOURCE_IDS;
  for (const id of sources) {
    if (!(TELEMETRY_SOURCE_IDS as readonly string[]).includes(id)) {
      throw new UserError(`unknown telemetry source '${id}': use one of ${TELEMETRY_SOURCE_IDS.join(', ')}`);
    }
  }
  const jetsonMode = options.jetsonMode ?? 'auto';
  if (!['auto', 'sysfs', 'tegrastats'].includes(jetsonMode)) {
    throw new UserError(`jetson telemetry mode must be auto, sysfs or tegrastats (got ${jetsonMode})`);
  }
  return {
    root: options.root ?? '/',
    pid,
    intervalMs,
    sources: [...new Set(sources)],
    commands: {
      nvidiaSmi: options.commands?.nvidiaSmi ?? 'nvidia-smi',
      tegrastats: options.commands?.tegrastats ?? 'tegrastats',
      nvpmodel: options.commands?.nvpmodel ?? 'nvpmodel',
    },
    jetsonMode,
  };
}

export function createSource(id: TelemetrySourceId, options: ResolvedTelemetryOptions): SourceWithInfo {
  switch (id) {
    case 'proc':
      return new ProcSource(options.root, options.pid);
    case 'cpufreq':
      return new CpuFreqSource(options.root);
    case 'thermal':
      return new ThermalSource(options.root);
    case 'rapl':
      return new RaplSource(options.root);
    case 'nvidia-smi':
      return new NvidiaSmiSource(options.commands.nvidiaSmi, options.intervalMs);
    case 'jetson':
      return new JetsonSource(options.root, options.jetsonMode, options.commands, options.intervalMs);
  }
}

/** Every requested source, in TELEMETRY_SOURCE_IDS order. */
export function createSources(options: ResolvedTelemetryOptions): SourceWithInfo[] {
  return TELEMETRY_SOURCE_IDS.filter((id) => options.sources.includes(id)).map((id) =>
    createSource(id, options),
  );
}
