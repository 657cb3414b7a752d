/** Pure parsers for Jetson power-mode information: `nvpmodel -q`, /etc/nvpmodel.conf, its status file. */

export interface NvpmodelMode {
  id: number;
  name: string;
}

/** `nvpmodel -q` prints `NV Power Mode: MAXN` and the mode id on the next line (maybe after a fan line). */
export function parseNvpmodelQuery(text: string): NvpmodelMode | null {
  const lines = text.split('\n').map((line) => line.trim());
  for (let i = 0; i < lines.length; i++) {
    const match = /^NV Power Mode:\s*(\S+)/.exec(lines[i]);
    if (!match) continue;
    const id = Number(lines[i + 1]);
    return Number.isInteger(id) && lines[i + 1] !== '' ? { id, name: match[1] } : null;
  }
  return null;
}

/** Modes defined in /etc/nvpmodel.conf (`< POWER_MODEL ID=0 NAME=MAXN >`) and its default. */
export function parseNvpmodelConf(text: string): { modes: NvpmodelMode[]; defaultId: number | null } {
  const modes: NvpmodelMode[] = [];
  let defaultId: number | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const model = /^<\s*POWER_MODEL\s+ID=(\d+)\s+NAME=([^\s>]+)/.exec(line);
    if (model) modes.push({ id: Number(model[1]), name: model[2] });
    const config = /^<\s*PM_CONFIG\s+DEFAULT=(\d+)/.exec(line);
    if (config) defaultId = Number(config[1]);
  }
  return { modes, defaultId };
}

/** /var/lib/nvpmodel/status holds `pmode:0002` (and on some releases ` fmode:quiet`). */
export function parseNvpmodelStatus(text: string): number | null {
  const match = /pmode:(\d+)/.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * The mode with the most performance: one named MAXN (MAXN, MAXN_SUPER), else the one whose name
 * carries the highest wattage (`15W`, `MODE_30W_ALL`). Ids are not ordered by power (on an Orin
 * Nano Super 0=15W, 1=25W, 2=MAXN_SUPER, 3=7W), so the id alone says nothing.
 */
export function maxPowerMode(modes: readonly NvpmodelMode[]): NvpmodelMode | null {
  const maxn = modes.filter((mode) => /^MAXN/i.test(mode.name));
  if (maxn.length > 0) return maxn.find((mode) => /SUPER/i.test(mode.name)) ?? maxn[0];
  let best: NvpmodelMode | null = null;
  let bestWatts = -1;
  for (const mode of modes) {
    const watts = /(\d+)W/i.exec(mode.name);
    if (watts && Number(watts[1]) > bestWatts) {
      bestWatts = Number(watts[1]);
      best = mode;
    }
  }
  return best;
}
