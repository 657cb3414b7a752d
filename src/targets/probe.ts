/**
 * The device probe: what a target is and what can measure there, best first —
 *
 *   1. edgebench itself (Node 20+ and the package): the device can run everything locally;
 *   2. trtexec (TensorRT; JetPack puts it at /usr/src/tensorrt/bin/trtexec, off PATH);
 *   3. Python 3.6+ with onnxruntime (CPU, CUDA, TensorRT execution providers);
 *   4. Python 3.6+ with torch (CPU, CUDA);
 *
 * and the device as `edgebench env` describes this machine: OS, L4T/JetPack, CPU and ISA, memory,
 * GPU, CUDA/cuDNN/TensorRT/Python versions, power mode, whether clocks are locked. Raw facts come
 * from a POSIX sh script (python/edgebench_probe.sh); what Python can import comes from the runners'
 * own `probe` commands, run with each interpreter found. Parsing reuses the parsers `env` and the
 * telemetry sources use. The result is zod-validated, so it can be stored and read back.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type OrtProbeEvent, ortProbeEventSchema } from '../engines/ort-python/protocol.js';
import { type ProbeEvent, probeEventSchema } from '../engines/torch/protocol.js';
import { readHelpText } from '../engines/trtexec/locate.js';
import { parseCpuInfo } from '../host/host.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { DeviceCache } from './cache.js';
import { lastLines } from './errors.js';
import {
  clocksFrom,
  GPU_DEVFREQ_NAME,
  jetpackForL4t,
  parseL4tRelease,
  powerModeFrom,
} from './jetson-facts.js';
import { type DeviceScripts, deviceScriptPath, installDeviceScripts } from './runners.js';
import type { Transport } from './transport.js';

export const DEVICE_DESCRIPTION_SCHEMA_VERSION = 1;

/** The engines a device may offer, in the order they are preferred. */
export const DEVICE_ENGINE_IDS = [
  'edgebench',
  'trtexec',
  'ort-python/tensorrt',
  'ort-python/cuda',
  'ort-python/cpu',
  'torch/cuda',
  'torch/cpu',
] as const;
export type DeviceEngineId = (typeof DEVICE_ENGINE_IDS)[number];

/** What the best engine found means for how measurements run there. */
export const DEVICE_LEVELS = ['edgebench', 'trtexec', 'python-onnxruntime', 'python-torch'] as const;
export type DeviceLevel = (typeof DEVICE_LEVELS)[number];

const nullableString = z.string().nullable();
const nullableNumber = z.number().nullable();

const engineSchema = z.object({
  id: z.enum(DEVICE_ENGINE_IDS),
  available: z.boolean(),
  /** Why not, when unavailable. */
  reason: z.string().optional(),
  /** What was found, when available (versions, interpreter). */
  detail: z.string().optional(),
});
export type DeviceEngine = z.infer<typeof engineSchema>;

const pythonSchema = z.object({
  /** As found: `python3` (on PATH) or an absolute path. */
  candidate: z.string(),
  path: z.string(),
  realPath: z.string(),
  version: nullableString,
  /** Why its runners were not asked (too old, did not run). */
  problem: z.string().optional(),
  torch: z
    .object({
      version: nullableString,
      error: z.string().optional(),
      torchvision: nullableString,
      cudaBuilt: nullableString,
      cudaAvailable: z.boolean().nullable(),
      cudaDevice: nullableString,
      cudaError: z.string().optional(),
    })
    .nullable(),
  onnxruntime: z
    .object({
      version: nullableString,
      error: z.string().optional(),
      numpy: nullableString,
      providers: z.array(z.string()),
    })
    .nullable(),
});
export type DevicePython = z.infer<typeof pythonSchema>;

export const deviceDescriptionSchema = z.object({
  schema: z.literal(DEVICE_DESCRIPTION_SCHEMA_VERSION),
  /** How the target was named, and where it is (`user@host:port`; never a secret). */
  target: z.string(),
  address: z.string(),
  probedAtEpochMs: z.number(),
  durationMs: z.number(),
  hostname: nullableString,
  user: nullableString,
  os: z.object({
    kernel: z.string(),
    release: z.string(),
    machine: z.string(),
    distro: nullableString,
    glibc: nullableString,
  }),
  cpu: z.object({
    model: nullableString,
    logicalCores: nullableNumber,
    physicalCores: nullableNumber,
    architecture: z.string(),
    features: z.array(z.string()),
    governors: z.array(z.string()),
  }),
  memoryBytes: nullableNumber,
  gpus: z.array(
    z.object({ vendor: z.string(), name: z.string(), memoryBytes: nullableNumber, source: z.string() }),
  ),
  jetson: z
    .object({
      model: nullableString,
      /** `R32.7.1`, from /etc/nv_tegra_release. */
      l4t: nullableString,
      jetpack: nullableString,
      /** Where the JetPack version came from: the nvidia-jetpack package, or the L4T release it ships with. */
      jetpackFrom: z.enum(['package', 'l4t']).nullable(),
      powerMode: z
        .object({
          id: nullableNumber,
          name: nullableString,
          maxId: nullableNumber,
          maxName: nullableString,
          isMax: z.boolean().nullable(),
          from: z.enum(['nvpmodel', 'status-file']).nullable(),
        })
        .nullable(),
      /** Whether minimum clocks equal maximum clocks, as `jetson_clocks` leaves them; null when unreadable. */
      clocksLocked: z.boolean().nullable(),
      clocksDetail: z.string(),
      /** INA3221 rails readable now (names); empty on boards without a power monitor (Nano 2GB). */
      rails: z.array(z.string()),
      powerSource: z.enum(['sysfs', 'tegrastats']).nullable(),
      tegrastats: nullableString,
      jetsonClocks: nullableString,
    })
    .nullable(),
  cuda: nullableString,
  cudnn: nullableString,
  tensorrt: nullableString,
  node: z.object({ path: z.string(), version: nullableString }).nullable(),
  edgebench: z.object({ path: z.string(), version: nullableString, error: z.string().optional() }).nullable(),
  trtexec: z
    .object({
      path: z.string(),
      version: nullableString,
      versionSource: z.enum(['banner', 'library', 'package', 'unknown']),
      runs: z.boolean(),
      error: z.string().optional(),
    })
    .nullable(),
  gpuDeviceNodes: z.array(z.string()),
  pythons: z.array(pythonSchema),
  engines: z.array(engineSchema),
  /** The most capable way to measure there, or null when nothing can. */
  level: z.enum(DEVICE_LEVELS).nullable(),
  cacheDir: nullableString,
  /** Free space where that folder is, bytes. */
  freeBytes: nullableNumber,
  warnings: z.array(z.string()),
});
export type DeviceDescription = z.infer<typeof deviceDescriptionSchema>;

// ---- the raw sections ------------------------------------------------------------------------

/** Splits the probe script's output into its sections (`MARKER name` lines). */
export function splitSections(text: string, marker: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${marker} `)) {
      current = [];
      sections.set(line.slice(marker.length + 1).trim(), current);
    } else if (current) current.push(line);
  }
  return sections;
}

/** `name version` lines from dpkg-query; versions with their Debian revision cut (`8.2.1.8-1+cuda10.2` → `8.2.1.8`). */
function packageVersions(lines: readonly string[]): Map<string, string> {
  const packages = new Map<string, string>();
  for (const line of lines) {
    const [name, version] = line.trim().split(/\s+/);
    if (name && version) packages.set(name, version.replace(/^\d+:/, '').split(/[-+~]/)[0]);
  }
  return packages;
}

function firstPackage(packages: Map<string, string>, pattern: RegExp): string | null {
  for (const [name, version] of packages) if (pattern.test(name)) return version;
  return null;
}

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined || text === '-' || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function versionAtLeast(version: string | null, major: number, minor = 0): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return false;
  const [maj, min] = [Number(match[1]), Number(match[2])];
  return maj > major || (maj === major && min >= minor);
}

/** What the probe script reports, parsed: the description before Python is asked and engines decided. */
export interface DeviceFacts
  extends Omit<
    DeviceDescription,
    | 'pythons'
    | 'engines'
    | 'level'
    | 'warnings'
    | 'schema'
    | 'target'
    | 'address'
    | 'probedAtEpochMs'
    | 'durationMs'
  > {
  pythonCandidates: Array<{ candidate: string; path: string; realPath: string; version: string | null }>;
}

/** Everything the sh sections say, parsed. Pure: exported for tests. */
export function parseFacts(sections: Map<string, string[]>): DeviceFacts {
  const get = (name: string): string[] => sections.get(name) ?? [];
  const text = (name: string): string => get(name).join('\n').trim();
  const [kernel = 'unknown', release = 'unknown', machine = 'unknown', hostname] = get('uname').map((l) =>
    l.trim(),
  );
  const [user] = get('user').map((l) => l.trim());
  const distro = /PRETTY_NAME="?([^"\n]+)"?/.exec(text('os-release'))?.[1] ?? null;
  const glibc = /glibc\s+(\S+)/i.exec(text('glibc'))?.[1] ?? null;
  const cpuinfo = parseCpuInfo(text('cpuinfo'));
  const logical = numberOrNull(get('nproc')[0]);
  const memKb = numberOrNull(/MemTotal:\s+(\d+)/.exec(text('meminfo'))?.[1]);

  const cpufreq = get('cpufreq')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length >= 7)
    .map(([cpu, , , minS, maxS, , governor]) => ({
      cpu,
      scalingMin: numberOrNull(minS),
      scalingMax: numberOrNull(maxS),
      governor: governor === '-' ? null : governor,
    }));
  const devfreq = get('devfreq')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length >= 3)
    .map(([name, min, max]) => ({ name, min: numberOrNull(min), max: numberOrNull(max) }));

  const rails: string[] = [];
  for (const line of get('rails')) {
    const parts = line.trim().split(/\s+/);
    const [layout, name] = parts;
    if (!name || name === 'NC' || name === '-') continue;
    const readable =
      layout === 'iio'
        ? numberOrNull(parts[2]) !== null
        : numberOrNull(parts[2]) !== null && numberOrNull(parts[3]) !== null;
    if (readable && !rails.includes(name)) rails.push(name);
  }

  const nvpQuery = get('nvpmodel')
    .filter((line) => !line.startsWith('path '))
    .join('\n');
  const powerMode = powerModeFrom(
    nvpQuery || null,
    text('nvpmodel-conf') || null,
    text('nvpmodel-status') || null,
  );

  const l4tText = text('nv-tegra-release');
  const l4t = l4tText ? (parseL4tRelease(l4tText) ?? l4tText.split('\n')[0].replace(/^#\s*/, '')) : null;
  const model = text('device-model') || null;
  const packages = packageVersions(get('packages'));
  const jetpackPackage = packages.get('nvidia-jetpack') ?? null;
  const jetpackFromL4t = l4t ? jetpackForL4t(l4t) : null;
  const tegrastats = get('tegrastats')[0]?.trim() || null;
  const isJetson = l4tText !== '' || /jetson/i.test(model ?? '') || rails.length > 0;

  const gpuDevfreq = devfreq.find((d) => GPU_DEVFREQ_NAME.test(d.name)) ?? null;
  const clocks = clocksFrom({
    cpus: cpufreq.map((c) => ({ cpu: c.cpu, scalingMinKHz: c.scalingMin, scalingMaxKHz: c.scalingMax })),
    gpu: gpuDevfreq,
  });

  const gpus: DeviceFacts['gpus'] = get('nvidia-smi')
    .filter((line) => line.trim())
    .map((line) => {
      const [name, memMiB, driver] = line.split(',').map((s) => s.trim());
      return {
        vendor: 'NVIDIA',
        name: driver ? `${name} (driver ${driver})` : name,
        memoryBytes: numberOrNull(memMiB) === null ? null : Number(memMiB) * 1048576,
        source: 'nvidia-smi',
      };
    });
  const gpuNodes = get('gpu-nodes')
    .map((l) => l.trim())
    .filter(Boolean);
  if (gpus.length === 0 && isJetson && gpuNodes.length > 0)
    gpus.push({ vendor: 'NVIDIA', name: 'integrated Jetson GPU', memoryBytes: null, source: 'device node' });

  // trtexec: path, the help lines that matter, ldd's libnvinfer line.
  const trtLines = get('trtexec');
  const trtPath =
    trtLines
      .find((l) => l.startsWith('path '))
      ?.slice(5)
      .trim() ?? null;
  let trtexec: DeviceFacts['trtexec'] = null;
  if (trtPath) {
    const body = trtLines.filter((l) => !l.startsWith('path ')).join('\n');
    const help = readHelpText(body);
    const missing = /error while loading shared libraries: (\S+)|(\S+) => not found/.exec(body);
    const library = /libnvinfer\.so\.(\d+(?:\.\d+){1,3})/.exec(body)?.[1];
    const packaged = firstPackage(packages, /^(tensorrt|libnvinfer\d+)$/);
    const version = help.version ?? library ?? packaged ?? null;
    const runs = !missing && /TensorRT/.test(body);
    trtexec = {
      path: trtPath,
      version,
      versionSource: help.version ? 'banner' : library ? 'library' : packaged ? 'package' : 'unknown',
      runs,
      ...(missing
        ? {
            error: `its library ${(missing[1] ?? missing[2]).replace(/:$/, '')} cannot be loaded (is TensorRT installed?)`,
          }
        : !runs
          ? { error: "'trtexec --help' printed no TensorRT banner" }
          : {}),
    };
  }
  const tensorrt = trtexec?.version ?? firstPackage(packages, /^(tensorrt|libnvinfer\d+)$/);
  const cudaText = text('cuda');
  const cuda =
    /CUDA Version\s+(\S+)/.exec(cudaText)?.[1] ??
    /"version"\s*:\s*"([^"]+)"/.exec(cudaText)?.[1] ??
    firstPackage(packages, /^cuda-cudart-\d/) ??
    null;
  const cudnn = firstPackage(packages, /^libcudnn\d+$/);

  const nodeLines = get('node')
    .map((l) => l.trim())
    .filter(Boolean);
  const node = nodeLines[0]
    ? { path: nodeLines[0], version: nodeLines[1]?.startsWith('v') ? nodeLines[1] : null }
    : null;
  const ebLines = get('edgebench')
    .map((l) => l.trim())
    .filter(Boolean);
  let edgebench: DeviceFacts['edgebench'] = null;
  if (ebLines[0]) {
    const status = Number(/^status (\d+)$/.exec(ebLines.at(-1) ?? '')?.[1] ?? 1);
    const output = ebLines.slice(1).filter((l) => !/^status \d+$/.test(l));
    const version = status === 0 ? (output.find((l) => /^\d+\.\d+/.test(l)) ?? null) : null;
    edgebench = {
      path: ebLines[0],
      version,
      ...(version
        ? {}
        : { error: output.join(' | ').slice(0, 300) || `edgebench --version failed (status ${status})` }),
    };
  }

  const pythonCandidates = get('pythons')
    .filter((line) => line.includes('\t'))
    .map((line) => {
      const [candidate, path, realPath, version] = line.split('\t');
      return {
        candidate,
        path,
        realPath: realPath || path,
        version: version && version !== '-' ? version.trim() : null,
      };
    });

  const disk = get('disk');
  const cacheDir = disk[0]?.trim() || null;
  const dfParts = disk[1]?.trim().split(/\s+/) ?? [];
  const freeKb = numberOrNull(dfParts[3]);

  return {
    hostname: hostname ?? null,
    user: user && user !== '-' ? user : null,
    os: { kernel, release, machine, distro, glibc },
    cpu: {
      model: cpuinfo.model ?? null,
      logicalCores: logical,
      physicalCores: cpuinfo.physicalCores ?? null,
      architecture: machine,
      features: cpuinfo.features,
      governors: [...new Set(cpufreq.map((c) => c.governor).filter((g): g is string => g !== null))],
    },
    memoryBytes: memKb === null ? null : memKb * 1024,
    gpus,
    jetson: isJetson
      ? {
          model,
          l4t,
          jetpack: jetpackPackage ?? jetpackFromL4t,
          jetpackFrom: jetpackPackage ? 'package' : jetpackFromL4t ? 'l4t' : null,
          powerMode,
          clocksLocked: clocks.locked,
          clocksDetail: clocks.detail,
          rails,
          powerSource: rails.length > 0 ? 'sysfs' : tegrastats ? 'tegrastats' : null,
          tegrastats,
          jetsonClocks: get('jetson-clocks')[0]?.trim() || null,
        }
      : null,
    cuda,
    cudnn,
    tensorrt,
    node,
    edgebench,
    trtexec,
    gpuDeviceNodes: gpuNodes,
    pythonCandidates,
    cacheDir,
    freeBytes: freeKb === null ? null : freeKb * 1024,
  };
}

// ---- Python, through the runners' own probes --------------------------------------------------

function probeLine<T>(stdout: string, schema: z.ZodType<T>): T | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const parsed = schema.safeParse(JSON.parse(line));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: a library's noise
    }
  }
  return undefined;
}

async function probePython(
  transport: Transport,
  scripts: DeviceScripts,
  candidate: DeviceFacts['pythonCandidates'][number],
): Promise<DevicePython> {
  const base = { ...candidate, torch: null, onnxruntime: null };
  if (!candidate.version) return { ...base, problem: 'does not run (no version printed)' };
  if (!versionAtLeast(candidate.version, 3, 6))
    return { ...base, problem: `Python ${candidate.version} is older than 3.6, which the runners need` };
  const env = { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
  const [torchRun, ortRun] = await Promise.all([
    transport.exec([candidate.path, scripts.path('torch'), 'probe'], {
      env,
      timeoutMs: 180_000,
      doing: 'asking Python about torch',
    }),
    transport.exec([candidate.path, scripts.path('ort'), 'probe'], {
      env,
      timeoutMs: 180_000,
      doing: 'asking Python about onnxruntime',
    }),
  ]);
  const torch: ProbeEvent | undefined = probeLine(torchRun.stdout, probeEventSchema);
  const ort: OrtProbeEvent | undefined = probeLine(ortRun.stdout, ortProbeEventSchema);
  if (!torch && !ort)
    return {
      ...base,
      problem: `its runner probes failed (${lastLines(torchRun.stderr || ortRun.stderr) || `exit code ${torchRun.code}`})`,
    };
  return {
    ...candidate,
    torch: torch
      ? {
          version: torch.torch,
          ...(torch.torchError ? { error: torch.torchError } : {}),
          torchvision: torch.torchvision ?? null,
          cudaBuilt: torch.cudaBuilt ?? null,
          cudaAvailable: torch.cudaAvailable ?? null,
          cudaDevice: torch.cudaDevice ?? null,
          ...(torch.cudaError ? { cudaError: torch.cudaError } : {}),
        }
      : null,
    onnxruntime: ort
      ? {
          version: ort.onnxruntime,
          ...(ort.onnxruntimeError
            ? { error: ort.onnxruntimeError }
            : ort.numpyError
              ? { error: `numpy: ${ort.numpyError}` }
              : {}),
          numpy: ort.numpy ?? null,
          providers: ort.providers ?? [],
        }
      : null,
  };
}

// ---- deciding what runs there ----------------------------------------------------------------

const NODE_MAJOR = 20;

/** For each engine: works there or not, and why not. Pure: exported for tests. */
export function decideEngines(facts: DeviceFacts, pythons: readonly DevicePython[]): DeviceEngine[] {
  const engines: DeviceEngine[] = [];
  const gpu = facts.gpuDeviceNodes.length > 0;
  const noGpu = 'no NVIDIA GPU device node on the device (/dev/nvidia0, /dev/nvhost-ctrl-gpu)';

  // 1. edgebench itself.
  const oldGlibc = facts.os.glibc && !versionAtLeast(facts.os.glibc, 2, 28);
  const glibcNote = oldGlibc
    ? `; this system's glibc ${facts.os.glibc} is older than the 2.28 official Node 18+ builds need (JetPack 4 / Ubuntu 18.04), so measure it agentless from another machine`
    : '';
  if (!facts.node)
    engines.push({
      id: 'edgebench',
      available: false,
      reason: `no Node.js on the device's PATH (edgebench needs Node ${NODE_MAJOR}+)${glibcNote}`,
    });
  else if (!versionAtLeast(facts.node.version, NODE_MAJOR))
    engines.push({
      id: 'edgebench',
      available: false,
      reason: `Node ${facts.node.version ?? '(unknown version)'} at ${facts.node.path} is older than ${NODE_MAJOR}${glibcNote}`,
    });
  else if (!facts.edgebench)
    engines.push({
      id: 'edgebench',
      available: false,
      reason: `Node ${facts.node.version} is there but no edgebench command on PATH (npm install -g edgebench on the device)`,
    });
  else if (!facts.edgebench.version)
    engines.push({
      id: 'edgebench',
      available: false,
      reason: `edgebench at ${facts.edgebench.path} does not run: ${facts.edgebench.error}`,
    });
  else
    engines.push({
      id: 'edgebench',
      available: true,
      detail: `edgebench ${facts.edgebench.version} on Node ${facts.node.version} (${facts.edgebench.path})`,
    });

  // 2. trtexec.
  if (!facts.trtexec)
    engines.push({
      id: 'trtexec',
      available: false,
      reason:
        'trtexec is neither on PATH nor at /usr/src/tensorrt/bin/trtexec (JetPack installs it with TensorRT)',
    });
  else if (!facts.trtexec.runs)
    engines.push({
      id: 'trtexec',
      available: false,
      reason: `${facts.trtexec.path}: ${facts.trtexec.error ?? 'does not run'}`,
    });
  else if (!gpu) engines.push({ id: 'trtexec', available: false, reason: noGpu });
  else
    engines.push({
      id: 'trtexec',
      available: true,
      detail: `TensorRT ${facts.trtexec.version ?? '(version unknown)'} (${facts.trtexec.path})`,
    });

  // 3. onnxruntime in Python, per provider.
  const anyPython = pythons.some((p) => !p.problem);
  const noPython =
    pythons.length === 0
      ? 'no python3 on the device'
      : `no usable Python 3.6+ (${pythons.map((p) => `${p.candidate}: ${p.problem}`).join('; ')})`;
  const ortPython = pythons.find((p) => Boolean(p.onnxruntime?.version && p.onnxruntime.numpy));
  for (const [id, provider] of [
    ['ort-python/tensorrt', 'TensorrtExecutionProvider'],
    ['ort-python/cuda', 'CUDAExecutionProvider'],
    ['ort-python/cpu', 'CPUExecutionProvider'],
  ] as const) {
    if (!anyPython) {
      engines.push({ id, available: false, reason: noPython });
      continue;
    }
    if (!ortPython) {
      const first = pythons.find((p) => p.onnxruntime);
      const why = first?.onnxruntime?.error ?? 'onnxruntime is not importable';
      engines.push({
        id,
        available: false,
        reason: `onnxruntime is not importable by ${first?.path ?? 'python3'} (${why}); on a Jetson install the onnxruntime-gpu wheel built for its JetPack and Python`,
      });
      continue;
    }
    const ort = ortPython.onnxruntime!;
    if (!ort.providers.includes(provider))
      engines.push({
        id,
        available: false,
        reason: `onnxruntime ${ort.version} in ${ortPython.path} has no ${provider} (it has ${ort.providers.join(', ') || 'none'})${provider === 'CPUExecutionProvider' ? '' : ': a CPU-only build; install onnxruntime-gpu'}`,
      });
    else if (provider !== 'CPUExecutionProvider' && !gpu)
      engines.push({ id, available: false, reason: noGpu });
    else
      engines.push({
        id,
        available: true,
        detail: `onnxruntime ${ort.version} on Python ${ortPython.version} (${ortPython.path})`,
      });
  }

  // 4. torch.
  const torchPython = pythons.find((p) => Boolean(p.torch?.version));
  for (const id of ['torch/cuda', 'torch/cpu'] as const) {
    if (!anyPython) {
      engines.push({ id, available: false, reason: noPython });
      continue;
    }
    if (!torchPython) {
      const first = pythons.find((p) => p.torch);
      engines.push({
        id,
        available: false,
        reason: `torch is not importable by ${first?.path ?? 'python3'} (${first?.torch?.error ?? 'not installed'}); on a Jetson install NVIDIA's torch wheel for its JetPack`,
      });
      continue;
    }
    const torch = torchPython.torch!;
    const vision = torch.torchvision ? '' : '; torchvision is missing, so only TorchScript files run';
    if (id === 'torch/cuda' && !torch.cudaAvailable)
      engines.push({
        id,
        available: false,
        reason: torch.cudaError ?? `CUDA is not available to torch ${torch.version}`,
      });
    else
      engines.push({
        id,
        available: true,
        detail: `torch ${torch.version}${id === 'torch/cuda' && torch.cudaDevice ? ` on ${torch.cudaDevice}` : ''}, Python ${torchPython.version} (${torchPython.path})${vision}`,
      });
  }
  return engines;
}

export function levelOf(engines: readonly DeviceEngine[]): DeviceLevel | null {
  const works = (prefix: string) => engines.some((e) => e.available && e.id.startsWith(prefix));
  if (works('edgebench')) return 'edgebench';
  if (works('trtexec')) return 'trtexec';
  if (works('ort-python/')) return 'python-onnxruntime';
  if (works('torch/')) return 'python-torch';
  return null;
}

function warningsFor(facts: DeviceFacts, pythons: readonly DevicePython[]): string[] {
  const warnings: string[] = [];
  const j = facts.jetson;
  if (j?.powerMode && j.powerMode.isMax === false)
    warnings.push(
      `power mode ${j.powerMode.name ?? j.powerMode.id} is not the board's maximum (${j.powerMode.maxName}): 'sudo nvpmodel -m ${j.powerMode.maxId}' for the fastest numbers, or record the mode you measure`,
    );
  if (j && j.clocksLocked === false)
    warnings.push(`clocks are not locked (${j.clocksDetail}): 'sudo jetson_clocks' makes runs repeatable`);
  if (j && j.powerSource === null)
    warnings.push(
      'no power reading on this board (no INA3221 rails, no tegrastats): energy cannot be measured there',
    );
  const torchPython = pythons.find((p) => p.torch?.version);
  if (torchPython?.torch && !versionAtLeast(torchPython.torch.version, 1, 9))
    warnings.push(
      `torch ${torchPython.torch.version} predates torch.inference_mode (1.9): the runner uses no_grad there`,
    );
  return warnings;
}

// ---- the probe -------------------------------------------------------------------------------

export interface ProbeOptions {
  /** A root prefix for the files the probe reads (tests lay a fake Jetson out); default none. */
  root?: string;
  /** How the target is named in the description; default the transport's label. */
  target?: string;
  signal?: AbortSignal;
}

/**
 * Probes the device behind a transport. Connects, runs the sh probe, copies the runner scripts when
 * the device has a Python 3.6+ (once per version of them), asks each interpreter what it imports.
 */
export async function probeDevice(
  transport: Transport,
  options: ProbeOptions = {},
): Promise<DeviceDescription> {
  const started = Date.now();
  await transport.connect();
  const marker = `@@edgebench-${randomBytes(6).toString('hex')}`;
  const script = await readFile(deviceScriptPath('probe'), 'utf8');
  const raw = await transport.exec(['sh', '-s', '--', marker, options.root ?? ''], {
    stdin: script,
    timeoutMs: 120_000,
    doing: 'running the device probe',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const sections = splitSections(raw.stdout, marker);
  if (!sections.has('end'))
    throw new Error(
      `${transport.label}: the device probe stopped early (exit code ${raw.code}: ${lastLines(raw.stderr) || 'no message'})`,
    );
  const facts = parseFacts(sections);

  // One interpreter per real executable, in the order found.
  const seen = new Set<string>();
  const candidates = facts.pythonCandidates.filter((candidate) => {
    if (seen.has(candidate.realPath)) return false;
    seen.add(candidate.realPath);
    return true;
  });
  let pythons: DevicePython[] = candidates.map((c) => ({ ...c, torch: null, onnxruntime: null }));
  if (candidates.some((c) => versionAtLeast(c.version, 3, 6))) {
    const scripts = await installDeviceScripts(new DeviceCache(transport));
    pythons = await Promise.all(candidates.map((candidate) => probePython(transport, scripts, candidate)));
  } else
    pythons = pythons.map((p) => ({
      ...p,
      problem: p.version ? `Python ${p.version} is older than 3.6` : 'does not run',
    }));

  const engines = decideEngines(facts, pythons);
  if (transport.kind === 'local') {
    // This machine runs edgebench by definition: this very process.
    const self = engines.findIndex((e) => e.id === 'edgebench');
    engines[self] = {
      id: 'edgebench',
      available: true,
      detail: `edgebench ${EDGEBENCH_VERSION} (this process, Node ${process.version})`,
    };
  }
  const { pythonCandidates: _candidates, ...rest } = facts;
  return deviceDescriptionSchema.parse({
    schema: DEVICE_DESCRIPTION_SCHEMA_VERSION,
    target: options.target ?? transport.label,
    address: transport.address,
    probedAtEpochMs: started,
    durationMs: Date.now() - started,
    ...rest,
    pythons,
    engines,
    level: levelOf(engines),
    warnings: warningsFor(facts, pythons),
  });
}
