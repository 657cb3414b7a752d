/**
 * Jetson facts read on a device and handed over as text or numbers (by the device probe and the
 * device-side telemetry collector), turned into the same shapes the local Jetson source reports.
 */
import {
  maxPowerMode,
  parseNvpmodelConf,
  parseNvpmodelQuery,
  parseNvpmodelStatus,
} from '../telemetry/parse/nvpmodel.js';
import type { JetsonClocksState, JetsonPowerMode } from '../telemetry/types.js';

/** The power mode from `nvpmodel -q` output, else the status file; the maximum from /etc/nvpmodel.conf. */
export function powerModeFrom(
  query: string | null,
  conf: string | null,
  status: string | null,
): JetsonPowerMode | null {
  const parsedConf = parseNvpmodelConf(conf ?? '');
  const max = maxPowerMode(parsedConf.modes);
  const queried = query ? parseNvpmodelQuery(query) : null;
  const statusId = status ? parseNvpmodelStatus(status) : null;
  const current =
    queried ??
    (statusId === null
      ? null
      : { id: statusId, name: parsedConf.modes.find((m) => m.id === statusId)?.name ?? null });
  if (!current && !max) return null;
  return {
    id: current?.id ?? null,
    name: current?.name ?? null,
    maxId: max?.id ?? null,
    maxName: max?.name ?? null,
    isMax: current && max ? current.id === max.id : null,
    from: queried ? 'nvpmodel' : statusId !== null ? 'status-file' : null,
  };
}

export interface ClockLimits {
  cpus: Array<{ cpu: string | number; scalingMinKHz: number | null; scalingMaxKHz: number | null }>;
  gpu: { name: string; min: number | null; max: number | null } | null;
}

/** Locked clocks = every CPU's scaling minimum equals its maximum, and the GPU's devfreq minimum its maximum. */
export function clocksFrom(limits: ClockLimits): JetsonClocksState {
  const known = limits.cpus.filter((c) => c.scalingMinKHz !== null && c.scalingMaxKHz !== null);
  const gpu = limits.gpu && limits.gpu.min !== null && limits.gpu.max !== null ? limits.gpu : null;
  if (known.length === 0 && !gpu)
    return { locked: null, detail: 'no cpufreq or GPU devfreq limits readable' };
  const parts: string[] = [];
  const unlocked = known
    .filter((c) => c.scalingMinKHz !== c.scalingMaxKHz)
    .map((c) => String(c.cpu).replace(/^cpu/, ''));
  if (unlocked.length > 0) parts.push(`CPU ${unlocked.join(',')} min < max`);
  if (gpu && gpu.min !== gpu.max) parts.push(`GPU ${gpu.name} min ${gpu.min} < max ${gpu.max}`);
  const locked = parts.length === 0;
  return { locked, detail: locked ? 'CPU and GPU minimum clocks equal their maximum' : parts.join('; ') };
}

/** The devfreq entry that is the GPU, by the names Jetson generations use. */
export const GPU_DEVFREQ_NAME = /gpu|ga10b|gv11b|gp10b|gm20b/;

/** JetPack releases by the L4T release they ship (NVIDIA's release notes). */
const JETPACK_BY_L4T: Record<string, string> = {
  'R32.4.3': '4.4',
  'R32.4.4': '4.4.1',
  'R32.5.0': '4.5',
  'R32.5.1': '4.5.1',
  'R32.6.1': '4.6',
  'R32.7.1': '4.6.1',
  'R32.7.2': '4.6.2',
  'R32.7.3': '4.6.3',
  'R32.7.4': '4.6.4',
  'R32.7.5': '4.6.5',
  'R32.7.6': '4.6.6',
  'R35.1.0': '5.0.2',
  'R35.2.1': '5.1',
  'R35.3.1': '5.1.1',
  'R35.4.1': '5.1.2',
  'R35.5.0': '5.1.3',
  'R36.3.0': '6.0',
  'R36.4.0': '6.1',
  'R36.4.3': '6.2',
};

/** `# R32 (release), REVISION: 7.1, GCID: …` → `R32.7.1`. */
export function parseL4tRelease(text: string): string | null {
  const match = /R(\d+)\s*\(release\),\s*REVISION:\s*(\d+)\.(\d+)/.exec(text);
  return match ? `R${match[1]}.${match[2]}.${match[3]}` : null;
}

export function jetpackForL4t(l4t: string): string | null {
  return JETPACK_BY_L4T[l4t] ?? null;
}
