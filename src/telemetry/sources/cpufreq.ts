/** CPU frequency per core from cpufreq: scaling_cur_freq (kHz), governor, hardware and policy limits. */
import { exists, listDir, readLine, readNumber, under } from '../sysfs.js';
import type { CpuFreqInfo, CpuFreqSnapshot } from '../types.js';
import { type Discovery, PolledFilesSource } from './polled-source.js';

const CPU_DIR = '/sys/devices/system/cpu';

/** CPU numbers with a cpufreq folder, and all CPU numbers. */
export function listCpus(root: string): { all: number[]; withCpufreq: number[] } {
  const all = listDir(under(root, CPU_DIR))
    .map((name) => /^cpu(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]));
  const withCpufreq = all.filter((cpu) => exists(under(root, `${CPU_DIR}/cpu${cpu}/cpufreq`)));
  return { all, withCpufreq };
}

/** Static cpufreq facts per CPU (limits, governor, driver). */
export function readCpuFreqInfo(root: string, cpus: readonly number[]): CpuFreqInfo {
  return {
    cpus: cpus.map((cpu) => {
      const dir = under(root, `${CPU_DIR}/cpu${cpu}/cpufreq`);
      return {
        cpu,
        minKHz: readNumber(`${dir}/cpuinfo_min_freq`),
        maxKHz: readNumber(`${dir}/cpuinfo_max_freq`),
        scalingMaxKHz: readNumber(`${dir}/scaling_max_freq`),
        scalingMinKHz: readNumber(`${dir}/scaling_min_freq`),
        governor: readLine(`${dir}/scaling_governor`),
        driver: readLine(`${dir}/scaling_driver`),
      };
    }),
  };
}

export class CpuFreqSource extends PolledFilesSource<'cpufreq', CpuFreqInfo> {
  readonly id = 'cpufreq' as const;

  protected discover(): Discovery<CpuFreqInfo> | string {
    const { all, withCpufreq } = listCpus(this.root);
    if (all.length === 0) return `no ${CPU_DIR}/cpu* folders (no sysfs?)`;
    if (withCpufreq.length === 0)
      return `no cpufreq driver: ${CPU_DIR}/cpu0/cpufreq is missing (usual in VMs and containers)`;
    const currentFreq = (cpu: number) => under(this.root, `${CPU_DIR}/cpu${cpu}/cpufreq/scaling_cur_freq`);
    const readable = withCpufreq.filter((cpu) => readNumber(currentFreq(cpu)) !== null);
    if (readable.length === 0) return 'cpufreq is present but scaling_cur_freq cannot be read';
    const info = readCpuFreqInfo(this.root, readable);
    const governors = [...new Set(info.cpus.map((cpu) => cpu.governor ?? '?'))];
    return {
      files: readable.map((cpu) => [cpu, currentFreq(cpu)]),
      info,
      details: { governors, driver: info.cpus[0]?.driver ?? null, cpus: info.cpus },
    };
  }

  protected snapshot(khz: Record<string, number>): CpuFreqSnapshot {
    return { khz };
  }
}
