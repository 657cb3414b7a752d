/** Splitting a child's output stream into lines, and keeping only the tail of what it printed. */

/** Calls `onLine` for each complete line pushed (CR-LF endings trimmed); `end()` flushes the rest. */
export function lineSplitter(onLine: ((line: string) => void) | undefined): {
  push(text: string): void;
  end(): void;
} {
  let pending = '';
  return {
    push(text) {
      if (!onLine) return;
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        onLine(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    end() {
      if (onLine && pending.length > 0) onLine(pending.replace(/\r$/, ''));
      pending = '';
    },
  };
}

/** `current + text`, cut to its last `cap` characters (the tail is what explains an ending). */
export function appendCapped(current: string, text: string, cap: number): string {
  const joined = current + text;
  return joined.length > cap ? joined.slice(joined.length - cap) : joined;
}
