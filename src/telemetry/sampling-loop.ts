/**
 * The sampling loop the sampler worker runs: detect sources, start the available ones, read them
 * on a fixed schedule (ticks aligned to the start, missed ticks skipped, not bunched), and hand
 * back a record with the loop's own CPU cost.
 */
import { messageOf } from '../errors.js';
import type { ResolvedTelemetryOptions } from './options.js';
import { CLOCK_TICKS_PER_SECOND, parseProcPidStat } from './parse/proc.js';
import { createSources, type SourceWithInfo } from './sources/index.js';
import { readText } from './sysfs.js';
import {
  epochNowMs,
  type SourceDetection,
  type SourceInfos,
  type TelemetryRecord,
  type TelemetrySample,
} from './types.js';

/** CPU time of the calling thread in ms: schedstat (ns) if present, else stat ticks (10 ms); null without procfs. */
export function threadCpuMs(): number | null {
  const schedstat = readText('/proc/thread-self/schedstat');
  if (schedstat !== null) {
    const ns = Number(schedstat.trim().split(/\s+/)[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  }
  const stat = readText('/proc/thread-self/stat');
  const parsed = stat === null ? null : parseProcPidStat(stat);
  return parsed ? ((parsed.utimeTicks + parsed.stimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND : null;
}

/** Detects every source without throwing. */
export async function detectAll(sources: readonly SourceWithInfo[]): Promise<SourceDetection[]> {
  return Promise.all(
    sources.map(async (source) => {
      try {
        return await source.detect();
      } catch (error) {
        return { id: source.id, available: false, reason: `detection failed: ${messageOf(error)}` };
      }
    }),
  );
}

export class SamplingLoop {
  private readonly sources: SourceWithInfo[];
  private active: SourceWithInfo[] = [];
  private detections: SourceDetection[] = [];
  private readonly samples: TelemetrySample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private startedMs = 0;
  private startCpuMs: number | null = null;
  private ticks = 0;
  private lateTicks = 0;
  private stopping = false;

  constructor(private readonly options: ResolvedTelemetryOptions) {
    this.sources = createSources(options);
  }

  /** Detects and starts sources; returns the detections. */
  async init(): Promise<SourceDetection[]> {
    this.detections = await detectAll(this.sources);
    const available = this.sources.filter((_, i) => this.detections[i].available);
    for (const source of available) {
      try {
        await source.start?.();
        this.active.push(source);
      } catch (error) {
        const detection = this.detections.find((d) => d.id === source.id)!;
        detection.available = false;
        detection.reason = `could not start: ${messageOf(error)}`;
      }
    }
    return this.detections;
  }

  /** Starts ticking: one sample now, then every intervalMs. */
  begin(): void {
    this.startedMs = epochNowMs();
    this.startCpuMs = threadCpuMs();
    const interval = this.options.intervalMs;
    let next = 0;
    const tick = (): void => {
      const due = this.startedMs + next * interval;
      if (epochNowMs() - due > interval) this.lateTicks++;
      this.inFlight = this.sampleOnce().then(() => {
        this.inFlight = null;
        if (this.stopping) return;
        // Skip ticks that are already past rather than firing them back to back.
        next = Math.max(next + 1, Math.floor((epochNowMs() - this.startedMs) / interval) + 1);
        this.timer = setTimeout(tick, Math.max(0, this.startedMs + next * interval - epochNowMs()));
      });
    };
    tick();
  }

  private async sampleOnce(): Promise<void> {
    const sample: TelemetrySample = { tMs: epochNowMs() };
    const readings = await Promise.all(
      this.active.map(async (source) => {
        try {
          return await source.read();
        } catch {
          return null;
        }
      }),
    );
    this.active.forEach((source, i) => {
      const reading = readings[i];
      if (reading !== null) (sample as Record<string, unknown>)[source.id] = reading;
    });
    this.samples.push(sample);
    this.ticks++;
  }

  /** Takes a last sample, stops helpers and returns the record. */
  async stop(): Promise<TelemetryRecord> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.inFlight) await this.inFlight;
    await this.sampleOnce();
    const stoppedMs = epochNowMs();
    const endCpuMs = threadCpuMs();
    let childCpuMs: number | null = null;
    for (const source of this.active) {
      try {
        const stopped = await source.stop?.();
        if (stopped?.childCpuMs != null) childCpuMs = (childCpuMs ?? 0) + stopped.childCpuMs;
      } catch {
        // a helper that fails to stop is already gone
      }
    }
    const wallMs = stoppedMs - this.startedMs;
    const threadMs = this.startCpuMs === null || endCpuMs === null ? null : endCpuMs - this.startCpuMs;
    const info: Partial<SourceInfos> = {};
    for (const source of this.active) {
      if (source.info) (info as Record<string, unknown>)[source.id] = source.info;
    }
    return {
      intervalMs: this.options.intervalMs,
      pid: this.options.pid,
      startedMs: this.startedMs,
      stoppedMs,
      detections: this.detections,
      info,
      samples: this.samples,
      cost: {
        wallMs,
        threadCpuMs: threadMs,
        childCpuMs,
        pctOfCore: threadMs === null || wallMs <= 0 ? null : (threadMs / wallMs) * 100,
        ticks: this.ticks,
        lateTicks: this.lateTicks,
      },
    };
  }
}
