/**
 * NVIDIA Jetson boards: INA3221 power rails read straight from sysfs (JetPack 4: iio
 * `rail_name_N`/`in_powerN_input` in mW; JetPack 5+: hwmon `inN_label`, `currN_input` mA ×
 * `inN_input` mV), or a long-lived `tegrastats --interval N` child when sysfs has no rails; the
 * nvpmodel power mode; and whether clocks are locked the way `jetson_clocks` leaves them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findExecutable, runCommand } from '../commands.js';
import {
  maxPowerMode,
  parseNvpmodelConf,
  parseNvpmodelQuery,
  parseNvpmodelStatus,
} from '../parse/nvpmodel.js';
import { parseTegrastatsLine, type TegrastatsReading } from '../parse/tegrastats.js';
import { exists, listDir, PolledFile, readLine, readNumber, readText, under } from '../sysfs.js';
import type {
  JetsonClocksState,
  JetsonInfo,
  JetsonPowerMode,
  JetsonSnapshot,
  SourceDetection,
  TelemetrySource,
} from '../types.js';
import { startHelper, stopHelper } from './children.js';
import { listCpus, readCpuFreqInfo } from './cpufreq.js';

/** Rails that measure the whole module's input; without one, the total is the sum of the rails. */
export const JETSON_TOTAL_RAILS = ['VDD_IN', 'POM_5V_IN'] as const;

export interface JetsonRail {
  name: string;
  /** Instantaneous power, mW, or null if it cannot be read now. */
  read(): number | null;
  close(): void;
}

/** INA3221 rails under the root, JetPack 4 (iio) and JetPack 5+ (hwmon) layouts. */
export function findJetsonRails(root: string): JetsonRail[] {
  const rails: JetsonRail[] = [];
  const oldDriver = under(root, '/sys/bus/i2c/drivers/ina3221x');
  for (const device of listDir(oldDriver)) {
    for (const iio of listDir(`${oldDriver}/${device}`).filter((name) => name.startsWith('iio:device'))) {
      const dir = `${oldDriver}/${device}/${iio}`;
      for (const file of listDir(dir)) {
        const match = /^rail_name_(\d+)$/.exec(file);
        if (!match) continue;
        const name = readLine(`${dir}/${file}`);
        const powerPath = `${dir}/in_power${match[1]}_input`;
        if (!name || name === 'NC' || readNumber(powerPath) === null) continue;
        const power = new PolledFile(powerPath);
        rails.push({ name, read: () => power.readNumber(), close: () => power.close() });
      }
    }
  }
  const newDriver = under(root, '/sys/bus/i2c/drivers/ina3221');
  for (const device of listDir(newDriver)) {
    const hwmonRoot = `${newDriver}/${device}/hwmon`;
    for (const hwmon of listDir(hwmonRoot).filter((name) => name.startsWith('hwmon'))) {
      const dir = `${hwmonRoot}/${hwmon}`;
      for (const file of listDir(dir)) {
        const match = /^in(\d+)_label$/.exec(file);
        if (!match || match[1] === '7') continue; // in7 is the sum of shunt voltages, not a rail
        const name = readLine(`${dir}/${file}`);
        const mvPath = `${dir}/in${match[1]}_input`;
        const maPath = `${dir}/curr${match[1]}_input`;
        if (!name || name === 'NC' || readNumber(mvPath) === null || readNumber(maPath) === null) continue;
        const volts = new PolledFile(mvPath);
        const amps = new PolledFile(maPath);
        rails.push({
          name,
          read: () => {
            const mv = volts.readNumber();
            const ma = amps.readNumber();
            return mv === null || ma === null ? null : (mv * ma) / 1000;
          },
          close: () => {
            volts.close();
            amps.close();
          },
        });
      }
    }
  }
  return rails;
}

/** GPU load files (per mille) across Jetson generations. */
const GPU_LOAD_PATHS = [
  '/sys/devices/gpu.0/load',
  '/sys/devices/platform/gpu.0/load',
  '/sys/devices/17000000.ga10b/load',
  '/sys/devices/17000000.gv11b/load',
  '/sys/devices/platform/17000000.ga10b/load',
  '/sys/devices/platform/17000000.gpu/load',
  '/sys/devices/platform/bus@0/17000000.gpu/load',
];

/** Is this a Jetson? Returns the board model and L4T release when it is. */
export function identifyJetson(root: string): {
  isJetson: boolean;
  model: string | null;
  l4t: string | null;
} {
  const release = readLine(under(root, '/etc/nv_tegra_release'));
  const model = readLine(under(root, '/proc/device-tree/model'));
  const l4tMatch = release ? /R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)/.exec(release) : null;
  const l4t = l4tMatch ? `R${l4tMatch[1]}.${l4tMatch[2]}` : release;
  const isJetson = release !== null || (model !== null && /jetson/i.test(model));
  return { isJetson, model, l4t };
}

/** The nvpmodel mode now and the board's maximum, from `nvpmodel -q` or the status + conf files. */
export async function readJetsonPowerMode(root: string, nvpmodel: string): Promise<JetsonPowerMode> {
  const conf = parseNvpmodelConf(readText(under(root, '/etc/nvpmodel.conf')) ?? '');
  const max = maxPowerMode(conf.modes);
  let current: { id: number; name: string | null } | null = null;
  let from: JetsonPowerMode['from'] = null;
  if (findExecutable(nvpmodel)) {
    const result = await runCommand(nvpmodel, ['-q'], 3000);
    const parsed = result.ok ? parseNvpmodelQuery(result.stdout) : null;
    if (parsed) {
      current = parsed;
      from = 'nvpmodel';
    }
  }
  if (current === null) {
    const id = parseNvpmodelStatus(readText(under(root, '/var/lib/nvpmodel/status')) ?? '');
    if (id !== null) {
      current = { id, name: conf.modes.find((mode) => mode.id === id)?.name ?? null };
      from = 'status-file';
    }
  }
  return {
    id: current?.id ?? null,
    name: current?.name ?? null,
    maxId: max?.id ?? null,
    maxName: max?.name ?? null,
    isMax: current === null || max === null ? null : current.id === max.id,
    from,
  };
}

/** Locked clocks = every CPU's scaling_min_freq equals its scaling_max_freq, and the GPU's devfreq min = max. */
export function readJetsonClocks(root: string): JetsonClocksState {
  const cpus = readCpuFreqInfo(root, listCpus(root).withCpufreq).cpus;
  const devfreqDir = under(root, '/sys/class/devfreq');
  const gpu = listDir(devfreqDir).find((name) => /gpu|ga10b|gv11b|gp10b|gm20b/.test(name));
  const gpuMin = gpu ? readNumber(`${devfreqDir}/${gpu}/min_freq`) : null;
  const gpuMax = gpu ? readNumber(`${devfreqDir}/${gpu}/max_freq`) : null;
  const knownCpus = cpus.filter((cpu) => cpu.scalingMinKHz !== null && cpu.scalingMaxKHz !== null);
  if (knownCpus.length === 0 && (gpuMin === null || gpuMax === null)) {
    return { locked: null, detail: 'no cpufreq or GPU devfreq limits readable' };
  }
  const unlockedCpus = knownCpus
    .filter((cpu) => cpu.scalingMinKHz !== cpu.scalingMaxKHz)
    .map((cpu) => cpu.cpu);
  const gpuUnlocked = gpuMin !== null && gpuMax !== null && gpuMin !== gpuMax;
  const parts: string[] = [];
  if (unlockedCpus.length > 0) parts.push(`CPU ${unlockedCpus.join(',')} min < max`);
  if (gpuUnlocked) parts.push(`GPU ${gpu} min ${gpuMin} < max ${gpuMax}`);
  const locked = parts.length === 0;
  return {
    locked,
    detail: locked ? 'CPU and GPU minimum clocks equal their maximum' : parts.join('; '),
  };
}

export class JetsonSource implements TelemetrySource<'jetson'> {
  readonly id = 'jetson' as const;
  info: JetsonInfo | null = null;
  private rails: JetsonRail[] = [];
  private gpuLoad: PolledFile | null = null;
  private child: ChildProcess | null = null;
  private latest: TegrastatsReading | null = null;
  private tegrastatsPath: string | null = null;

  constructor(
    private readonly root: string,
    private readonly mode: 'auto' | 'sysfs' | 'tegrastats',
    private readonly commands: { tegrastats: string; nvpmodel: string },
    private readonly intervalMs: number,
  ) {}

  async detect(): Promise<SourceDetection> {
    const board = identifyJetson(this.root);
    const rails = this.mode === 'tegrastats' ? [] : findJetsonRails(this.root);
    const tegrastats = this.mode === 'sysfs' ? null : findExecutable(this.commands.tegrastats);
    if (!board.isJetson && rails.length === 0) {
      return {
        id: this.id,
        available: false,
        reason:
          'not a Jetson: no /etc/nv_tegra_release, no Jetson device-tree model, no INA3221 power monitor',
      };
    }
    let mode: JetsonInfo['mode'];
    if (rails.length > 0) mode = 'sysfs';
    else if (tegrastats) mode = 'tegrastats';
    else {
      const looked =
        this.mode === 'sysfs'
          ? 'no INA3221 rails under /sys/bus/i2c/drivers/ina3221{,x}'
          : this.mode === 'tegrastats'
            ? `${this.commands.tegrastats} not found`
            : `no INA3221 rails under /sys/bus/i2c/drivers/ina3221{,x} and ${this.commands.tegrastats} not found`;
      return { id: this.id, available: false, reason: `Jetson without a power reading: ${looked}` };
    }
    this.rails = rails;
    this.tegrastatsPath = tegrastats;
    const gpuLoadPath = GPU_LOAD_PATHS.map((path) => under(this.root, path)).find(
      (path) => readNumber(path) !== null,
    );
    this.gpuLoad = gpuLoadPath === undefined ? null : new PolledFile(gpuLoadPath);
    let railNames = rails.map((rail) => rail.name);
    if (mode === 'tegrastats') railNames = await this.probeTegrastatsRails();
    this.info = {
      model: board.model,
      l4t: board.l4t,
      mode,
      rails: railNames,
      totalRail: JETSON_TOTAL_RAILS.find((name) => railNames.includes(name)) ?? null,
      powerMode: await readJetsonPowerMode(this.root, this.commands.nvpmodel),
      clocks: readJetsonClocks(this.root),
    };
    return { id: this.id, available: true, details: { ...this.info } };
  }

  /** Rail names from one tegrastats line (read by starting it briefly); empty if none came in 3 s. */
  private probeTegrastatsRails(): Promise<string[]> {
    return new Promise((resolve) => {
      const child = spawn(this.tegrastatsPath!, ['--interval', '100'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const done = (names: string[]): void => {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(names);
      };
      const timer = setTimeout(() => done([]), 3000);
      child.on('error', () => done([]));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const reading = parseTegrastatsLine(line);
        if (reading) done(Object.keys(reading.rails));
      });
    });
  }

  async start(): Promise<void> {
    if (this.info?.mode !== 'tegrastats' || !this.tegrastatsPath) return;
    const interval = String(Math.max(10, Math.round(this.intervalMs)));
    this.child = startHelper(this.tegrastatsPath, ['--interval', interval], (line) => {
      const reading = parseTegrastatsLine(line);
      if (reading) this.latest = reading;
    });
  }

  async read(): Promise<JetsonSnapshot | null> {
    if (this.info?.mode === 'tegrastats') {
      return this.latest ? tegrastatsSnapshot(this.latest) : null;
    }
    const railsMw: Record<string, number> = {};
    for (const rail of this.rails) {
      const mw = rail.read();
      if (mw !== null) railsMw[rail.name] = mw;
    }
    const load = this.gpuLoad ? this.gpuLoad.readNumber() : null;
    return {
      railsMw,
      gpuLoadPct: load === null ? null : load / 10,
      emcLoadPct: null,
      cpuLoadPct: null,
      cpuFreqMHz: null,
      celsius: null,
    };
  }

  async stop(): Promise<{ childCpuMs: number | null }> {
    for (const rail of this.rails) rail.close();
    this.gpuLoad?.close();
    const child = this.child;
    this.child = null;
    return stopHelper(child);
  }
}

/** One tegrastats line's reading as a snapshot (here, or read back from a remote device's sampler). */
export function tegrastatsSnapshot(reading: TegrastatsReading): JetsonSnapshot {
  const railsMw: Record<string, number> = {};
  for (const [name, rail] of Object.entries(reading.rails)) railsMw[name] = rail.mw;
  return {
    railsMw,
    gpuLoadPct: reading.gr3d?.loadPct ?? null,
    emcLoadPct: reading.emc?.loadPct ?? null,
    cpuLoadPct: reading.cpus.map((cpu) => cpu.loadPct),
    cpuFreqMHz: reading.cpus.map((cpu) => cpu.freqMHz),
    celsius: reading.temperaturesC,
  };
}

/** True when the root looks like a Jetson (used by pre-run checks). */
export function isJetson(root: string): boolean {
  return identifyJetson(root).isJetson || exists(under(root, '/sys/bus/i2c/drivers/ina3221x'));
}
