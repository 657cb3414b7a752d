/**
 * CPU package (and core/uncore/dram) energy from the powercap RAPL tree:
 * /sys/class/powercap/intel-rapl:N[:M]/{name,energy_uj,max_energy_range_uj}. AMD processors use the
 * same tree (same driver). energy_uj is a wrapping µJ counter; summaries unwrap it.
 */
import { isDir, listDir, readError, readLine, readNumber, under } from '../sysfs.js';
import type { RaplInfo, RaplSnapshot, RaplZoneInfo } from '../types.js';
import { type Discovery, PolledFilesSource } from './polled-source.js';

const POWERCAP = '/sys/class/powercap';

export class RaplSource extends PolledFilesSource<'rapl', RaplInfo> {
  readonly id = 'rapl' as const;

  protected discover(): Discovery<RaplInfo> | string {
    const dir = under(this.root, POWERCAP);
    if (!isDir(dir))
      return `no ${POWERCAP}: the kernel has no powercap/RAPL driver here (usual in VMs and on ARM)`;
    // intel-rapl-mmio duplicates the package zone on some Intel parts; it is left out to avoid double counting.
    const ids = listDir(dir).filter((name) => /^intel-rapl:\d+(:\d+)?$/.test(name));
    if (ids.length === 0)
      return `${POWERCAP} has no intel-rapl zones (intel_rapl_msr not loaded, or no RAPL on this CPU)`;
    const zones: RaplZoneInfo[] = [];
    const files: Discovery<RaplInfo>['files'] = [];
    const denied: string[] = [];
    for (const id of ids) {
      const path = `${dir}/${id}/energy_uj`;
      const error = readError(path);
      if (error === 'EACCES' || error === 'EPERM') {
        denied.push(id);
        continue;
      }
      if (readNumber(path) === null) continue;
      const parts = id.split(':');
      zones.push({
        id,
        name: readLine(`${dir}/${id}/name`) ?? id,
        maxEnergyRangeUj: readNumber(`${dir}/${id}/max_energy_range_uj`),
        parent: parts.length === 3 ? `${parts[0]}:${parts[1]}` : null,
      });
      files.push([id, path]);
    }
    if (zones.length === 0) {
      const reason =
        denied.length > 0
          ? `${POWERCAP}/${denied[0]}/energy_uj is readable only by root (since the 2020 PLATYPUS fix); ` +
            `run as root or grant read access: sudo chmod a+r ${POWERCAP}/intel-rapl:*/energy_uj`
          : `no readable energy_uj under ${POWERCAP}`;
      return reason;
    }
    return { files, info: { zones }, details: { zones } };
  }

  protected snapshot(energyUj: Record<string, number>): RaplSnapshot {
    return { energyUj };
  }
}
