import { afterAll, describe, expect, it } from 'vitest';
import { describeTelemetrySources, TELEMETRY_SOURCE_IDS } from '../../src/telemetry/index.js';
import { CpuFreqSource } from '../../src/telemetry/sources/cpufreq.js';
import { JetsonSource } from '../../src/telemetry/sources/jetson.js';
import { NvidiaSmiSource } from '../../src/telemetry/sources/nvidia-smi.js';
import { ProcSource } from '../../src/telemetry/sources/proc.js';
import { RaplSource } from '../../src/telemetry/sources/rapl.js';
import { ThermalSource } from '../../src/telemetry/sources/thermal.js';
import { cleanupFakeRoots, fakeProgram, fakeRoot, pidStat, pidStatus, procStat } from './fake-root.js';

afterAll(cleanupFakeRoots);

const CPU = 'sys/devices/system/cpu';

describe('proc source', () => {
  it('reads process CPU time, RSS, peak RSS and system ticks of a given pid', async () => {
    const root = await fakeRoot({
      'proc/4321/stat': pidStat(4321, 'bench worker', 250, 50),
      'proc/4321/status': pidStatus(102400, 204800),
      'proc/stat': procStat(1000, 9000),
    });
    const source = new ProcSource(root, 4321);
    const detection = await source.detect();
    expect(detection).toMatchObject({
      id: 'proc',
      available: true,
      details: { pid: 4321, command: 'bench worker' },
    });
    expect(await source.read()).toEqual({
      processCpuMs: 3000, // (250 + 50) ticks × 10 ms
      rssKb: 102400,
      peakRssKb: 204800,
      systemBusyTicks: 1000,
      systemTotalTicks: 10000,
    });
  });

  it('says why when the process is not there', async () => {
    const root = await fakeRoot({ 'proc/stat': procStat(1, 1) });
    const detection = await new ProcSource(root, 999).detect();
    expect(detection.available).toBe(false);
    expect(detection.reason).toMatch(/cannot read \/proc\/999\/stat \(ENOENT\)/);
  });
});

describe('cpufreq source', () => {
  it('reads scaling_cur_freq of every CPU that has cpufreq, with limits and governors', async () => {
    const tree: Record<string, string | number> = {};
    for (const cpu of [0, 1, 2]) {
      tree[`${CPU}/cpu${cpu}/cpufreq/scaling_cur_freq`] = 2_800_000 - cpu * 100_000;
      tree[`${CPU}/cpu${cpu}/cpufreq/cpuinfo_max_freq`] = 3_000_000;
      tree[`${CPU}/cpu${cpu}/cpufreq/cpuinfo_min_freq`] = 800_000;
      tree[`${CPU}/cpu${cpu}/cpufreq/scaling_governor`] = cpu === 0 ? 'performance\n' : 'powersave\n';
      tree[`${CPU}/cpu${cpu}/cpufreq/scaling_driver`] = 'intel_pstate\n';
    }
    tree[`${CPU}/cpu3/online`] = 1; // a CPU without cpufreq
    const root = await fakeRoot(tree);
    const source = new CpuFreqSource(root);
    const detection = await source.detect();
    expect(detection.available).toBe(true);
    expect(detection.details?.governors).toEqual(['performance', 'powersave']);
    expect(source.info?.cpus.map((cpu) => cpu.maxKHz)).toEqual([3_000_000, 3_000_000, 3_000_000]);
    expect(await source.read()).toEqual({ khz: { 0: 2_800_000, 1: 2_700_000, 2: 2_600_000 } });
  });

  it('says why without a cpufreq driver (as in a VM)', async () => {
    const root = await fakeRoot({ [`${CPU}/cpu0/online`]: 1, [`${CPU}/cpu1/online`]: 1 });
    const detection = await new CpuFreqSource(root).detect();
    expect(detection).toMatchObject({ available: false });
    expect(detection.reason).toMatch(/no cpufreq driver/);
    const empty = await new CpuFreqSource(await fakeRoot()).detect();
    expect(empty.reason).toMatch(/no \/sys\/devices\/system\/cpu\/cpu\* folders/);
  });
});

describe('thermal source', () => {
  it('reads thermal zones and hwmon sensors, with their limits; skips disabled sensors', async () => {
    const root = await fakeRoot({
      'sys/class/thermal/thermal_zone0/type': 'x86_pkg_temp\n',
      'sys/class/thermal/thermal_zone0/temp': 54000,
      'sys/class/thermal/thermal_zone0/trip_point_0_type': 'passive\n',
      'sys/class/thermal/thermal_zone0/trip_point_0_temp': 95000,
      'sys/class/thermal/thermal_zone0/trip_point_1_type': 'critical\n',
      'sys/class/thermal/thermal_zone0/trip_point_1_temp': 105000,
      'sys/class/thermal/thermal_zone1/type': 'CV0-therm\n',
      'sys/class/thermal/thermal_zone1/temp': -256000,
      'sys/class/thermal/cooling_device0/type': 'Fan\n',
      'sys/class/hwmon/hwmon2/name': 'coretemp\n',
      'sys/class/hwmon/hwmon2/temp1_input': 55000,
      'sys/class/hwmon/hwmon2/temp1_label': 'Package id 0\n',
      'sys/class/hwmon/hwmon2/temp1_max': 100000,
      'sys/class/hwmon/hwmon2/temp1_crit': 110000,
      'sys/class/hwmon/hwmon3/name': 'nvme\n',
      'sys/class/hwmon/hwmon3/temp1_input': 38850,
    });
    const source = new ThermalSource(root);
    const detection = await source.detect();
    expect(detection.available).toBe(true);
    expect(detection.details?.skipped).toEqual(['zone1:CV0-therm']);
    expect(source.info?.sensors).toEqual([
      {
        key: 'zone0:x86_pkg_temp',
        kind: 'thermal_zone',
        name: 'x86_pkg_temp',
        limitC: 95,
        limitKind: 'passive',
      },
      {
        key: 'hwmon2:coretemp:Package id 0',
        kind: 'hwmon',
        name: 'coretemp Package id 0',
        limitC: 100,
        limitKind: 'max',
      },
      { key: 'hwmon3:nvme:temp1', kind: 'hwmon', name: 'nvme temp1', limitC: null, limitKind: null },
    ]);
    expect(await source.read()).toEqual({
      celsius: { 'zone0:x86_pkg_temp': 54, 'hwmon2:coretemp:Package id 0': 55, 'hwmon3:nvme:temp1': 38.85 },
    });
  });

  it('says why when there is no sensor', async () => {
    const root = await fakeRoot({ 'sys/class/thermal/cooling_device0/type': 'Processor\n' });
    const detection = await new ThermalSource(root).detect();
    expect(detection.available).toBe(false);
    expect(detection.reason).toMatch(/no readable temperature sensor/);
  });
});

describe('rapl source', () => {
  it('reads package and subzone counters; leaves out intel-rapl-mmio', async () => {
    const root = await fakeRoot({
      'sys/class/powercap/intel-rapl/enabled': 1,
      'sys/class/powercap/intel-rapl:0/name': 'package-0\n',
      'sys/class/powercap/intel-rapl:0/energy_uj': 123456789,
      'sys/class/powercap/intel-rapl:0/max_energy_range_uj': 262143328850,
      'sys/class/powercap/intel-rapl:0:0/name': 'core\n',
      'sys/class/powercap/intel-rapl:0:0/energy_uj': 2345678,
      'sys/class/powercap/intel-rapl:0:0/max_energy_range_uj': 262143328850,
      'sys/class/powercap/intel-rapl-mmio:0/name': 'package-0\n',
      'sys/class/powercap/intel-rapl-mmio:0/energy_uj': 999,
    });
    const source = new RaplSource(root);
    const detection = await source.detect();
    expect(detection.available).toBe(true);
    expect(source.info?.zones).toEqual([
      { id: 'intel-rapl:0', name: 'package-0', maxEnergyRangeUj: 262143328850, parent: null },
      { id: 'intel-rapl:0:0', name: 'core', maxEnergyRangeUj: 262143328850, parent: 'intel-rapl:0' },
    ]);
    expect(await source.read()).toEqual({
      energyUj: { 'intel-rapl:0': 123456789, 'intel-rapl:0:0': 2345678 },
    });
  });

  it('says why without powercap, and without RAPL zones', async () => {
    const none = await new RaplSource(await fakeRoot()).detect();
    expect(none.available).toBe(false);
    expect(none.reason).toMatch(/no \/sys\/class\/powercap/);
    const noZones = await new RaplSource(await fakeRoot({ 'sys/class/powercap/dtpm/enabled': 1 })).detect();
    expect(noZones.reason).toMatch(/no intel-rapl zones/);
  });

  it.skipIf(process.getuid?.() === 0)('says how to fix energy_uj readable only by root', async () => {
    const root = await fakeRoot({
      'sys/class/powercap/intel-rapl:0/name': 'package-0\n',
      'sys/class/powercap/intel-rapl:0/energy_uj': 1,
    });
    const { chmod } = await import('node:fs/promises');
    await chmod(`${root}/sys/class/powercap/intel-rapl:0/energy_uj`, 0o000);
    const detection = await new RaplSource(root).detect();
    expect(detection.reason).toMatch(/readable only by root/);
  });
});

const JETSON_RELEASE =
  '# R32 (release), REVISION: 7.4, GCID: 33514132, BOARD: t210ref, EABI: aarch64, DATE: Fri Jun  9 04:25:08 UTC 2023\n';

describe('jetson source', () => {
  it('reads JetPack 4 INA3221 iio rails, the power mode from the status file, and clock locks', async () => {
    const iio = 'sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0';
    const root = await fakeRoot({
      'etc/nv_tegra_release': JETSON_RELEASE,
      'proc/device-tree/model': 'NVIDIA Jetson Nano Developer Kit\0',
      [`${iio}/rail_name_0`]: 'POM_5V_IN\n',
      [`${iio}/in_power0_input`]: 2584,
      [`${iio}/rail_name_1`]: 'POM_5V_GPU\n',
      [`${iio}/in_power1_input`]: 40,
      [`${iio}/rail_name_2`]: 'POM_5V_CPU\n',
      [`${iio}/in_power2_input`]: 459,
      'etc/nvpmodel.conf':
        '< POWER_MODEL ID=0 NAME=MAXN >\n< POWER_MODEL ID=1 NAME=5W >\n< PM_CONFIG DEFAULT=0 >\n',
      'var/lib/nvpmodel/status': 'pmode:0001\n',
      [`${CPU}/cpu0/cpufreq/scaling_min_freq`]: 102000,
      [`${CPU}/cpu0/cpufreq/scaling_max_freq`]: 1479000,
      [`${CPU}/cpu0/cpufreq/scaling_cur_freq`]: 1479000,
      'sys/devices/gpu.0/load': 523,
    });
    const source = new JetsonSource(
      root,
      'auto',
      { tegrastats: 'no-such-tegrastats', nvpmodel: 'no-such-nvpmodel' },
      100,
    );
    const detection = await source.detect();
    expect(detection.available).toBe(true);
    expect(source.info).toMatchObject({
      model: 'NVIDIA Jetson Nano Developer Kit',
      l4t: 'R32.7.4',
      mode: 'sysfs',
      rails: ['POM_5V_IN', 'POM_5V_GPU', 'POM_5V_CPU'],
      totalRail: 'POM_5V_IN',
      powerMode: { id: 1, name: '5W', maxId: 0, maxName: 'MAXN', isMax: false, from: 'status-file' },
      clocks: { locked: false },
    });
    expect(await source.read()).toEqual({
      railsMw: { POM_5V_IN: 2584, POM_5V_GPU: 40, POM_5V_CPU: 459 },
      gpuLoadPct: 52.3,
      emcLoadPct: null,
      cpuLoadPct: null,
      cpuFreqMHz: null,
      celsius: null,
    });
  });

  it('reads JetPack 5+ hwmon rails as mV × mA, skipping NC and the shunt sum', async () => {
    const hwmon = 'sys/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3';
    const root = await fakeRoot({
      'etc/nv_tegra_release':
        '# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64\n',
      [`${hwmon}/name`]: 'ina3221\n',
      [`${hwmon}/in1_label`]: 'VDD_IN\n',
      [`${hwmon}/in1_input`]: 5072,
      [`${hwmon}/curr1_input`]: 946,
      [`${hwmon}/in2_label`]: 'VDD_CPU_GPU_CV\n',
      [`${hwmon}/in2_input`]: 5072,
      [`${hwmon}/curr2_input`]: 110,
      [`${hwmon}/in3_label`]: 'NC\n',
      [`${hwmon}/in3_input`]: 0,
      [`${hwmon}/curr3_input`]: 0,
      [`${hwmon}/in7_label`]: 'sum of shunt voltages\n',
      [`${hwmon}/in7_input`]: 40,
      [`${hwmon}/curr7_input`]: 1,
      'etc/nvpmodel.conf':
        '< POWER_MODEL ID=0 NAME=15W >\n< POWER_MODEL ID=1 NAME=25W >\n< POWER_MODEL ID=2 NAME=MAXN_SUPER >\n',
      'var/lib/nvpmodel/status': 'pmode:0002\n',
      [`${CPU}/cpu0/cpufreq/scaling_min_freq`]: 1728000,
      [`${CPU}/cpu0/cpufreq/scaling_max_freq`]: 1728000,
      'sys/class/devfreq/17000000.gpu/min_freq': 1020000000,
      'sys/class/devfreq/17000000.gpu/max_freq': 1020000000,
    });
    const source = new JetsonSource(
      root,
      'auto',
      { tegrastats: 'no-such-tegrastats', nvpmodel: 'no-such-nvpmodel' },
      100,
    );
    expect((await source.detect()).available).toBe(true);
    expect(source.info).toMatchObject({
      l4t: 'R36.4.3',
      rails: ['VDD_IN', 'VDD_CPU_GPU_CV'],
      totalRail: 'VDD_IN',
      powerMode: { id: 2, name: 'MAXN_SUPER', isMax: true },
      clocks: { locked: true },
    });
    const reading = await source.read();
    expect(reading?.railsMw.VDD_IN).toBeCloseTo((5072 * 946) / 1000, 6);
    expect(reading?.railsMw.VDD_CPU_GPU_CV).toBeCloseTo((5072 * 110) / 1000, 6);
  });

  it('runs tegrastats when sysfs has no rails, and reads nvpmodel -q', async () => {
    const root = await fakeRoot({ 'etc/nv_tegra_release': JETSON_RELEASE });
    const line =
      'RAM 2034/3956MB (lfb 4x4MB) SWAP 0/1978MB (cached 0MB) CPU [64%@1479,31%@1479,off,off] EMC_FREQ 17%@1600 GR3D_FREQ 76%@921 PLL@31C CPU@34C GPU@32.5C POM_5V_IN 5763/4173 POM_5V_GPU 2109/1054 POM_5V_CPU 1366/912';
    const tegrastats = await fakeProgram(
      root,
      'tegrastats',
      `while true; do echo '${line}'; sleep 0.05; done`,
    );
    const nvpmodel = await fakeProgram(root, 'nvpmodel', "printf 'NV Power Mode: MAXN\\n0\\n'");
    const source = new JetsonSource(root, 'auto', { tegrastats, nvpmodel }, 100);
    const detection = await source.detect();
    expect(detection.available).toBe(true);
    expect(source.info).toMatchObject({
      mode: 'tegrastats',
      rails: ['POM_5V_IN', 'POM_5V_GPU', 'POM_5V_CPU'],
      totalRail: 'POM_5V_IN',
      powerMode: { id: 0, name: 'MAXN', from: 'nvpmodel' },
    });
    await source.start();
    let reading = await source.read();
    for (let i = 0; i < 50 && reading === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reading = await source.read();
    }
    await source.stop();
    expect(reading).toEqual({
      railsMw: { POM_5V_IN: 5763, POM_5V_GPU: 2109, POM_5V_CPU: 1366 },
      gpuLoadPct: 76,
      emcLoadPct: 17,
      cpuLoadPct: [64, 31, null, null],
      cpuFreqMHz: [1479, 1479, null, null],
      celsius: { PLL: 31, CPU: 34, GPU: 32.5 },
    });
  });

  it('says why on a machine that is not a Jetson', async () => {
    const detection = await new JetsonSource(
      await fakeRoot(),
      'auto',
      { tegrastats: 'x', nvpmodel: 'y' },
      100,
    ).detect();
    expect(detection.available).toBe(false);
    expect(detection.reason).toMatch(/not a Jetson/);
  });
});

describe('nvidia-smi source', () => {
  it('detects GPUs with one query, then streams rows from a -lms child', async () => {
    const root = await fakeRoot();
    const smi = await fakeProgram(
      root,
      'nvidia-smi',
      [
        'row0="0, NVIDIA GeForce RTX 3090, 348.51, 98, 41, 10240, 24576, 1950, 9751, 71, 0x0000000000000000"',
        'row1="1, NVIDIA GeForce RTX 3090, [N/A], 97, 39, 10112, 24576, 1815, 9751, 83, 0x0000000000000024"',
        'case "$*" in *-lms*) while true; do echo "$row0"; echo "$row1"; sleep 0.05; done ;; esac',
        'echo "$row0"; echo "$row1"',
      ].join('\n'),
    );
    const source = new NvidiaSmiSource(smi, 100);
    const detection = await source.detect();
    expect(detection.available).toBe(true);
    expect(detection.reason).toBe('power.draw not reported for GPU 1');
    expect(source.info?.gpus).toEqual([
      { index: 0, name: 'NVIDIA GeForce RTX 3090', memoryTotalMiB: 24576, powerReadable: true },
      { index: 1, name: 'NVIDIA GeForce RTX 3090', memoryTotalMiB: 24576, powerReadable: false },
    ]);
    await source.start();
    let reading = await source.read();
    for (let i = 0; i < 50 && (reading === null || reading.gpus.length < 2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reading = await source.read();
    }
    const stopped = await source.stop();
    expect(reading?.gpus.map((gpu) => gpu.index)).toEqual([0, 1]);
    expect(reading?.gpus[0].powerDrawW).toBe(348.51);
    expect(reading?.gpus[1].throttleReasonsMask).toBe(0x24);
    expect(typeof reading?.gpus[0].tMs).toBe('number');
    expect(stopped.childCpuMs === null || stopped.childCpuMs >= 0).toBe(true);
  });

  it('says why when nvidia-smi is missing or fails', async () => {
    const missing = await new NvidiaSmiSource('/nonexistent/nvidia-smi', 100).detect();
    expect(missing.available).toBe(false);
    expect(missing.reason).toMatch(/not found/);
    const root = await fakeRoot();
    const broken = await fakeProgram(
      root,
      'nvidia-smi',
      'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."; exit 9',
    );
    const failed = await new NvidiaSmiSource(broken, 100).detect();
    expect(failed.available).toBe(false);
    expect(failed.reason).toMatch(/failed \(exit 9\): NVIDIA-SMI has failed/);
  });
});

describe('describeTelemetrySources', () => {
  it('lists every source on this machine without throwing, with a reason for each unavailable one', async () => {
    const detections = await describeTelemetrySources();
    expect(detections.map((d) => d.id)).toEqual([...TELEMETRY_SOURCE_IDS]);
    for (const detection of detections) {
      if (!detection.available) expect(detection.reason).toMatch(/\S/);
    }
  });

  it('lists every source in an empty root as unavailable, each saying why', async () => {
    const root = await fakeRoot();
    const detections = await describeTelemetrySources({
      root,
      pid: 4242,
      commands: { nvidiaSmi: `${root}/bin/nvidia-smi`, tegrastats: `${root}/bin/tegrastats` },
    });
    expect(detections.every((d) => !d.available && (d.reason ?? '').length > 10)).toBe(true);
  });
});
