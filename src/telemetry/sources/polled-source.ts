/**
 * What the sysfs sources (cpufreq, RAPL, thermal) share: one number per file at every tick, each
 * under its key in the snapshot, the files opened once and kept open between reads.
 */
import { PolledFile } from '../sysfs.js';
import type { SourceDetection, SourceSnapshots, TelemetrySource, TelemetrySourceId } from '../types.js';

export abstract class PolledFilesSource<K extends TelemetrySourceId> implements TelemetrySource<K> {
  abstract readonly id: K;
  private files: Array<{ key: string; file: PolledFile }> = [];

  constructor(protected readonly root: string) {}

  abstract detect(): Promise<SourceDetection>;

  /** The detection of a source that cannot be used here, and why. */
  protected unavailable(reason: string): SourceDetection {
    return { id: this.id, available: false, reason };
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
