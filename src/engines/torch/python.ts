/**
 * The Python side of the PyTorch engine: which interpreter, where the runner script is, and what
 * that interpreter can do (python present? torch importable, which version? CUDA? torchvision?).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeFailure, runProcess } from '../subprocess.js';
import { type ProbeEvent, probeEventSchema, TORCH_PROTOCOL_VERSION } from './protocol.js';

/**
 * The runner script, shipped beside the package as python/edgebench_torch.py. The path is the same
 * relative to src/engines/torch/ (tests) and dist/engines/torch/ (the built package).
 */
export function runnerScriptPath(): string {
  return fileURLToPath(new URL('../../../python/edgebench_torch.py', import.meta.url));
}

export function runnerScriptExists(): boolean {
  return existsSync(runnerScriptPath());
}

/** The interpreter to use: an explicit one, $EDGEBENCH_PYTHON, else python3 (python on Windows). */
export function pythonCommand(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.EDGEBENCH_PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
}

export type PythonProbe =
  | { ok: true; python: string; info: ProbeEvent }
  | { ok: false; python: string; reason: string; pythonMissing: boolean };

const PROBE_TIMEOUT_MS = 120_000;
const probeCache = new Map<string, Promise<PythonProbe>>();

/** Asks the interpreter what it has; cached per interpreter and PATH for the life of the process. */
export function probePython(python: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonProbe> {
  const key = `${python}\n${env.PATH ?? ''}`;
  let pending = probeCache.get(key);
  if (!pending) {
    pending = runProbe(python, env);
    probeCache.set(key, pending);
  }
  return pending;
}

/** Forgets cached probes (tests switch interpreters). */
export function clearPythonProbeCache(): void {
  probeCache.clear();
}

async function runProbe(python: string, env: NodeJS.ProcessEnv): Promise<PythonProbe> {
  if (!runnerScriptExists())
    return {
      ok: false,
      python,
      pythonMissing: false,
      reason: `the runner script is missing from this install (${runnerScriptPath()})`,
    };
  const outcome = await runProcess(python, [runnerScriptPath(), 'probe'], {
    env: { ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (outcome.spawnError?.code === 'ENOENT')
    return {
      ok: false,
      python,
      pythonMissing: true,
      reason: `${python} not found on PATH (install Python 3 with torch, or set EDGEBENCH_PYTHON to an interpreter that has it)`,
    };
  for (const line of outcome.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = probeEventSchema.safeParse(value);
    if (!parsed.success) continue;
    if (parsed.data.protocol !== TORCH_PROTOCOL_VERSION)
      return {
        ok: false,
        python,
        pythonMissing: false,
        reason: `the runner script speaks protocol ${parsed.data.protocol}, edgebench ${TORCH_PROTOCOL_VERSION} (a mixed-up install)`,
      };
    return { ok: true, python, info: parsed.data };
  }
  const stderr = outcome.stderr.trim().split('\n').slice(-2).join(' | ');
  return {
    ok: false,
    python,
    pythonMissing: false,
    reason: `${python} could not run the probe (${describeFailure(python, outcome, PROBE_TIMEOUT_MS)}${stderr ? `: ${stderr.slice(0, 300)}` : ''})`,
  };
}

/** Why torch cannot run at all, or undefined when it can. */
export function torchUnavailableReason(probe: PythonProbe): string | undefined {
  if (!probe.ok) return probe.reason;
  const info = probe.info;
  if (!info.torch)
    return `torch is not importable in ${probe.python} (Python ${info.python}${info.executable ? ` at ${info.executable}` : ''}): ${info.torchError ?? 'not installed'}`;
  return undefined;
}

/** Why torch cannot use CUDA, or undefined when it can. */
export function cudaUnavailableReason(probe: PythonProbe): string | undefined {
  const noTorch = torchUnavailableReason(probe);
  if (noTorch) return noTorch;
  if (!probe.ok) return probe.reason;
  if (probe.info.cudaAvailable) return undefined;
  return `torch ${probe.info.torch}: ${probe.info.cudaError ?? 'CUDA is not available'}`;
}
