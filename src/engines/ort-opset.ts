/**
 * The one place that decides whether a model needs an opset upgrade before onnxruntime can run it.
 * onnxruntime has no kernels below ai.onnx opset 7 (and misses a few old versions above it): such a
 * model is upgraded in memory, exactly (src/onnx/opset-upgrade), and the session created from the
 * upgraded bytes. The user's file is never written. Off (`opsetUpgrade: false`), the onnxruntime
 * error is shown with a hint that the upgrade exists.
 */
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type * as OrtTypes from 'onnxruntime-node';
import { messageOf, UserError } from '../errors.js';
import type { Model } from '../onnx/ir.js';
import { loadModel, modelFromBytes, modelToBytes } from '../onnx/model-io.js';
import { MAX_UPGRADE_OPSET, OP_HISTORY, upgradeOpset } from '../onnx/opset-upgrade/index.js';
import type { OpsetUpgradeInfo } from './engine.js';
import { describeLoadError, onnxruntimeVersion, ort } from './ort-binding.js';

/** The lowest ai.onnx opset onnxruntime implements kernels for (its operator documentation). */
export const ORT_MIN_OPSET = 7;

export type { OpsetUpgradeInfo };

/** The line the CLI prints and results carry among their warnings. */
export function describeOpsetUpgrade(u: Pick<OpsetUpgradeInfo, 'from' | 'to' | 'reason'>): string {
  return `upgraded ai.onnx opset ${u.from} → ${u.to} in memory: ${u.reason} (the file is unchanged)`;
}

const HINT =
  'edgebench can upgrade the model exactly, in memory: leave out --no-opset-upgrade (opsetUpgrade: false in a study spec)';

function ortShortVersion(): string {
  return onnxruntimeVersion().split('.').slice(0, 2).join('.');
}

// ---- reading the opset import without parsing the graph --------------------------------------

function varint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    value += (bytes[i] & 0x7f) * scale;
    if ((bytes[i] & 0x80) === 0) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

/** The ai.onnx version in an OperatorSetIdProto (domain = 1, version = 2). */
function parseOpsetId(bytes: Uint8Array): { domain: string; version: number } {
  let domain = '';
  let version = 0;
  let at = 0;
  while (at < bytes.length) {
    const tag = varint(bytes, at);
    if (!tag) break;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = varint(bytes, tag.next);
      if (!v) break;
      if (field === 2) version = v.value;
      at = v.next;
    } else if (wire === 2) {
      const len = varint(bytes, tag.next);
      if (!len) break;
      if (field === 1) domain = new TextDecoder().decode(bytes.subarray(len.next, len.next + len.value));
      at = len.next + len.value;
    } else break;
  }
  return { domain, version };
}

type Reader = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * The ai.onnx opset a ModelProto imports (field 8), found by walking the top-level fields and
 * skipping the others by their length: a few small reads even for a model of gigabytes.
 */
async function scanOpset(read: Reader, size: number): Promise<number | undefined> {
  let at = 0;
  let found: number | undefined;
  while (at < size) {
    const head = await read(at, Math.min(20, size - at));
    const tag = varint(head, 0);
    if (!tag) return found;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = varint(head, tag.next);
      if (!v) return found;
      at += v.next;
    } else if (wire === 2) {
      const len = varint(head, tag.next);
      if (!len) return found;
      if (field === 8) {
        const id = parseOpsetId(await read(at + len.next, len.value));
        if (id.domain === '' || id.domain === 'ai.onnx') found = id.version;
      }
      at += len.next + len.value;
    } else if (wire === 1) at += tag.next + 8;
    else if (wire === 5) at += tag.next + 4;
    else return found;
  }
  return found;
}

export async function readFileOpset(path: string): Promise<number | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    return await scanOpset(async (offset, length) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    }, size);
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

export function readBytesOpset(bytes: Uint8Array): Promise<number | undefined> {
  return scanOpset(async (offset, length) => bytes.subarray(offset, offset + length), bytes.length).catch(
    () => undefined,
  );
}

// ---- the decision --------------------------------------------------------------------------------

export interface OrtSessionRequest {
  /** A file path or model bytes. */
  source: string | Uint8Array;
  /** Names the model in messages. */
  label: string;
  options: OrtTypes.InferenceSession.SessionOptions;
  /** Upgrade in memory when onnxruntime cannot run the model's opset (default true). */
  opsetUpgrade?: boolean;
}

export interface OrtSessionResult<Session = OrtTypes.InferenceSession> {
  session: Session;
  opsetUpgrade?: OpsetUpgradeInfo;
}

/** How a session is made from a path or bytes: onnxruntime-node's public API unless told otherwise. */
export type SessionFactory<Session> = (
  source: string | Uint8Array,
  options: OrtTypes.InferenceSession.SessionOptions,
) => Promise<Session>;

const MISSING_KERNEL = /Could not find an implementation for (\w+)\((\d+)\)/;

/** The opset to upgrade to when onnxruntime lacks `op`'s version `version`: that op's next version. */
function targetFor(opset: number, op: string, version: number): number | undefined {
  const next = OP_HISTORY[op]?.versions.find((v) => v > version && v > opset);
  const target = Math.max(next ?? opset + 1, ORT_MIN_OPSET);
  return target <= MAX_UPGRADE_OPSET && target > opset ? target : undefined;
}

async function upgradedBytes(
  request: OrtSessionRequest,
  from: number,
  to: number,
  reason: string,
  started: number,
): Promise<{ bytes: Uint8Array; info: OpsetUpgradeInfo }> {
  const model: Model =
    typeof request.source === 'string'
      ? await loadModel(request.source)
      : modelFromBytes(request.source, request.label);
  const result = upgradeOpset(model, to);
  if (!result.upgraded)
    throw new UserError(
      `cannot run ${request.label}: it imports ai.onnx opset ${from} and ${reason}, and edgebench cannot upgrade it to opset ${to} exactly: ${result.reason}`,
    );
  const bytes = modelToBytes(model);
  return {
    bytes,
    info: {
      domain: 'ai.onnx',
      from,
      to,
      reason,
      rewritten: result.rewritten,
      durationMs: performance.now() - started,
    },
  };
}

const publicSession: SessionFactory<OrtTypes.InferenceSession> = (source, options) =>
  typeof source === 'string'
    ? ort().InferenceSession.create(source, options)
    : ort().InferenceSession.create(source, options);

/** Creates an onnxruntime session, upgrading the model's opset in memory where onnxruntime needs it. */
export function createOrtSession(request: OrtSessionRequest): Promise<OrtSessionResult>;
export function createOrtSession<Session>(
  request: OrtSessionRequest,
  create: SessionFactory<Session>,
): Promise<OrtSessionResult<Session>>;
export async function createOrtSession<Session>(
  request: OrtSessionRequest,
  create: SessionFactory<Session> = publicSession as SessionFactory<Session>,
): Promise<OrtSessionResult<Session>> {
  const allow = request.opsetUpgrade !== false;
  const started = performance.now();
  const opset =
    typeof request.source === 'string'
      ? await readFileOpset(request.source)
      : await readBytesOpset(request.source);
  if (opset !== undefined && opset < ORT_MIN_OPSET) {
    const reason = `onnxruntime ${ortShortVersion()} has no kernels for opset < ${ORT_MIN_OPSET}`;
    if (!allow)
      throw new UserError(
        `onnxruntime could not load ${request.label}: it imports ai.onnx opset ${opset} and ${reason}; ${HINT}`,
      );
    const { bytes, info } = await upgradedBytes(request, opset, ORT_MIN_OPSET, reason, started);
    return { session: await createOrFail(bytes, request, create), opsetUpgrade: info };
  }
  try {
    return { session: await create(request.source, request.options) };
  } catch (error) {
    const missing = MISSING_KERNEL.exec(messageOf(error));
    const target =
      missing && opset !== undefined ? targetFor(opset, missing[1], Number(missing[2])) : undefined;
    if (!missing || opset === undefined || target === undefined)
      throw new UserError(describeLoadError(request.label, error), { cause: error });
    if (!allow) throw new UserError(`${describeLoadError(request.label, error)}; ${HINT}`, { cause: error });
    const reason = `onnxruntime ${ortShortVersion()} has no kernel for ${missing[1]}(${missing[2]})`;
    const { bytes, info } = await upgradedBytes(request, opset, target, reason, started);
    return { session: await createOrFail(bytes, request, create), opsetUpgrade: info };
  }
}

async function createOrFail<Session>(
  bytes: Uint8Array,
  request: OrtSessionRequest,
  create: SessionFactory<Session>,
): Promise<Session> {
  try {
    return await create(bytes, request.options);
  } catch (error) {
    throw new UserError(`${describeLoadError(request.label, error)} (after the in-memory opset upgrade)`, {
      cause: error,
    });
  }
}
