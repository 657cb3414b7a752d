/**
 * NVIDIA GPUs through nvidia-smi's query mode. Detection runs one query; sampling keeps one
 * long-lived `nvidia-smi … -lms N` child (spawning nvidia-smi every 100 ms would cost far more than
 * the sampling itself) and hands out the latest row per GPU with the time its line arrived.
 */
import type { ChildProcess } from 'node:child_process';
import { describeFailure, runCommand } from '../commands.js';
import {
  NVIDIA_THROTTLE_FIELDS,
  nvidiaSmiArgs,
  parseNvidiaSmiCsv,
  parseNvidiaSmiLine,
} from '../parse/nvidia-smi.js';
import {
  epochNowMs,
  type NvidiaSmiInfo,
  type NvidiaSmiSnapshot,
  type SourceDetection,
  type TelemetrySource,
} from '../types.js';
import { startHelper, stopHelper } from './children.js';

export class NvidiaSmiSource implements TelemetrySource<'nvidia-smi'> {
  readonly id = 'nvidia-smi' as const;
  info: NvidiaSmiInfo | null = null;
  private child: ChildProcess | null = null;
  private latest = new Map<number, NvidiaSmiSnapshot['gpus'][number]>();

  constructor(
    private readonly command: string,
    private readonly intervalMs: number,
  ) {}

  async detect(): Promise<SourceDetection> {
    let throttleField: string = NVIDIA_THROTTLE_FIELDS[0];
    let result = await runCommand(this.command, nvidiaSmiArgs(throttleField));
    if (!result.ok && /not a valid field/i.test(`${result.stdout}${result.stderr}`)) {
      throttleField = NVIDIA_THROTTLE_FIELDS[1];
      result = await runCommand(this.command, nvidiaSmiArgs(throttleField));
    }
    if (!result.ok) {
      const why = describeFailure(this.command, result);
      const hint = result.errorCode === 'ENOENT' ? ' on PATH (no NVIDIA driver installed)' : '';
      return { id: this.id, available: false, reason: `${why}${hint}` };
    }
    const rows = parseNvidiaSmiCsv(result.stdout);
    if (rows.length === 0) {
      return { id: this.id, available: false, reason: `${this.command} lists no GPU` };
    }
    this.info = {
      gpus: rows.map((row) => ({
        index: row.index,
        name: row.name,
        memoryTotalMiB: row.memoryTotalMiB,
        powerReadable: row.powerDrawW !== null,
      })),
      throttleField,
    };
    const noPower = this.info.gpus.filter((gpu) => !gpu.powerReadable).map((gpu) => gpu.index);
    return {
      id: this.id,
      available: true,
      ...(noPower.length > 0 ? { reason: `power.draw not reported for GPU ${noPower.join(', ')}` } : {}),
      details: { ...this.info },
    };
  }

  async start(): Promise<void> {
    this.child = startHelper(
      this.command,
      nvidiaSmiArgs(this.info?.throttleField, this.intervalMs),
      (line) => {
        const row = parseNvidiaSmiLine(line);
        if (row) this.latest.set(row.index, { ...row, tMs: epochNowMs() });
      },
    );
  }

  async read(): Promise<NvidiaSmiSnapshot | null> {
    if (this.latest.size === 0) return null;
    return { gpus: [...this.latest.values()].sort((a, b) => a.index - b.index) };
  }

  async stop(): Promise<{ childCpuMs: number | null }> {
    const child = this.child;
    this.child = null;
    return stopHelper(child);
  }
}
