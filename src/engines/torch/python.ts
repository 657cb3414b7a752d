/**
 * The Python side of the PyTorch engine: which interpreter, where the runner script is, and what
 * that interpreter can do (python present? torch importable, which version? CUDA? torchvision?).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
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

/** Where a candidate interpreter came from, in the order they are tried. */
export type PythonSource = 'option' | 'EDGEBENCH_PYTHON' | 'PATH' | 'system';

export interface PythonCandidate {
  python: string;
  source: PythonSource;
}

/** The system's own interpreter (Debian's python3-torch lives there, whatever pyenv/venv/conda is on PATH). */
export const SYSTEM_PYTHONS: readonly string[] = process.platform === 'win32' ? [] : ['/usr/bin/python3'];

/**
 * The interpreters worth asking, best first: an explicit one (`--python`, an engine option), then
 * $EDGEBENCH_PYTHON, then `python3` on PATH (`python` on Windows), then the system's. The same
 * executable reached twice (a PATH entry that is the system's) is asked once.
 */
export function pythonCandidates(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  systemPythons: readonly string[] = SYSTEM_PYTHONS,
): PythonCandidate[] {
  const onPath = process.platform === 'win32' ? 'python' : 'python3';
  const all: PythonCandidate[] = [
    ...(explicit ? [{ python: explicit, source: 'option' as const }] : []),
    ...(env.EDGEBENCH_PYTHON ? [{ python: env.EDGEBENCH_PYTHON, source: 'EDGEBENCH_PYTHON' as const }] : []),
    { python: onPath, source: 'PATH' as const },
    ...systemPythons.map((python) => ({ python, source: 'system' as const })),
  ];
  const seen = new Set<string>();
  return all.filter((candidate) => {
    const key = realExecutable(candidate.python, env) ?? candidate.python;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The file an interpreter name runs (searching PATH for bare names), links resolved; undefined if none. */
function realExecutable(python: string, env: NodeJS.ProcessEnv): string | undefined {
  const files = python.includes(path.sep)
    ? [python]
    : (env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir || '.', python));
  for (const file of files) {
    try {
      if (statSync(file).isFile()) return realpathSync(file);
    } catch {
      // not here: the next PATH entry
    }
  }
  return undefined;
}

const SOURCE_LABELS: Record<PythonSource, string> = {
  option: '--python',
  EDGEBENCH_PYTHON: '$EDGEBENCH_PYTHON',
  PATH: 'python3 on PATH',
  system: "the system's",
};

export function pythonSourceLabel(source: PythonSource): string {
  return SOURCE_LABELS[source];
}

export function describePythonSource(candidate: PythonCandidate): string {
  return candidate.source === 'system'
    ? `the system's ${candidate.python}`
    : `${candidate.python} (${SOURCE_LABELS[candidate.source]})`;
}

/** Which interpreter an engine uses, and why each one before it was passed over. */
export interface PythonChoice {
  /** The interpreter that meets the need, if any. */
  chosen?: PythonCandidate & { probe: Extract<PythonProbe, { ok: true }> };
  /** Every candidate asked and not taken, with why. */
  skipped: Array<PythonCandidate & { reason: string }>;
  /** Why no candidate will do (when none is chosen): the first candidate's reason, plus a hint. */
  reason?: string;
}

/**
 * Picks the interpreter for a need (`torch`: torch importable). A user's own choice (`--python`,
 * $EDGEBENCH_PYTHON) is never swapped for another behind their back: when it cannot serve, the
 * choice fails and says which other interpreter could.
 */
export async function choosePython(
  need: (probe: PythonProbe) => string | undefined,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  systemPythons: readonly string[] = SYSTEM_PYTHONS,
): Promise<PythonChoice> {
  const candidates = pythonCandidates(explicit, env, systemPythons);
  const probes = await Promise.all(candidates.map((c) => probePython(c.python, env)));
  const skipped: PythonChoice['skipped'] = [];
  const pinned = candidates[0]?.source === 'option' || candidates[0]?.source === 'EDGEBENCH_PYTHON';
  for (const [i, candidate] of candidates.entries()) {
    const probe = probes[i];
    const why = need(probe);
    if (why === undefined && probe.ok) return { chosen: { ...candidate, probe }, skipped };
    skipped.push({ ...candidate, reason: why ?? 'unusable' });
    if (pinned && i === 0) {
      const other = probes.findIndex((p, j) => j > 0 && need(p) === undefined);
      const redirect =
        candidate.source === 'option'
          ? 'give that as --python instead'
          : 'point $EDGEBENCH_PYTHON there, or unset it';
      const hint = other > 0 ? `; ${describePythonSource(candidates[other])} would do: ${redirect}` : '';
      return { skipped, reason: `${why}${hint}` };
    }
  }
  return { skipped, reason: skipped[0]?.reason ?? 'no Python interpreter found' };
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
      reason: `${python} not found${python.includes(path.sep) ? '' : ' on PATH'} (install Python 3 with torch, or set EDGEBENCH_PYTHON to an interpreter that has it)`,
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
