/**
 * Pure parser for one line of `tegrastats` output. Handles the formats of JetPack 4 (Nano, TX2,
 * Xavier: rails as `NAME cur/avg` in mW, capitalised thermal zones), JetPack 5 (Xavier/Orin:
 * `NAME curmW/avgmW`, optional leading timestamp) and JetPack 6/7 (Orin: lowercase zones,
 * `GR3D_FREQ x%@[f,f]`, and in 7 a third rail value and `cur/max` temperatures).
 */

export interface TegrastatsLoad {
  /** Load relative to the current frequency, % (null when not printed). */
  loadPct: number | null;
  freqMHz: number | null;
}

export interface TegrastatsReading {
  /** The `MM-DD-YYYY HH:MM:SS` prefix newer releases print, as printed. */
  timestamp: string | null;
  ramUsedMb: number | null;
  ramTotalMb: number | null;
  swapUsedMb: number | null;
  swapTotalMb: number | null;
  /** One entry per core; `loadPct` null means the core is off. */
  cpus: TegrastatsLoad[];
  emc: TegrastatsLoad | null;
  gr3d: TegrastatsLoad | null;
  /** Temperatures by zone name, °C; disabled sensors (printed as -256C) are left out. */
  temperaturesC: Record<string, number>;
  /** Rails by name: instantaneous and running-average power, mW. */
  rails: Record<string, { mw: number; avgMw: number }>;
}

const TIMESTAMP = /^(\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2})\s+/;
const RAM = /\bRAM (\d+)\/(\d+)MB/;
const SWAP = /\bSWAP (\d+)\/(\d+)MB/;
const CPU = /\bCPU \[([^\]]*)\](?:@(\d+))?/;
const EMC = /\bEMC_FREQ (\d+)%(?:@(\d+))?/;
const GR3D = /\bGR3D_FREQ (?:(\d+)%)?(?:@\[?([\d,]+)\]?)?/;
const TEMP = /(?:^|\s)([A-Za-z][\w-]*)@(-?\d+(?:\.\d+)?)C(?:\/-?\d+(?:\.\d+)?C)?(?=\s|$)/g;
const RAIL = /(?:^|\s)([A-Za-z][A-Za-z0-9_]*) (\d+)(?:mW)?\/(\d+)(?:mW)?(?:\/\d+(?:mW)?)?(?=\s|$)/g;
const NOT_RAILS = new Set(['RAM', 'SWAP', 'IRAM', 'NC']);
/** tegrastats prints -256C (or lower) for a sensor that is powered off. */
const DISABLED_SENSOR_C = -40;

function maybe(value: string | undefined): number | null {
  return value === undefined || value === '' ? null : Number(value);
}

function parseCpus(inside: string, sharedFreq: string | undefined): TegrastatsLoad[] {
  return inside
    .split(',')
    .map((entry) => entry.trim())
    .map((entry) => {
      if (entry === 'off' || entry === '') return { loadPct: null, freqMHz: null };
      const match = /^(\d+)%(?:@(\d+))?$/.exec(entry);
      if (!match) return { loadPct: null, freqMHz: null };
      return { loadPct: Number(match[1]), freqMHz: maybe(match[2]) ?? maybe(sharedFreq) };
    });
}

/** Parses one tegrastats line; null if it is not one (no RAM field). */
export function parseTegrastatsLine(line: string): TegrastatsReading | null {
  let text = line.trim();
  let timestamp: string | null = null;
  const stamp = TIMESTAMP.exec(text);
  if (stamp) {
    timestamp = stamp[1];
    text = text.slice(stamp[0].length);
  }
  const ram = RAM.exec(text);
  if (!ram) return null;
  const swap = SWAP.exec(text);
  const cpu = CPU.exec(text);
  const emc = EMC.exec(text);
  const gr3d = GR3D.exec(text);

  const temperaturesC: Record<string, number> = {};
  for (const match of text.matchAll(TEMP)) {
    const value = Number(match[2]);
    if (value > DISABLED_SENSOR_C) temperaturesC[match[1]] = value;
  }
  const rails: TegrastatsReading['rails'] = {};
  for (const match of text.matchAll(RAIL)) {
    if (NOT_RAILS.has(match[1])) continue;
    rails[match[1]] = { mw: Number(match[2]), avgMw: Number(match[3]) };
  }

  let gr3dLoad: TegrastatsLoad | null = null;
  if (gr3d && (gr3d[1] !== undefined || gr3d[2] !== undefined)) {
    const freqs = (gr3d[2] ?? '')
      .split(',')
      .filter((value) => value !== '')
      .map(Number);
    gr3dLoad = { loadPct: maybe(gr3d[1]), freqMHz: freqs.length > 0 ? Math.max(...freqs) : null };
  }

  return {
    timestamp,
    ramUsedMb: Number(ram[1]),
    ramTotalMb: Number(ram[2]),
    swapUsedMb: swap ? Number(swap[1]) : null,
    swapTotalMb: swap ? Number(swap[2]) : null,
    cpus: cpu ? parseCpus(cpu[1], cpu[2]) : [],
    emc: emc ? { loadPct: Number(emc[1]), freqMHz: maybe(emc[2]) } : null,
    gr3d: gr3dLoad,
    temperaturesC,
    rails,
  };
}
