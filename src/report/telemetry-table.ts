/** The telemetry lines of a run's terminal view: what was sampled, and energy only where measured. */
import type { TelemetrySummary } from '../telemetry/index.js';
import { bytes } from './format.js';

const fixed = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

/** `peakRssMb` holds MiB (procfs kB / 1024): printed with the run table's binary units. */
const peakRss = (mib: number | null): string => (mib === null ? '—' : bytes(mib * 1024 * 1024));

export function formatTelemetry(t: TelemetrySummary): string {
  const lines = [
    `telemetry (${t.sourcesUsed.join(', ') || 'no source'}; sampler ${fixed(t.sampler.pctOfCore, 2)}% of a core)`,
  ];
  const s = t.sources;
  if (s.proc) {
    lines.push(
      `  cpu: this process ${fixed(s.proc.processCpuPctMean)}% of a core (max ${fixed(s.proc.processCpuPctMax)}%), system ${fixed(s.proc.systemCpuPctMean)}% busy; peak RSS ${peakRss(s.proc.peakRssMb)}`,
    );
  }
  if (s.cpufreq)
    lines.push(
      `  cpu clock: ${fixed(s.cpufreq.minMHz, 0)}–${fixed(s.cpufreq.maxMHz, 0)} MHz (hardware max ${fixed(s.cpufreq.hardwareMaxMHz, 0)})`,
    );
  if (s.thermal)
    lines.push(
      `  temperature: max ${fixed(s.thermal.maxC)} °C${s.thermal.hottest ? ` (${s.thermal.hottest})` : ''}`,
    );
  const e = t.energy;
  if (e) {
    const label = e.estimated ? 'ESTIMATED energy' : 'energy';
    lines.push(
      `  ${label} (${e.method}; ${e.scope}): ${fixed(e.mJPerInference, 2)} mJ/inference, ${fixed(e.inferencesPerJoule, 1)} inferences/J, ${fixed(e.avgPowerW, 2)} W average, ${fixed(e.co2eGramsPer1000, 4)} g CO2e per 1000 at ${e.gridIntensityGPerKWh} g/kWh`,
    );
  } else {
    lines.push(`  energy: not measured — ${t.energyAbsentReason ?? 'no energy sensor'}`);
  }
  return lines.join('\n');
}
