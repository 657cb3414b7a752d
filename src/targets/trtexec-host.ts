/**
 * The trtexec engine's host on a board: trtexec and every file operation run there over the target's
 * transport (argv only; the few sh one-liners take paths as their arguments, never in their text).
 * Files from this machine (the ONNX model, a calibration cache, input tensors) go into the device
 * cache once per content; built engine plans are kept there in `<device cache>/trt`, keyed as locally
 * (model hash, TensorRT version, GPU, flags); each run's exports go to a fresh folder under
 * `<device cache>/work`, are read back over the connection, and the folder is removed.
 */
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { ProcessOutcome } from '../engines/subprocess.js';
import { gpuNameOf, type TrtexecHost } from '../engines/trtexec/host.js';
import { UserError } from '../errors.js';
import type { DeviceCache } from './cache.js';
import { lastLines, TargetError } from './errors.js';
import type { DeviceDescription } from './probe.js';
import type { Transport } from './transport.js';

export interface DeviceTrtexecParts {
  transport: Transport;
  cache: DeviceCache;
  device: DeviceDescription;
  /** How messages name the board: `board (jetson@10.0.0.5:22)`. */
  label: string;
}

const QUICK_MS = 60_000;
const READ_LIMIT_CHARS = 512 * 1024 * 1024;

export function deviceTrtexecHost({ transport, cache, device, label }: DeviceTrtexecParts): TrtexecHost {
  /** A short command that must succeed; its failure is the device's, in one line. */
  const must = async (argv: string[], doing: string, stdin?: string): Promise<string> => {
    const result = await transport.exec(argv, {
      timeoutMs: QUICK_MS,
      doing,
      ...(stdin !== undefined ? { stdin } : {}),
    });
    if (result.code !== 0)
      throw new TargetError(
        'ssh-failed',
        `${label}: ${doing} failed (${lastLines(result.stderr) || `exit code ${result.code}`})`,
      );
    return result.stdout;
  };
  const quiet = (argv: string[], doing: string) => transport.exec(argv, { timeoutMs: QUICK_MS, doing });

  return {
    label,
    locate: async (explicit) => {
      if (explicit)
        throw new UserError(
          `on ${label} edgebench uses the trtexec its probe found (${device.trtexec?.path ?? 'none'}); drop the trtexec path`,
        );
      return device.trtexec ? { path: device.trtexec.path, source: 'device probe' } : undefined;
    },
    run: async (program, args, options = {}): Promise<ProcessOutcome> => {
      try {
        const result = await transport.exec([program, ...args], {
          timeoutMs: options.timeoutMs ?? 0,
          doing: `running ${path.posix.basename(program)} on the device`,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onStdoutLine ? { onStdoutLine: options.onStdoutLine } : {}),
        });
        return { ...result, signal: null, timedOut: false, aborted: false };
      } catch (error) {
        // The program's own failures come back as outcomes, as they do here; a lost connection is thrown.
        if (!(error instanceof TargetError)) throw error;
        const now = Date.now();
        const base = {
          signal: null,
          stdout: '',
          stderr: error.message,
          aborted: false,
          startEpochMs: now,
          endEpochMs: now,
        };
        if (error.kind === 'timeout') return { ...base, code: null, timedOut: true };
        if (error.kind === 'command-not-found') {
          const spawnError: NodeJS.ErrnoException = Object.assign(new Error(error.message), {
            code: 'ENOENT',
          });
          return { ...base, code: null, timedOut: false, spawnError };
        }
        throw error;
      }
    },
    visibleGpu: async () => device.gpuDeviceNodes[0],
    gpuName: async () => gpuNameOf(device.gpus, device.jetson?.model),
    engineCacheDir: async (override) => override ?? `${await cache.root()}/trt`,
    stage: async (localFile) => {
      const uploaded = await cache.upload(localFile);
      return { path: uploaded.remotePath, sha256: uploaded.sha256 };
    },
    unstage: async (staged) => {
      // Only a copy in the cache's blobs goes (its folder is that content's alone), never another file.
      const blobs = `${await cache.root()}/blobs/`;
      if (!staged.startsWith(blobs) || staged.slice(blobs.length).split('/').length !== 2) return;
      await quiet(['rm', '-rf', staged.slice(0, staged.lastIndexOf('/'))], `removing ${staged}`);
    },
    sha256: async (file) => {
      const sum = (await must(['sha256sum', file], `hashing ${file}`)).trim().split(/\s+/)[0];
      if (!/^[0-9a-f]{64}$/.test(sum ?? ''))
        throw new TargetError('ssh-failed', `${label}: sha256sum printed no hash for ${file}`);
      return sum;
    },
    realPath: async (file) => (await must(['readlink', '-f', file], `resolving ${file}`)).trim(),
    makeWorkDir: async () => {
      const parent = `${await cache.root()}/work`;
      await must(['mkdir', '-p', parent], `creating ${parent}`);
      return (
        await must(['mktemp', '-d', `${parent}/trtexec.XXXXXXXX`], `creating a folder in ${parent}`)
      ).trim();
    },
    removeDir: async (dir) => {
      await quiet(['rm', '-rf', dir], `removing ${dir}`);
    },
    readText: async (file) => {
      // An --exportTimes file of a long run is megabytes: kept whole, not cut to the usual tail.
      const result = await transport
        .exec(['cat', file], {
          timeoutMs: QUICK_MS,
          doing: `reading ${file}`,
          maxCaptureChars: READ_LIMIT_CHARS,
        })
        .catch((error: unknown) => {
          if (error instanceof TargetError && error.kind === 'command-not-found') return undefined;
          throw error;
        });
      return result && result.code === 0 ? result.stdout : undefined;
    },
    writeText: async (file, text) => {
      await must(['sh', '-c', 'cat > "$1"', 'sh', file], `writing ${file}`, text);
    },
    fileSize: async (file) => {
      const result = await quiet(['sh', '-c', '[ -f "$1" ] && wc -c < "$1"', 'sh', file], `sizing ${file}`);
      const size = Number(result.stdout.trim());
      return result.code === 0 && result.stdout.trim() !== '' && Number.isInteger(size) ? size : undefined;
    },
    makeDir: async (dir) => {
      await must(['mkdir', '-p', dir], `creating ${dir}`);
    },
    rename: async (from, to) => {
      await must(['mv', '-f', from, to], `moving ${from} into place`);
    },
    remove: async (file) => {
      await quiet(['rm', '-f', file], `removing ${file}`);
    },
    join: (...parts) => path.posix.join(...parts),
    uniqueSuffix: () => String(randomInt(1, 2 ** 47)),
  };
}
