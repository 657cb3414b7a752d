/**
 * Whether each onnxruntime execution provider initializes on this machine. Each probe runs in a child
 * process: a provider that fails prints native errors to stderr (which we capture rather than show)
 * and one that crashes takes only the child down.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EngineProbe } from './engine.js';
import { ORT_EXECUTION_PROVIDERS, type OrtExecutionProvider } from './ort-options.js';

const PROBE_TIMEOUT_MS = 60_000;
const cache = new Map<OrtExecutionProvider, Promise<EngineProbe>>();

export function probeExecutionProviders(
  eps: readonly OrtExecutionProvider[] = ORT_EXECUTION_PROVIDERS,
): Promise<EngineProbe[]> {
  return Promise.all(eps.map((ep) => probeOne(ep)));
}

function probeOne(ep: OrtExecutionProvider): Promise<EngineProbe> {
  let pending = cache.get(ep);
  if (!pending) {
    pending = runProbeChild(ep);
    cache.set(ep, pending);
  }
  return pending;
}

function runProbeChild(ep: OrtExecutionProvider): Promise<EngineProbe> {
  const child = fileURLToPath(new URL('./ort-probe-child.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [child, ep],
      { timeout: PROBE_TIMEOUT_MS, env: process.env },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          const parsed = JSON.parse(line) as { ok: boolean; bundled: boolean; error?: string };
          resolve({
            id: `ort/${ep}`,
            bundled: parsed.bundled,
            available: parsed.ok,
            ...(parsed.ok
              ? {}
              : { reason: explainProbeFailure(ep, parsed.error ?? '', stderr, parsed.bundled) }),
          });
        } catch {
          const why = error?.killed
            ? `timed out after ${PROBE_TIMEOUT_MS / 1000} s`
            : `probe process failed (${error?.message ?? 'no output'})`;
          resolve({
            id: `ort/${ep}`,
            bundled: ep === 'cpu' || ep === 'webgpu',
            available: false,
            reason: why,
          });
        }
      },
    );
  });
}

/** Turns native error text into a reason a user can act on. */
export function explainProbeFailure(
  ep: OrtExecutionProvider,
  error: string,
  stderr: string,
  bundled: boolean,
): string {
  const text = `${error}\n${stderr}`;
  if (ep === 'webgpu') {
    if (/libvulkan\.so/.test(text))
      return 'no Vulkan loader (libvulkan.so.1) on this machine; install libvulkan1 and a GPU driver with a Vulkan ICD';
    if (/adapter/i.test(text))
      return 'no WebGPU adapter: no GPU with a working Vulkan driver was found (CPU-only Vulkan is not accepted)';
  }
  if (
    (ep === 'cuda' || ep === 'tensorrt') &&
    /shared library|providers_shared|cannot open shared object/i.test(text)
  ) {
    const what = ep === 'cuda' ? 'CUDA' : 'TensorRT';
    return bundled
      ? `${what} provider is installed but its libraries (CUDA/cuDNN${ep === 'tensorrt' ? '/TensorRT' : ''}) could not be loaded`
      : `${what} provider libraries are not installed (onnxruntime-node bundles only CPU and WebGPU; see README "CUDA")`;
  }
  const firstLine = error.split('\n')[0].replace(/^.*?\] : \d+ : [A-Z_]+ : /, '');
  return firstLine.slice(0, 300) || 'failed to initialize';
}
