/**
 * A description of the machine a measurement ran on: what a reviewer needs to judge the number.
 * Every reader takes a `root` so tests can lay a fake /proc and /sys out in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface CpuInfo {
  model: string;
  logicalCores: number;
  physicalCores?: number;
  architecture: string;
  /** ISA features that matter for inference kernels (avx2, avx512f, avx512_vnni, amx_int8, neon, …). */
  features: string[];
  governor?: string;
  /**
   * The clock a peak estimate uses: cpufreq's cpuinfo_max_freq (the highest clock a core reaches)
   * where the kernel exposes it, else /proc/cpuinfo's "cpu MHz" (the clock at the time of reading).
   */
  clock?: { mhz: number; source: string };
}

/** Words for where the clock came from (shown beside every peak estimate). */
export const CLOCK_SOURCES = {
  cpufreq: 'cpufreq cpuinfo_max_freq',
  cpuinfo: '/proc/cpuinfo "cpu MHz", the clock when read',
} as const;

export interface GpuInfo {
  vendor: string;
  name: string;
  memoryBytes?: number;
  driver?: string;
  source: string;
}

export interface JetsonInfo {
  release: string;
  model?: string;
  powerMode?: string;
}

export interface HostInfo {
  os: { platform: string; release: string; distro?: string };
  hostname: string;
  cpu: CpuInfo;
  memoryBytes: number;
  gpus: GpuInfo[];
  jetson?: JetsonInfo;
  node: string;
}

const INTERESTING_FEATURES = [
  'sse4_2',
  'avx',
  'avx2',
  'fma',
  'f16c',
  'avx512f',
  'avx512bw',
  'avx512vl',
  'avx512_vnni',
  'avx512_bf16',
  'avx512_fp16',
  'avx_vnni',
  'amx_tile',
  'amx_int8',
  'amx_bf16',
  // Arm (/proc/cpuinfo "Features"): asimd is NEON; asimddp the dot-product int8 instructions.
  'asimd',
  'asimddp',
  'asimdhp',
  'fphp',
  'i8mm',
  'bf16',
  'sve',
  'sve2',
];

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Physical cores this process may use: /proc/cpuinfo's core count where it has one, never more
 * than the CPUs the process is allowed to run on; elsewhere the logical count.
 */
export function physicalCoreCount(): number {
  const usable = os.availableParallelism();
  try {
    const physical = parseCpuInfo(readFileSync('/proc/cpuinfo', 'utf8')).physicalCores;
    return physical ? Math.min(physical, usable) : usable;
  } catch {
    return usable;
  }
}

export function parseCpuInfo(text: string): {
  model?: string;
  features: string[];
  physicalCores?: number;
  /** The first "cpu MHz" (x86 kernels print one per CPU; Arm kernels none). */
  mhz?: number;
} {
  let model: string | undefined;
  let mhz: number | undefined;
  const flags = new Set<string>();
  const cores = new Set<string>();
  let physicalId = '0';
  for (const line of text.split('\n')) {
    const [rawKey, ...rest] = line.split(':');
    const key = rawKey?.trim();
    const value = rest.join(':').trim();
    if (!key) continue;
    if ((key === 'model name' || key === 'Hardware' || key === 'Model') && !model) model = value;
    if (key === 'flags' || key === 'Features') for (const f of value.split(/\s+/)) flags.add(f);
    if (key === 'physical id') physicalId = value;
    if (key === 'cpu MHz' && mhz === undefined && Number(value) > 0) mhz = Number(value);
    if (key === 'core id') cores.add(`${physicalId}:${value}`);
  }
  const features = INTERESTING_FEATURES.filter((f) => flags.has(f)).map((f) => (f === 'asimd' ? 'neon' : f));
  return {
    model,
    features,
    ...(cores.size > 0 ? { physicalCores: cores.size } : {}),
    ...(mhz !== undefined ? { mhz } : {}),
  };
}

function run(command: string, args: string[], timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

export async function detectGpus(root = '/'): Promise<GpuInfo[]> {
  const gpus: GpuInfo[] = [];
  const smi = await run('nvidia-smi', [
    '--query-gpu=name,memory.total,driver_version',
    '--format=csv,noheader,nounits',
  ]);
  if (smi) {
    for (const line of smi.trim().split('\n').filter(Boolean)) {
      const [name, memMiB, driver] = line.split(',').map((s) => s.trim());
      gpus.push({
        vendor: 'NVIDIA',
        name,
        memoryBytes: Number(memMiB) * 1048576 || undefined,
        driver,
        source: 'nvidia-smi',
      });
    }
    return gpus;
  }
  // Without nvidia-smi: PCI display controllers from sysfs (class 0x03xxxx).
  const pciRoot = path.join(root, 'sys/bus/pci/devices');
  let devices: string[] = [];
  try {
    devices = await readdir(pciRoot);
  } catch {
    return gpus;
  }
  const vendors: Record<string, string> = { '0x10de': 'NVIDIA', '0x1002': 'AMD', '0x8086': 'Intel' };
  for (const dev of devices) {
    const cls = (await readText(path.join(pciRoot, dev, 'class')))?.trim();
    if (!cls?.startsWith('0x03')) continue;
    const vendorId = (await readText(path.join(pciRoot, dev, 'vendor')))?.trim() ?? '';
    const deviceId = (await readText(path.join(pciRoot, dev, 'device')))?.trim() ?? '';
    gpus.push({
      vendor: vendors[vendorId] ?? vendorId,
      name: `PCI ${dev} device ${deviceId}`,
      source: 'sysfs',
    });
  }
  return gpus;
}

export async function detectJetson(root = '/'): Promise<JetsonInfo | undefined> {
  const release = (await readText(path.join(root, 'etc/nv_tegra_release')))
    ?.split('\n')[0]
    ?.replace(/^#\s*/, '')
    .trim();
  if (!release) return undefined;
  const model = (await readText(path.join(root, 'proc/device-tree/model')))?.replace(/\0/g, '').trim();
  const nvp = root === '/' ? await run('nvpmodel', ['-q']) : undefined;
  const powerMode = nvp ? /NV Power Mode:\s*(.+)/.exec(nvp)?.[1]?.trim() : undefined;
  return { release, ...(model ? { model } : {}), ...(powerMode ? { powerMode } : {}) };
}

export async function describeHost(root = '/'): Promise<HostInfo> {
  const cpuinfo = parseCpuInfo((await readText(path.join(root, 'proc/cpuinfo'))) ?? '');
  const governor = (
    await readText(path.join(root, 'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor'))
  )?.trim();
  const maxKHz = Number(
    (await readText(path.join(root, 'sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq')))?.trim(),
  );
  const clock =
    maxKHz > 0
      ? { mhz: maxKHz / 1000, source: CLOCK_SOURCES.cpufreq }
      : cpuinfo.mhz !== undefined
        ? { mhz: cpuinfo.mhz, source: CLOCK_SOURCES.cpuinfo }
        : undefined;
  const distro = /PRETTY_NAME="?([^"\n]+)"?/.exec(
    (await readText(path.join(root, 'etc/os-release'))) ?? '',
  )?.[1];
  const cpus = os.cpus();
  const [gpus, jetson] = await Promise.all([detectGpus(root), detectJetson(root)]);
  return {
    os: { platform: `${os.platform()}-${os.arch()}`, release: os.release(), ...(distro ? { distro } : {}) },
    hostname: os.hostname(),
    cpu: {
      model: cpuinfo.model ?? cpus[0]?.model ?? 'unknown',
      logicalCores: cpus.length,
      ...(cpuinfo.physicalCores ? { physicalCores: cpuinfo.physicalCores } : {}),
      architecture: os.arch(),
      features: cpuinfo.features,
      ...(governor ? { governor } : {}),
      ...(clock ? { clock } : {}),
    },
    memoryBytes: os.totalmem(),
    gpus,
    ...(jetson ? { jetson } : {}),
    node: process.version,
  };
}
