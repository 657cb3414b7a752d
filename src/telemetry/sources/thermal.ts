/**
 * Temperatures from thermal zones (/sys/class/thermal/thermal_zone*: temp, type, trip points) and
 * hwmon chips (/sys/class/hwmon/hwmon*: name, temp*_input, temp*_label, temp*_max, temp*_crit).
 * Values are millidegrees Celsius.
 */
import { listDir, readLine, readNumber, under } from '../sysfs.js';
import type { ThermalInfo, ThermalSensorInfo, ThermalSnapshot } from '../types.js';
import { type Discovery, PolledFilesSource } from './polled-source.js';

/** Readings at or below this are disabled sensors (Jetson prints -256 °C), not temperatures. */
const DISABLED_SENSOR_C = -40;

interface SensorPath extends ThermalSensorInfo {
  path: string;
}

function zoneLimit(dir: string): Pick<ThermalSensorInfo, 'limitC' | 'limitKind'> {
  // Throttling starts at a passive trip; hot and critical come after it.
  const trips: Record<'passive' | 'hot' | 'critical', number[]> = { passive: [], hot: [], critical: [] };
  for (const name of listDir(dir)) {
    const match = /^trip_point_(\d+)_type$/.exec(name);
    if (!match) continue;
    const type = readLine(`${dir}/${name}`);
    const temp = readNumber(`${dir}/trip_point_${match[1]}_temp`);
    if (temp === null || temp <= 0) continue;
    if (type === 'passive' || type === 'hot' || type === 'critical') trips[type].push(temp / 1000);
  }
  for (const kind of ['passive', 'hot', 'critical'] as const) {
    if (trips[kind].length > 0) return { limitC: Math.min(...trips[kind]), limitKind: kind };
  }
  return { limitC: null, limitKind: null };
}

/** Every temperature sensor under the root that reads a plausible value now. */
export function findThermalSensors(root: string): { sensors: SensorPath[]; skipped: string[] } {
  const sensors: SensorPath[] = [];
  const skipped: string[] = [];
  const zonesDir = under(root, '/sys/class/thermal');
  for (const zone of listDir(zonesDir)) {
    const match = /^thermal_zone(\d+)$/.exec(zone);
    if (!match) continue;
    const dir = `${zonesDir}/${zone}`;
    const type = readLine(`${dir}/type`) ?? zone;
    const path = `${dir}/temp`;
    const value = readNumber(path);
    const key = `zone${match[1]}:${type}`;
    if (value === null || value / 1000 <= DISABLED_SENSOR_C) {
      skipped.push(key);
      continue;
    }
    sensors.push({ key, kind: 'thermal_zone', name: type, path, ...zoneLimit(dir) });
  }
  const hwmonDir = under(root, '/sys/class/hwmon');
  for (const chip of listDir(hwmonDir)) {
    const dir = `${hwmonDir}/${chip}`;
    const name = readLine(`${dir}/name`) ?? chip;
    for (const file of listDir(dir)) {
      const match = /^temp(\d+)_input$/.exec(file);
      if (!match) continue;
      const n = match[1];
      const label = readLine(`${dir}/temp${n}_label`) ?? `temp${n}`;
      const key = `${chip}:${name}:${label}`;
      const path = `${dir}/${file}`;
      const value = readNumber(path);
      if (value === null || value / 1000 <= DISABLED_SENSOR_C) {
        skipped.push(key);
        continue;
      }
      const max = readNumber(`${dir}/temp${n}_max`);
      const crit = readNumber(`${dir}/temp${n}_crit`);
      const limit: Pick<ThermalSensorInfo, 'limitC' | 'limitKind'> =
        max !== null && max > 0
          ? { limitC: max / 1000, limitKind: 'max' }
          : crit !== null && crit > 0
            ? { limitC: crit / 1000, limitKind: 'crit' }
            : { limitC: null, limitKind: null };
      sensors.push({ key, kind: 'hwmon', name: `${name} ${label}`, path, ...limit });
    }
  }
  return { sensors, skipped };
}

export class ThermalSource extends PolledFilesSource<'thermal', ThermalInfo> {
  readonly id = 'thermal' as const;

  protected discover(): Discovery<ThermalInfo> | string {
    const { sensors, skipped } = findThermalSensors(this.root);
    if (sensors.length === 0) {
      const skippedNote =
        skipped.length > 0 ? ` (${skipped.length} sensor(s) exist but do not read now)` : '';
      return `no readable temperature sensor: /sys/class/thermal has no thermal_zone* and /sys/class/hwmon no temp*_input${skippedNote} (usual in VMs)`;
    }
    const info = { sensors: sensors.map(({ path: _path, ...sensor }) => sensor) };
    return {
      files: sensors.map((sensor) => [sensor.key, sensor.path]),
      info,
      details: { sensors: info.sensors, skipped },
    };
  }

  /** Millidegrees to °C; a sensor reading at or below the disabled mark is left out. */
  protected override convert(milli: number): number | null {
    return milli / 1000 > DISABLED_SENSOR_C ? milli / 1000 : null;
  }

  protected snapshot(celsius: Record<string, number>): ThermalSnapshot {
    return { celsius };
  }
}
