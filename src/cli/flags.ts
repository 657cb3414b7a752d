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

/** A number above zero (a rate, a bound, a deadline). */
export function positiveNumberFlag(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new UserError(`${flag} must be a number > 0, got '${value}'`);
    return n;
  };
}

/** A duration in seconds, or with a unit: `300`, `90s`, `5m`, `1.5m`, `250ms`, `1h` → milliseconds. */
export function durationFlag(flag: string) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(value.trim());
    if (!match)
      throw new UserError(`${flag} takes a duration such as 300 (seconds), 90s, 5m; got '${value}'`);
    const unit = (match[2] ?? 's').toLowerCase();
    const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000;
    return Number(match[1]) * factor;
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
