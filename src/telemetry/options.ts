/** Settings shared by the sources, the sampler and the checks. Plain data: it crosses into a worker. */
import type { TelemetrySourceId } from './types.js';

export interface TelemetryOptions {
  /** Folder that stands for `/` when reading /proc, /sys and /etc (tests lay fake trees out there). Default '/'. */
  root?: string;
  /** The process to watch (the one running the measurement). Default: this process. */
  pid?: number;
  /** Sampling interval, ms. Default 100 (DEFAULT_TELEMETRY_INTERVAL_MS). */
  intervalMs?: number;
  /** Sources to use; default all of TELEMETRY_SOURCE_IDS (unavailable ones are listed with their reason). */
  sources?: readonly TelemetrySourceId[];
  /** Executables, by name on PATH or by path. */
  commands?: { nvidiaSmi?: string; tegrastats?: string; nvpmodel?: string };
  /** Jetson: read INA3221 rails from sysfs, or parse a tegrastats child; `auto` prefers sysfs. */
  jetsonMode?: 'auto' | 'sysfs' | 'tegrastats';
}

export interface ResolvedTelemetryOptions {
  root: string;
  pid: number;
  intervalMs: number;
  sources: readonly TelemetrySourceId[];
  commands: { nvidiaSmi: string; tegrastats: string; nvpmodel: string };
  jetsonMode: 'auto' | 'sysfs' | 'tegrastats';
}
