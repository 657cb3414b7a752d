/**
 * CPU package (and core/uncore/dram) energy from the powercap RAPL tree:
 * /sys/class/powercap/intel-rapl:N[:M]/{name,energy_uj,max_energy_range_uj}. AMD processors use the
 * same tree (same driver). energy_uj is a wrapping µJ counter; summaries unwrap it.
 */
import { isDir, listDir, readError, readLine, readNumber, under } from '../sysfs.js';
import type { RaplInfo, RaplSnapshot, RaplZoneInfo, SourceDetection } from '../types.js';
import { PolledFilesSource } from './polled-source.js';

const POWERCAP = '/sys/class/powercap';

export class RaplSource extends PolledFilesSource<'rapl'> {
  readonly id = 'rapl' as const;
  info: RaplInfo | null = null;

  async detect(): Promise<SourceDetection> {
    const dir = under(this.root, POWERCAP);
    if (!isDir(dir)) {
      return this.unavailable(
        `no ${POWERCAP}: the kernel has no powercap/RAPL driver here (usual in VMs and on ARM)`,
      );
    }
    // intel-rapl-mmio duplicates the package zone on some Intel parts; it is left out to avoid double counting.
    const ids = listDir(dir).filter((name) => /^intel-rapl:\d+(:\d+)?$/.test(name));
    if (ids.length === 0) {
      return this.unavailable(
        `${POWERCAP} has no intel-rapl zones (intel_rapl_msr not loaded, or no RAPL on this CPU)`,
      );
    }
    const zones: RaplZoneInfo[] = [];
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
      this.poll(id, path);
    }
    if (zones.length === 0) {
      const reason =
        denied.length > 0
          ? `${POWERCAP}/${denied[0]}/energy_uj is readable only by root (since the 2020 PLATYPUS fix); ` +
            `run as root or grant read access: sudo chmod a+r ${POWERCAP}/intel-rapl:*/energy_uj`
          : `no readable energy_uj under ${POWERCAP}`;
      return this.unavailable(reason);
    }
    this.info = { zones };
    return { id: this.id, available: true, details: { zones } };
  }

  protected snapshot(energyUj: Record<string, number>): RaplSnapshot {
    return { energyUj };
  }
}
