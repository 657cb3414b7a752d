/**
 * The device-side scripts edgebench ships in its python/ folder, and getting them onto a device:
 * the runners (PyTorch, onnxruntime), the module they share, the telemetry collector and the sh probe.
 * They travel as one bundle, so a runner finds its shared module beside it; a device that has this
 * exact set already gets nothing copied.
 */
import { fileURLToPath } from 'node:url';
import type { DeviceCache } from './cache.js';

/** The package's python/ folder; the same relative path from src/targets/ (tests) and dist/targets/. */
export function deviceScriptsDir(): string {
  return fileURLToPath(new URL('../../python/', import.meta.url));
}

export const DEVICE_SCRIPTS = {
  loop: 'edgebench_loop.py',
  torch: 'edgebench_torch.py',
  ort: 'edgebench_ort.py',
  telemetry: 'edgebench_telemetry.py',
  probe: 'edgebench_probe.sh',
} as const;
export type DeviceScript = keyof typeof DEVICE_SCRIPTS;

export function deviceScriptPath(script: DeviceScript): string {
  return fileURLToPath(new URL(`../../python/${DEVICE_SCRIPTS[script]}`, import.meta.url));
}

export interface DeviceScripts {
  /** The folder on the device holding all of them. */
  dir: string;
  path(script: DeviceScript): string;
  /** Files copied this time (0 when the device had this set already). */
  copied: number;
}

/** Puts the scripts on the device (once per version of them); on this machine they are used in place. */
export async function installDeviceScripts(cache: DeviceCache): Promise<DeviceScripts> {
  const files = Object.values(DEVICE_SCRIPTS).map((name) => ({
    localPath: fileURLToPath(new URL(`../../python/${name}`, import.meta.url)),
    name,
  }));
  const bundle = await cache.uploadBundle(files);
  return {
    dir: bundle.remoteDir,
    path: (script) => `${bundle.remoteDir}/${DEVICE_SCRIPTS[script]}`,
    copied: bundle.copied,
  };
}
