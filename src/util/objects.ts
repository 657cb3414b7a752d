/** Small helpers on plain objects. */

/** The object without its undefined entries (so that spreading it never overwrites a default with undefined). */
export function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
