/** A fake Jetson Nano's files for the target tests (laid out with test/telemetry/fake-root.ts). */

/** Files of a Jetson Nano 4GB on JetPack 4.6.1 (L4T R32.7.1), as the probe reads them. */
export function jetsonNanoTree(options: { rails?: boolean } = {}): Record<string, string | number> {
  const tree: Record<string, string | number> = {
    'etc/nv_tegra_release':
      '# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, EABI: aarch64, DATE: Sat Feb 19 17:05:08 UTC 2022\n',
    'proc/device-tree/model': 'NVIDIA Jetson Nano Developer Kit\0',
    'proc/meminfo': 'MemTotal:        4051032 kB\nMemAvailable:    2875332 kB\nSwapTotal:       2025512 kB\n',
    'etc/nvpmodel.conf':
      '< POWER_MODEL ID=0 NAME=MAXN >\nCPU_ONLINE CORE_0 1\n< POWER_MODEL ID=1 NAME=5W >\n< PM_CONFIG DEFAULT=0 >\n',
    'usr/local/cuda/version.txt': 'CUDA Version 10.2.300\n',
    'dev/nvhost-ctrl-gpu': '',
    'sys/class/devfreq/57000000.gpu/min_freq': 76800000,
    'sys/class/devfreq/57000000.gpu/max_freq': 921600000,
    'sys/class/devfreq/57000000.gpu/cur_freq': 76800000,
    'sys/devices/gpu.0/load': 0,
    'sys/class/thermal/thermal_zone0/type': 'CPU-therm\n',
    'sys/class/thermal/thermal_zone0/temp': 37500,
    'sys/class/thermal/thermal_zone1/type': 'GPU-therm\n',
    'sys/class/thermal/thermal_zone1/temp': 36000,
  };
  const cpuinfo: string[] = [];
  for (let cpu = 0; cpu < 4; cpu++) {
    cpuinfo.push(
      `processor\t: ${cpu}`,
      'model name\t: ARMv8 Processor rev 1 (v8l)',
      'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32',
      'CPU part\t: 0xd07',
      '',
    );
    const dir = `sys/devices/system/cpu/cpu${cpu}/cpufreq`;
    tree[`${dir}/cpuinfo_min_freq`] = 102000;
    tree[`${dir}/cpuinfo_max_freq`] = 1479000;
    tree[`${dir}/scaling_min_freq`] = 102000;
    tree[`${dir}/scaling_max_freq`] = 1479000;
    tree[`${dir}/scaling_cur_freq`] = 1479000;
    tree[`${dir}/scaling_governor`] = 'schedutil\n';
  }
  tree['proc/cpuinfo'] = `${cpuinfo.join('\n')}\n`;
  if (options.rails ?? true) {
    const iio = 'sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0';
    ['POM_5V_IN', 'POM_5V_GPU', 'POM_5V_CPU'].forEach((name, i) => {
      tree[`${iio}/rail_name_${i}`] = `${name}\n`;
      tree[`${iio}/in_power${i}_input`] = [3000, 500, 1000][i];
    });
  }
  return tree;
}
