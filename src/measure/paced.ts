/**
 * A paced source feeding one consumer through a bounded queue: the core of camera emulation
 * (`realtime.ts`) and of the server scenario (Poisson arrivals).
 *
 * Arrival times are computed, not observed: item i arrives at its scheduled time, or when the source
 * could first deliver it if that is later. The schedule starts when the source delivers its first item
 * (a camera starts streaming once it is open; a decoder's start-up is not counted as lateness). The queue is brought up to date each time the consumer looks
 * at it, so a consumer that blocks the event loop cannot make arrivals look later (or latencies shorter)
 * than they were; drops are decided in arrival order exactly as a real bounded queue would.
 */
import { performance } from 'node:perf_hooks';

export const DROP_POLICIES = ['drop-oldest', 'drop-newest'] as const;
/** drop-oldest: a full queue discards its oldest frame (freshest data wins, as camera drivers do); drop-newest: the arriving frame is discarded. */
export type DropPolicy = (typeof DROP_POLICIES)[number];

/** Time in ms on some monotonic scale, and a way to wait for a moment on it. */
export interface Clock {
  now(): number;
  sleepUntil(ms: number): Promise<void>;
}

/** performance.now(), with sleeps that wake on time: a timer for the bulk, then a short yield loop. */
export const realClock: Clock = {
  now: () => performance.now(),
  async sleepUntil(ms: number): Promise<void> {
    const ahead = ms - performance.now();
    if (ahead > 2) await new Promise<void>((resolve) => setTimeout(resolve, Math.floor(ahead - 1.5)));
    while (performance.now() < ms) await new Promise<void>((resolve) => setImmediate(resolve));
  },
};

/** One served item; times in ms from the start of the run. */
export interface PacedRecord {
  index: number;
  /** Scheduled arrival, or when the source delivered the item if later. */
  arrivalMs: number;
  startMs: number;
  endMs: number;
  /** Whether this item produced an output (e.g. a clip result) whose latency counts. */
  output: boolean;
}

export interface PacedRun {
  /** Items that arrived (were offered to the queue). */
  offered: number;
  served: PacedRecord[];
  dropped: { index: number; arrivalMs: number }[];
  /** Items still queued when the run stopped at its time cap. */
  unserved: number;
  /** Items the source delivered after their scheduled arrival. */
  lateFromSource: number;
  /** Time of the last completion (or of the stop), from the start. */
  endMs: number;
  /** Whether the time cap stopped the run before the source ran out. */
  stoppedAtCap: boolean;
}

export interface PacedOptions<T> {
  source: Iterable<T> | AsyncIterable<T>;
  /** Scheduled arrival of item `index`, in ms from the start. */
  arrivalMs(index: number): number;
  /** Queue size; Infinity for an unbounded queue. */
  queueCapacity: number;
  dropPolicy: DropPolicy;
  /** Processes one item; resolve `false` when it produced no output (default: it did). */
  serve(item: T, index: number): Promise<boolean | undefined>;
  /** Stop after this many ms from the start (0 = when the source ends). */
  maxDurationMs?: number;
  /** Asynchronous sources are read ahead at most this many items. */
  readAheadItems?: number;
  clock?: Clock;
}

interface Pending<T> {
  item: T;
  /** When the source delivered it, relative to the start (−Infinity: available from the start). */
  availableMs: number;
}

/**
 * Reads an asynchronous source ahead in the background, stamping when each item became available. It
 * holds at most `limit` items ahead of their arrival, but always reads an item once it is due: a camera
 * keeps delivering frames while the consumer is busy, and a frame left unread then would look late
 * from the source (and escape the drop policy) only because the consumer was slow.
 */
class ReadAhead<T> {
  readonly buffer: Pending<T>[] = [];
  done = false;
  error: unknown;
  private pumping = false;
  private read = 0;
  private lastAvailable = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiters: (() => void)[] = [];
  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly limit: number,
    private readonly now: () => number,
    /** Scheduled arrival of item `index` on the `now` scale; undefined while the schedule is not set. */
    private readonly due: (index: number) => number | undefined = () => undefined,
  ) {}

  private nextIsDue(): boolean {
    const d = this.due(this.read);
    return d !== undefined && d <= this.now();
  }

  pump(): void {
    if (this.pumping || this.done) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pumping = true;
    void (async () => {
      try {
        while (!this.done && (this.buffer.length < this.limit || this.nextIsDue())) {
          const asked = this.now();
          const r = await this.iterator.next();
          if (r.done) this.done = true;
          else {
            // Time between the item falling due (with the previous one already in hand) and our asking
            // for it is this reader's delay (a timer firing late, a busy event loop), not the source's.
            const due = this.due(this.read);
            const ownDelay = due === undefined ? 0 : Math.max(0, asked - Math.max(due, this.lastAvailable));
            const availableMs = this.now() - ownDelay;
            this.lastAvailable = availableMs;
            this.buffer.push({ item: r.value, availableMs });
            this.read++;
          }
          this.wake();
        }
      } catch (error) {
        this.error = error;
        this.done = true;
        this.wake();
      } finally {
        this.pumping = false;
      }
      // Full, and the next item not due yet: read it when it is.
      const d = this.done ? undefined : this.due(this.read);
      if (d !== undefined)
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            this.pump();
          },
          Math.max(0, d - this.now()),
        );
    })();
  }

  /**
   * Reads every item due by `untilMs` that is not read yet. A consumer that blocks the event loop (a
   * native inference call) stops the reader too; the items that fell due meanwhile are read here,
   * before the queue is brought up to date, and stamped as if read on time (see the loop above).
   */
  async catchUp(untilMs: number): Promise<void> {
    for (;;) {
      if (this.done) return;
      const d = this.due(this.read);
      if (d === undefined || d > untilMs) return;
      const changed = this.changed();
      this.pump();
      await changed;
    }
  }

  /** Resolves when the buffer or the done flag changes. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async close(): Promise<void> {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.iterator.return?.();
  }
}

export async function runPaced<T>(options: PacedOptions<T>): Promise<PacedRun> {
  const clock = options.clock ?? realClock;
  const maxDurationMs = options.maxDurationMs ?? 0;
  const t0 = clock.now();
  const now = () => clock.now() - t0;

  /** The schedule's origin: when the first item became available (0 for synchronous sources). */
  let origin: number | undefined;
  // Synchronous sources are available from the start; asynchronous ones are read ahead.
  let syncIterator: Iterator<T> | undefined;
  let readAhead: ReadAhead<T> | undefined;
  const syncPending: Pending<T>[] = [];
  let syncDone = false;
  if (Symbol.iterator in options.source) syncIterator = (options.source as Iterable<T>)[Symbol.iterator]();
  else {
    const it = (options.source as AsyncIterable<T>)[Symbol.asyncIterator]();
    readAhead = new ReadAhead(it, Math.max(1, options.readAheadItems ?? 64), now, (index) =>
      origin === undefined ? undefined : origin + options.arrivalMs(index),
    );
    readAhead.pump();
  }
  const peek = (): Pending<T> | undefined => {
    if (readAhead) return readAhead.buffer[0];
    if (syncPending.length === 0 && !syncDone) {
      const r = syncIterator!.next();
      if (r.done) syncDone = true;
      else syncPending.push({ item: r.value, availableMs: Number.NEGATIVE_INFINITY });
    }
    return syncPending[0];
  };
  const take = (): void => {
    if (readAhead) {
      readAhead.buffer.shift();
      readAhead.pump();
    } else syncPending.shift();
  };
  const sourceDone = () =>
    readAhead ? readAhead.done && readAhead.buffer.length === 0 : syncDone && syncPending.length === 0;

  const queue: { index: number; arrivalMs: number; item: T }[] = [];
  const served: PacedRecord[] = [];
  const dropped: { index: number; arrivalMs: number }[] = [];
  let next = 0;
  let lateFromSource = 0;
  const scheduled = (index: number, first: Pending<T>): number => {
    if (origin === undefined)
      origin = Number.isFinite(first.availableMs) ? Math.max(0, first.availableMs) : 0;
    return origin + options.arrivalMs(index);
  };
  let stoppedAtCap = false;

  /** Moves every item that has arrived by `t` into the queue, applying the drop policy in arrival order. */
  const admit = (t: number): void => {
    for (;;) {
      const p = peek();
      if (!p) return;
      const due = scheduled(next, p);
      const arrival = Math.max(due, p.availableMs);
      if (arrival > t) return;
      if (maxDurationMs > 0 && arrival >= maxDurationMs) return;
      if (p.availableMs > due + 1) lateFromSource++;
      take();
      if (queue.length >= options.queueCapacity) {
        if (options.dropPolicy === 'drop-newest') {
          dropped.push({ index: next, arrivalMs: arrival });
          next++;
          continue;
        }
        const old = queue.shift()!;
        dropped.push({ index: old.index, arrivalMs: old.arrivalMs });
      }
      queue.push({ index: next, arrivalMs: arrival, item: p.item });
      next++;
    }
  };

  try {
    for (;;) {
      if (readAhead?.error) throw readAhead.error;
      if (readAhead) await readAhead.catchUp(now());
      const t = now();
      if (maxDurationMs > 0 && t >= maxDurationMs) {
        admit(maxDurationMs);
        stoppedAtCap = !sourceDone() || queue.length > 0;
        break;
      }
      admit(t);
      const head = queue.shift();
      if (head) {
        const startMs = now();
        const produced = await options.serve(head.item, head.index);
        served.push({
          index: head.index,
          arrivalMs: head.arrivalMs,
          startMs,
          endMs: now(),
          output: produced !== false,
        });
        continue;
      }
      if (sourceDone()) break;
      const p = peek();
      if (p) {
        let wake = Math.max(scheduled(next, p), p.availableMs);
        if (maxDurationMs > 0) wake = Math.min(wake, maxDurationMs);
        await clock.sleepUntil(t0 + wake);
      } else if (readAhead) {
        await readAhead.changed();
      }
    }
  } finally {
    await readAhead?.close();
  }
  const last = served.length > 0 ? served[served.length - 1].endMs : 0;
  return {
    offered: next,
    served,
    dropped,
    unserved: queue.length,
    lateFromSource,
    endMs: stoppedAtCap ? Math.max(last, maxDurationMs) : last,
    stoppedAtCap,
  };
}
