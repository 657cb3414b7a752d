/**
 * onnxruntime-node itself: the module (loaded lazily, its log level set), its version and log
 * settings, and its errors in one line. The other onnxruntime files build on this one.
 */
import { createRequire } from 'node:module';
import type * as OrtTypes from 'onnxruntime-node';
import { messageOf, UserError } from '../errors.js';
import { VERBOSE_ENV_VAR } from './ort-options.js';

// onnxruntime-node is CommonJS; loading it lazily keeps `edgebench --help` fast.
const require = createRequire(import.meta.url);
let ortModule: typeof OrtTypes | undefined;
export function ort(): typeof OrtTypes {
  if (!ortModule) {
    ortModule = require('onnxruntime-node') as typeof OrtTypes;
    // onnxruntime's own log stays out of the terminal (see onnxruntimeLogSeverity).
    ortModule.env.logLevel = onnxruntimeVerbose() ? 'warning' : 'fatal';
  }
  return ortModule;
}

/** Set by the CLI's --verbose (an environment variable, so that worker processes inherit it). */

export function onnxruntimeVerbose(): boolean {
  return process.env[VERBOSE_ENV_VAR] === '1';
}

/**
 * Session `logSeverityLevel`: onnxruntime prints its errors itself, in red, before it throws them; at
 * level 3 a bad model shows two messages, one of them raw. Every such error also comes back as an
 * exception that edgebench words in one line, so only fatal ones are let through unless `verbose`
 * asks for onnxruntime's own log (warnings and info).
 */
export function onnxruntimeLogSeverity(verbose = onnxruntimeVerbose()): 1 | 4 {
  return verbose ? 1 : 4;
}

export function onnxruntimeVersion(): string {
  const versions = ort().env.versions as Record<string, string>;
  return versions.node ?? versions.common ?? 'unknown';
}

/** Turns onnxruntime's multi-line load errors into one line the user can act on. */
export function describeLoadError(modelPath: string, error: unknown): string {
  const raw = messageOf(error).replace(/\s+/g, ' ').trim();
  if (/protobuf parsing failed|Failed to load model|INVALID_PROTOBUF/i.test(raw)) {
    return `${modelPath} is not a valid ONNX model (onnxruntime could not parse it): check that the file is complete and really ONNX`;
  }
  if (/No such file|does not exist|NO_SUCHFILE/i.test(raw)) return `model file not found: ${modelPath}`;
  if (/ModelProto does not have a graph/i.test(raw)) {
    return `${modelPath} is not a valid ONNX model (it has no graph: empty, truncated or not an ONNX file): check that the file is complete and really ONNX`;
  }
  return `onnxruntime could not load ${modelPath}: ${withoutSourceLocations(raw).slice(0, 400)}`;
}

/** onnxruntime's message without its C++ source locations and function signatures: they say nothing to a user. */
function withoutSourceLocations(raw: string): string {
  return raw
    .replace(/^.*?\] : \d+ : [A-Z_]+ : /, '')
    .replace(/\s*\/?onnxruntime_src\/\S+:\d+ (?:[\w:~<>]+\([^)]*\)\s*)?/g, ' ')
    .trim();
}

/**
 * One line for a failed `session.run`: a kernel that refused its inputs (`Non-zero status code
 * returned while running Conv node…`) is named with its node, so the user knows where to look.
 */
export function describeRunError(modelPath: string, error: unknown): string {
  const raw = messageOf(error).replace(/\s+/g, ' ').trim();
  const kernel =
    /Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message: (.*)$/.exec(raw);
  const detail = kernel
    ? `node '${kernel[2]}' (${kernel[1]}) failed: ${withoutSourceLocations(kernel[3])}`
    : withoutSourceLocations(raw);
  return `onnxruntime could not run ${modelPath}: ${detail.slice(0, 400)} (the model contradicts itself, or the input shapes do not fit it)`;
}

/** A session with nothing to compute cannot be run or timed: say so instead of failing at the first run. */
export function assertHasOutputs(modelPath: string, outputs: readonly unknown[]): void {
  if (outputs.length === 0)
    throw new UserError(
      `${modelPath} declares no graph outputs, so there is nothing to run: check the model's export`,
    );
}
