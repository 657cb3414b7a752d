/**
 * Bounds on what a declared size may make edgebench allocate. A dimension in a model, a --shape, a
 * .npy header or a file length is the user's data: checked against these before any allocation, so
 * that a corrupt or absurd size is one clear error instead of a RangeError or a machine out of memory.
 */
import { constants } from 'node:buffer';
import os from 'node:os';
import { UserError } from '../errors.js';

/** The memory this process may use: the machine's, or its cgroup's limit where that is lower. */
export function usableMemoryBytes(): number {
  const total = os.totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/**
 * The most one tensor edgebench allocates may take: a quarter of the usable memory (the weights,
 * onnxruntime's intermediates and the outputs need the rest), and never more than a Buffer can hold.
 */
export function maxTensorBytes(): number {
  return Math.min(Math.floor(usableMemoryBytes() / 4), constants.MAX_LENGTH);
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * The element count of a tensor of `dims`, after checking that every dimension is a whole number and
 * that the tensor fits in maxTensorBytes(); `what` names it in the error (e.g. "input 'x'").
 */
export function checkedElementCount(what: string, dims: readonly number[], bytesPerElement: number): number {
  const bad = dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined)
    throw new UserError(
      `${what} has dimension ${bad} in [${dims.join(', ')}]: dimensions are whole numbers ≥ 0`,
    );
  const elements = dims.reduce((a, b) => a * b, 1);
  const bytes = elements * bytesPerElement;
  const cap = maxTensorBytes();
  if (bytes > cap)
    throw new UserError(
      `${what} of shape ${dims.join('x')} would take ${gib(bytes)}, more than the ${gib(cap)} one tensor may take here (a quarter of this machine's memory): check the shape the model declares, or set a smaller one with --shape or --batch`,
    );
  return elements;
}
