import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeThrottleReasons,
  maxPowerMode,
  nvidiaSmiArgs,
  parseNvidiaSmiCsv,
  parseNvidiaSmiLine,
  parseNvpmodelConf,
  parseNvpmodelQuery,
  parseNvpmodelStatus,
  parseProcPidStat,
  parseProcStat,
  parseProcStatus,
  parseTegrastatsLine,
} from '../../src/telemetry/index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
/** Fixture lines without the `#` comments that say where the format comes from. */
const lines = (name: string): string[] =>
  fixture(name)
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));

describe('tegrastats', () => {
  it('parses JetPack 4 Nano lines (mW rails without unit, cores off, EMC/GR3D with and without frequency)', () => {
    const [idle, busy] = lines('tegrastats-jp4-nano.txt').map(parseTegrastatsLine);
    expect(idle).not.toBeNull();
    expect(idle!.timestamp).toBeNull();
    expect(idle!.ramUsedMb).toBe(2012);
    expect(idle!.ramTotalMb).toBe(3956);
    expect(idle!.swapTotalMb).toBe(1978);
    expect(idle!.cpus).toEqual([
      { loadPct: 12, freqMHz: 1479 },
      { loadPct: 8, freqMHz: 1479 },
      { loadPct: 10, freqMHz: 1479 },
      { loadPct: 7, freqMHz: 1479 },
    ]);
    expect(idle!.emc).toEqual({ loadPct: 0, freqMHz: null });
    expect(idle!.gr3d).toEqual({ loadPct: 0, freqMHz: null });
    expect(idle!.temperaturesC).toEqual({
      PLL: 25,
      CPU: 27.5,
      PMIC: 100,
      GPU: 26,
      AO: 33.5,
      thermal: 26.75,
    });
    expect(idle!.rails).toEqual({
      POM_5V_IN: { mw: 2584, avgMw: 2584 },
      POM_5V_GPU: { mw: 0, avgMw: 0 },
      POM_5V_CPU: { mw: 459, avgMw: 459 },
    });

    expect(busy!.cpus[2]).toEqual({ loadPct: null, freqMHz: null });
    expect(busy!.cpus[3]).toEqual({ loadPct: null, freqMHz: null });
    expect(busy!.emc).toEqual({ loadPct: 17, freqMHz: 1600 });
    expect(busy!.gr3d).toEqual({ loadPct: 76, freqMHz: 921 });
    expect(busy!.rails.POM_5V_IN).toEqual({ mw: 5763, avgMw: 4173 });
    // IRAM 0/252kB and RAM/SWAP are not rails.
    expect(Object.keys(busy!.rails)).toEqual(['POM_5V_IN', 'POM_5V_GPU', 'POM_5V_CPU']);
  });

  it('parses JetPack 4 Xavier rails that have no VDD_ prefix', () => {
    const [line] = lines('tegrastats-jp4-xavier.txt').map(parseTegrastatsLine);
    expect(Object.keys(line!.rails)).toEqual(['GPU', 'CPU', 'SOC', 'CV', 'VDDRQ', 'SYS5V']);
    expect(line!.rails.SOC).toEqual({ mw: 1243, avgMw: 1243 });
    expect(line!.cpus.filter((cpu) => cpu.loadPct === null)).toHaveLength(4);
    expect(line!.temperaturesC.Tdiode).toBe(38.75);
  });

  it('parses JetPack 5 lines: mW units, timestamp, disabled sensors and NC rails left out', () => {
    const [nx, orin] = lines('tegrastats-jp5.txt').map(parseTegrastatsLine);
    expect(nx!.rails).toEqual({
      VDD_IN: { mw: 3795, avgMw: 3795 },
      VDD_CPU_GPU_CV: { mw: 495, avgMw: 495 },
      VDD_SOC: { mw: 1144, avgMw: 1144 },
    });
    expect(orin!.timestamp).toBe('08-22-2023 14:02:11');
    expect(orin!.ramUsedMb).toBe(5632);
    expect(orin!.cpus).toHaveLength(12);
    expect(orin!.emc).toEqual({ loadPct: 0, freqMHz: 3199 });
    expect(orin!.gr3d).toEqual({ loadPct: 0, freqMHz: 1300 });
    expect(orin!.temperaturesC).toEqual({
      CPU: 47.125,
      Tboard: 35,
      SOC2: 43.718,
      Tdiode: 37.5,
      SOC0: 44.312,
      tj: 47.125,
      SOC1: 44.375,
    });
    expect(orin!.rails).toEqual({
      VDD_GPU_SOC: { mw: 1234, avgMw: 1234 },
      VDD_CPU_CV: { mw: 400, avgMw: 400 },
      VIN_SYS_5V0: { mw: 3622, avgMw: 3622 },
      VDDQ_VDD2_1V8AO: { mw: 503, avgMw: 503 },
    });
  });

  it('parses JetPack 6 Orin Nano lines: lowercase zones, GR3D_FREQ x%@[f]', () => {
    const [idle, busy] = lines('tegrastats-jp6-orin-nano.txt').map(parseTegrastatsLine);
    expect(idle!.timestamp).toBe('11-14-2024 09:10:31');
    expect(idle!.gr3d).toEqual({ loadPct: 0, freqMHz: 305 });
    expect(idle!.temperaturesC.cpu).toBe(47.5);
    expect(idle!.temperaturesC.soc2).toBe(45.125);
    expect(idle!.rails.VDD_IN).toEqual({ mw: 4797, avgMw: 4797 });
    expect(busy!.gr3d).toEqual({ loadPct: 87, freqMHz: 1020 });
    expect(busy!.emc).toEqual({ loadPct: 21, freqMHz: 3199 });
    expect(busy!.cpus.map((cpu) => cpu.loadPct)).toEqual([38, 22, 31, 27, 19, 25]);
    expect(busy!.rails).toEqual({
      VDD_IN: { mw: 11234, avgMw: 8015 },
      VDD_CPU_GPU_CV: { mw: 5321, avgMw: 2938 },
      VDD_SOC: { mw: 2712, avgMw: 2070 },
    });
  });

  it('parses JetPack 7 lines: cur/max temperatures and three rail values', () => {
    const [line] = lines('tegrastats-jp7-agx-orin.txt').map(parseTegrastatsLine);
    expect(line!.swapTotalMb).toBeNull();
    expect(line!.gr3d).toEqual({ loadPct: 14, freqMHz: 1300 });
    expect(line!.temperaturesC).toEqual({ cpu: 53.1, soc2: 48.5, soc0: 49.6, gpu: 47.8 });
    expect(line!.rails.VDD_GPU_SOC).toEqual({ mw: 5210, avgMw: 5187 });
    expect(Object.keys(line!.rails)).toEqual(['VDD_GPU_SOC', 'VDD_CPU_CV', 'VIN_SYS_5V0']);
  });

  it('rejects lines that are not tegrastats output', () => {
    expect(parseTegrastatsLine('')).toBeNull();
    expect(parseTegrastatsLine('Error: permission denied')).toBeNull();
  });
});

describe('nvidia-smi CSV', () => {
  it('parses every row of the recorded format', () => {
    const rows = parseNvidiaSmiCsv(fixture('nvidia-smi.csv.txt'));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      powerDrawW: 69.88,
      utilizationGpuPct: 0,
      utilizationMemoryPct: 0,
      memoryUsedMiB: 1,
      memoryTotalMiB: 81559,
      smClockMHz: 345,
      memClockMHz: 2619,
      temperatureC: 31,
      throttleReasonsMask: 1,
    });
    expect(rows[2].index).toBe(1);
    expect(rows[2].throttleReasonsMask).toBe(0x24);
    expect(decodeThrottleReasons(rows[2].throttleReasonsMask!, true)).toEqual([
      'sw_power_cap',
      'sw_thermal_slowdown',
    ]);
    expect(decodeThrottleReasons(rows[0].throttleReasonsMask!)).toEqual(['gpu_idle']);
    expect(decodeThrottleReasons(rows[0].throttleReasonsMask!, true)).toEqual([]);
  });

  it('turns [N/A] and [Not Supported] into null', () => {
    const rows = parseNvidiaSmiCsv(fixture('nvidia-smi.csv.txt'));
    expect(rows[3].name).toBe('NVIDIA GeForce GTX 1650 with Max-Q Design');
    expect(rows[3].powerDrawW).toBeNull();
    expect(rows[3].utilizationGpuPct).toBe(3);
    expect(rows[4].utilizationGpuPct).toBeNull();
    expect(rows[4].utilizationMemoryPct).toBeNull();
    expect(rows[4].throttleReasonsMask).toBeNull();
    expect(rows[4].powerDrawW).toBe(58.12);
  });

  it('rejects error text and keeps names with commas', () => {
    expect(
      parseNvidiaSmiLine('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'),
    ).toBeNull();
    const row = parseNvidiaSmiLine('0, Odd, Name, 10.5, 1, 2, 3, 4, 5, 6, 7, 0x0');
    expect(row?.name).toBe('Odd, Name');
    expect(row?.powerDrawW).toBe(10.5);
  });

  it('builds the query and loop arguments', () => {
    const args = nvidiaSmiArgs(undefined, 100);
    expect(args[0]).toBe(
      '--query-gpu=index,name,power.draw,utilization.gpu,utilization.memory,memory.used,memory.total,clocks.sm,clocks.mem,temperature.gpu,clocks_throttle_reasons.active',
    );
    expect(args.slice(1)).toEqual(['--format=csv,noheader,nounits', '-lms', '100']);
  });
});

describe('procfs', () => {
  it('parses /proc/stat into busy and total ticks', () => {
    const stat = parseProcStat(fixture('proc-stat.txt'))!;
    // busy = user + nice + system + irq + softirq + steal; idle = idle + iowait
    expect(stat.all.busy).toBe(4705 + 356 + 584 + 0 + 277 + 0);
    expect(stat.all.total).toBe(stat.all.busy + 3699176 + 23060);
    expect(stat.cpus.map((cpu) => cpu.cpu)).toEqual([0, 1, 2, 3]);
    expect(stat.cpus[0].busy).toBe(1393 + 280 + 234 + 163);
    expect(parseProcStat('intr 1 2 3')).toBeNull();
  });

  it('parses /proc/PID/stat with spaces and parentheses in the command name', () => {
    const stat = parseProcPidStat(fixture('proc-pid-stat.txt'))!;
    expect(stat.pid).toBe(4242);
    expect(stat.comm).toBe('tmux: server (1)');
    expect(stat.state).toBe('S');
    expect(stat.ppid).toBe(1);
    expect(stat.utimeTicks).toBe(1234);
    expect(stat.stimeTicks).toBe(567);
    expect(stat.startTimeTicks).toBe(98765);
    expect(stat.rssPages).toBe(2345);
    expect(parseProcPidStat('garbage')).toBeNull();
  });

  it('parses VmRSS and VmHWM from /proc/PID/status', () => {
    expect(parseProcStatus(fixture('proc-pid-status.txt'))).toEqual({
      name: 'node',
      vmRssKb: 398112,
      vmHwmKb: 412388,
      threads: 11,
    });
  });
});

describe('nvpmodel', () => {
  it('parses nvpmodel -q after a fan line', () => {
    expect(parseNvpmodelQuery(fixture('nvpmodel.txt'))).toEqual({ id: 1, name: '5W' });
    expect(parseNvpmodelQuery('NVPM ERROR: failed to read')).toBeNull();
  });

  it('parses the conf and finds the maximum mode by name, not by id', () => {
    const conf = parseNvpmodelConf(fixture('nvpmodel-orin-nano-super.conf.txt'));
    expect(conf.modes).toEqual([
      { id: 0, name: '15W' },
      { id: 1, name: '25W' },
      { id: 2, name: 'MAXN_SUPER' },
      { id: 3, name: '7W' },
    ]);
    expect(conf.defaultId).toBe(0);
    expect(maxPowerMode(conf.modes)).toEqual({ id: 2, name: 'MAXN_SUPER' });
    expect(
      maxPowerMode([
        { id: 0, name: '15W' },
        { id: 1, name: '7W' },
      ]),
    ).toEqual({ id: 0, name: '15W' });
    expect(maxPowerMode([{ id: 0, name: 'CUSTOM' }])).toBeNull();
  });

  it('parses the status file', () => {
    expect(parseNvpmodelStatus('pmode:0002 fmode:quiet\n')).toBe(2);
    expect(parseNvpmodelStatus('pmode:0000')).toBe(0);
    expect(parseNvpmodelStatus('')).toBeNull();
  });
});
