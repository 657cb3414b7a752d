/** For `edgebench env`: every telemetry source, whether it works here, and why not. */
import type { TelemetryOptions } from './options.js';
import { detectAll } from './sampling-loop.js';
import { createSources, resolveTelemetryOptions } from './sources/index.js';
import type { SourceDetection } from './types.js';

/** Detects every source (nothing is started); never throws for a missing sensor. */
export async function describeTelemetrySources(options: TelemetryOptions = {}): Promise<SourceDetection[]> {
  return detectAll(createSources(resolveTelemetryOptions(options)));
}
