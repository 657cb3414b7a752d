/**
 * What the sysfs sources (cpufreq, RAPL, thermal) share: one number per file at every tick, each
 * under its key in the snapshot, the files opened once and kept open between reads.
 */
import { PolledFile } from '../sysfs.js';
import type { SourceDetection, SourceSnapshots, TelemetrySource, TelemetrySourceId } from '../types.js';

/** What a source found on this machine: the files to poll by key, the facts it keeps, what it reports. */
export interface Discovery<I> {
  files: Array<[key: string | number, path: string]>;
  info: I;
  details: Record<string, unknown>;
}

export abstract class PolledFilesSource<K extends TelemetrySourceId, I> implements TelemetrySource<K> {
  abstract readonly id: K;
  info: I | null = null;
  private files: Array<{ key: string; file: PolledFile }> = [];

  constructor(protected readonly root: string) {}

  /** What there is to poll here, or why the source cannot be used (one line). */
  protected abstract discover(): Discovery<I> | string;

  async detect(): Promise<SourceDetection> {
    const found = this.discover();
    if (typeof found === 'string') return { id: this.id, available: false, reason: found };
    for (const [key, path] of found.files) this.poll(key, path);
    this.info = found.info;
    return { id: this.id, available: true, details: found.details };
  }

  /** The snapshot for the numbers read this tick (at least one), by key. */
  protected abstract snapshot(values: Record<string, number>): SourceSnapshots[K];

  /** A file's number as the snapshot holds it; null drops the reading (default: as read). */
  protected convert(value: number): number | null {
    return value;
  }

  /** Polls `path` under `key` from now on. */
  protected poll(key: string | number, path: string): void {
    this.files.push({ key: String(key), file: new PolledFile(path) });
  }

  async read(): Promise<SourceSnapshots[K] | null> {
    const values: Record<string, number> = {};
    for (const { key, file } of this.files) {
      const raw = file.readNumber();
      const value = raw === null ? null : this.convert(raw);
      if (value !== null) values[key] = value;
    }
    return Object.keys(values).length > 0 ? this.snapshot(values) : null;
  }

  async stop(): Promise<{ childCpuMs: null }> {
    for (const { file } of this.files) file.close();
    return { childCpuMs: null };
  }
}
