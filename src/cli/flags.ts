/** Flag parsers shared by commands: each names the flag and the allowed values when it refuses one. */
import { threadCountProblem } from '../engines/ort-options.js';
import { UserError } from '../errors.js';

export function intFlag(flag: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new UserError(`${flag} must be an integer ≥ ${min}, got '${value}'`);
    return n;
  };
}

/** A thread count: an integer ≥ 0 (0 = the runtime decides), bounded by this machine's CPUs. */
export function threadsFlag(flag: string) {
  const integer = intFlag(flag);
  return (value: string): number => {
    const n = integer(value);
    const problem = threadCountProblem(flag, n);
    if (problem) throw new UserError(problem);
    return n;
  };
}

export function numberFlag(flag: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min)
      throw new UserError(`${flag} must be a number ≥ ${min}, got '${value}'`);
    return n;
  };
}

export function choiceFlag<T extends string>(flag: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value))
      throw new UserError(`${flag} must be one of ${allowed.join(', ')}; got '${value}'`);
    return value as T;
  };
}

/** Collects a repeatable flag into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses `key=value` pairs (values that look like numbers or booleans become those). */
export function keyValueFlag(flag: string) {
  return (value: string, previous: Record<string, string | number | boolean> | undefined) => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UserError(`${flag} expects KEY=VALUE, got '${value}'`);
    const raw = value.slice(eq + 1);
    const parsed: string | number | boolean =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
    return { ...(previous ?? {}), [value.slice(0, eq)]: parsed };
  };
}
