import { afterAll, describe, expect, it } from 'vitest';
import { findBusyProcesses, preRunChecks } from '../../src/telemetry/index.js';
import { cleanupFakeRoots, fakeProgram, fakeRoot } from './fake-root.js';

afterAll(cleanupFakeRoots);

const CPU = 'sys/devices/system/cpu';

describe('preRunChecks', () => {
  it('warns about governors other than performance, naming the CPUs', async () => {
    const tree: Record<string, string> = {};
    for (const cpu of [0, 1, 2, 3, 6]) tree[`${CPU}/cpu${cpu}/cpufreq/scaling_governor`] = 'powersave\n';
    tree[`${CPU}/cpu4/cpufreq/scaling_governor`] = 'performance\n';
    tree[`${CPU}/cpu5/cpufreq/scaling_governor`] = 'schedutil\n';
    const warnings = await preRunChecks({ root: await fakeRoot(tree), sampleMs: 10 });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/governor is 'powersave' on CPU 0-3,6, not 'performance'/);
    expect(warnings[1]).toMatch(/governor is 'schedutil' on CPU 5/);
  });

  it('is quiet on a machine set up for benchmarking', async () => {
    const root = await fakeRoot({ [`${CPU}/cpu0/cpufreq/scaling_governor`]: 'performance\n' });
    expect(await preRunChecks({ root, sampleMs: 10 })).toEqual([]);
  });

  it('warns on a Jetson below its maximum power mode, with unlocked clocks', async () => {
    const root = await fakeRoot({
      'etc/nv_tegra_release':
        '# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64\n',
      'etc/nvpmodel.conf':
        '< POWER_MODEL ID=0 NAME=15W >\n< POWER_MODEL ID=1 NAME=25W >\n< POWER_MODEL ID=2 NAME=MAXN_SUPER >\n',
      [`${CPU}/cpu0/cpufreq/scaling_governor`]: 'performance\n',
      [`${CPU}/cpu0/cpufreq/scaling_min_freq`]: '729600\n',
      [`${CPU}/cpu0/cpufreq/scaling_max_freq`]: '1510400\n',
      'sys/class/devfreq/17000000.gpu/min_freq': '306000000\n',
      'sys/class/devfreq/17000000.gpu/max_freq': '1020000000\n',
    });
    const nvpmodel = await fakeProgram(root, 'nvpmodel', "printf 'NV Power Mode: 15W\\n0\\n'");
    const warnings = await preRunChecks({ root, sampleMs: 10, nvpmodel });
    expect(warnings).toEqual([
      expect.stringMatching(
        /power mode is 15W \(mode 0\), not the maximum MAXN_SUPER \(mode 2\).*nvpmodel -m 2/,
      ),
      expect.stringMatching(
        /clocks are not locked \(CPU 0 min < max; GPU 17000000.gpu min 306000000 < max 1020000000\).*jetson_clocks/,
      ),
    ]);
  });

  it('runs against this machine without throwing', async () => {
    const warnings = await preRunChecks({ sampleMs: 50 });
    expect(Array.isArray(warnings)).toBe(true);
  });
});

describe('findBusyProcesses', () => {
  it('names processes above the threshold, busiest first, leaving ignored pids out', () => {
    const scan = (entries: Array<[number, string, number]>) =>
      new Map(entries.map(([pid, comm, ticks]) => [pid, { pid, comm, ticks }]));
    const before = scan([
      [10, 'ffmpeg', 1000],
      [11, 'sshd', 50],
      [12, 'node', 500],
      [13, 'updatedb', 0],
    ]);
    const after = scan([
      [10, 'ffmpeg', 1018], // 18 ticks in 200 ms = 180 ms = 90% of a core
      [11, 'sshd', 51], // 5%
      [12, 'node', 540], // ourselves
      [13, 'updatedb', 4], // 20%
      [14, 'new', 100], // started in between: no baseline
    ]);
    const busy = findBusyProcesses(before, after, 200, 10, new Set([12]));
    expect(busy.map((p) => [p.pid, p.comm, Math.round(p.pctOfCore)])).toEqual([
      [10, 'ffmpeg', 90],
      [13, 'updatedb', 20],
    ]);
  });
});
