/**
 * A paced source feeding one consumer through a bounded queue: the core of camera emulation
 * (`realtime.ts`) and of the server scenario (Poisson arrivals).
 *
 * Arrival times are the schedule, not observations: item i arrives at `arrivalMs(i)` from the schedule's
 * origin (as MLPerf LoadGen counts latency from a query's scheduled issue), and latency is measured from
 * there. The schedule starts when the source delivers its first item (a camera starts streaming once it
 * is open; a decoder's start-up is not counted as lateness). The queue is brought up to date each time
 * the consumer looks at it, so a consumer that blocks the event loop cannot make arrivals look later (or
 * latencies shorter) than they were; drops are decided in arrival order exactly as a real bounded queue
 * would.
 *
 * An asynchronous source can still fall behind its schedule (a decoder slower than real time). Whether
 * it did is judged from the source's own time per item — the time the reader waited for it while the
 * event loop was idle (`Clock.idleMs`) — replayed on a reader that is never held up: a consumer that
 * holds the thread (onnxruntime-node's CPU `run` does) delays the reads, not the source.
 */
import { performance } from 'node:perf_hooks';
import { abortable } from '../util/abort.js';

export const DROP_POLICIES = ['drop-oldest', 'drop-newest'] as const;
/** drop-oldest: a full queue discards its oldest frame (freshest data wins, as camera drivers do); drop-newest: the arriving frame is discarded. */
export type DropPolicy = (typeof DROP_POLICIES)[number];

/** Time in ms on some monotonic scale, and a way to wait for a moment on it. */
export interface Clock {
  now(): number;
  sleepUntil(ms: number): Promise<void>;
  /**
   * Cumulative ms the event loop has spent idle (waiting for I/O or timers), on the `now` scale. A wait
   * for the source counts as the source's time only while the loop was idle; without it, all of it does.
   */
  idleMs?(): number;
}

/** performance.now(), with sleeps that wake on time: a timer for the bulk, then a short yield loop. */
export const realClock: Clock = {
  now: () => performance.now(),
  async sleepUntil(ms: number): Promise<void> {
    const ahead = ms - performance.now();
    if (ahead > 2) await new Promise<void>((resolve) => setTimeout(resolve, Math.floor(ahead - 1.5)));
    while (performance.now() < ms) await new Promise<void>((resolve) => setImmediate(resolve));
  },
  idleMs: () => performance.eventLoopUtilization().idle,
};

/** One served item; times in ms from the start of the run. */
export interface PacedRecord {
  index: number;
  /** Scheduled arrival (latency counts from here, even when the source delivered the item later). */
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
  /**
   * Items the source itself could not deliver by their scheduled arrival: its own time per item (waits
   * while the event loop was idle), replayed on a reader that is never held up, ends after the item's
   * due time (+1 ms). A consumer blocking the thread does not make items late from the source.
   */
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
  /** Aborting stops the run at once (waits included): it rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface Pending<T> {
  item: T;
  /** When the reader got it, relative to the start (−Infinity: available from the start). */
  availableMs: number;
  /**
   * When a reader that is never held up would have had it: it asks for item i once it holds item i − 1
   * and item i − limit has arrived (at once, for the first ones), and the source then takes its own time
   * for it (the reader's wait while the event loop was idle). −Infinity for synchronous sources.
   */
  readyMs: number;
}

/** An item is late from the source when it was ready more than this after its scheduled arrival. */
const LATE_TOLERANCE_MS = 1;

/**
 * Reads an asynchronous source ahead in the background, noting how long the source itself took for each
 * item. It holds at most `limit` items ahead of their arrival, but always reads an item once it is due:
 * a camera keeps delivering frames while the consumer is busy, and a frame left unread then would escape
 * the drop policy only because the consumer was slow.
 */
class ReadAhead<T> {
  readonly buffer: Pending<T>[] = [];
  done = false;
  error: unknown;
  private pumping = false;
  private read = 0;
  /** `readyMs` of the last item read. */
  private ready = Number.NEGATIVE_INFINITY;
  /** Whether the last item read was late from the source: catching up would wait on the source. */
  private behind = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiters: (() => void)[] = [];
  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly limit: number,
    private readonly now: () => number,
    /** Cumulative idle ms of the event loop, if the clock knows it. */
    private readonly idle: (() => number) | undefined,
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
          const idleBefore = this.idle?.();
          const r = await this.iterator.next();
          if (r.done) this.done = true;
          else {
            const got = this.now();
            // While the consumer held the thread (a native inference call), the item may have been ready
            // long before we could take it: only the idle part of the wait is the source's.
            const waited = got - asked;
            const sourceMs =
              idleBefore === undefined ? waited : Math.max(0, Math.min(waited, this.idle!() - idleBefore));
            const asks = this.read >= this.limit ? this.due(this.read - this.limit) : undefined;
            this.ready =
              this.read === 0 ? got : Math.max(this.ready, asks ?? Number.NEGATIVE_INFINITY) + sourceMs;
            const due = this.due(this.read);
            this.behind = due !== undefined && this.ready > due + LATE_TOLERANCE_MS;
            this.buffer.push({ item: r.value, availableMs: got, readyMs: this.ready });
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
   * before the queue is brought up to date. A source that is itself behind is not waited for.
   */
  async catchUp(untilMs: number): Promise<void> {
    for (;;) {
      if (this.done || this.behind) return;
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
  const signal = options.signal;
  signal?.throwIfAborted();
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
    readAhead = new ReadAhead(
      it,
      Math.max(1, options.readAheadItems ?? 64),
      now,
      clock.idleMs?.bind(clock),
      (index) => (origin === undefined ? undefined : origin + options.arrivalMs(index)),
    );
    readAhead.pump();
  }
  const peek = (): Pending<T> | undefined => {
    if (readAhead) return readAhead.buffer[0];
    if (syncPending.length === 0 && !syncDone) {
      const r = syncIterator!.next();
      if (r.done) syncDone = true;
      else
        syncPending.push({
          item: r.value,
          availableMs: Number.NEGATIVE_INFINITY,
          readyMs: Number.NEGATIVE_INFINITY,
        });
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
  /** When the consumer last finished an item. */
  let consumerFreeMs = 0;

  /** Moves every item that has arrived by `t` into the queue, applying the drop policy in arrival order. */
  const admit = (t: number): void => {
    for (;;) {
      const p = peek();
      if (!p) return;
      const due = scheduled(next, p);
      // The item is in hand: it enters the queue at its scheduled arrival, stamped with it.
      const arrival = due;
      if (arrival > t) return;
      if (maxDurationMs > 0 && arrival >= maxDurationMs) return;
      if (p.readyMs > due + LATE_TOLERANCE_MS) lateFromSource++;
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
      signal?.throwIfAborted();
      if (readAhead?.error) throw readAhead.error;
      // Items that fell due while the consumer worked (and maybe held the thread) are read before the
      // queue is updated; an item due since then that the source has not delivered is not waited for.
      if (readAhead) await abortable(readAhead.catchUp(consumerFreeMs), signal);
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
        consumerFreeMs = now();
        served.push({
          index: head.index,
          arrivalMs: head.arrivalMs,
          startMs,
          endMs: consumerFreeMs,
          output: produced !== false,
        });
        continue;
      }
      if (sourceDone()) break;
      const p = peek();
      if (p) {
        let wake = scheduled(next, p);
        if (maxDurationMs > 0) wake = Math.min(wake, maxDurationMs);
        await abortable(clock.sleepUntil(t0 + wake), signal);
      } else if (readAhead) {
        await abortable(readAhead.changed(), signal);
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
