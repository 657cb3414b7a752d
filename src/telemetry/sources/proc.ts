/**
 * Process and system CPU use and memory from procfs: /proc/PID/stat (utime+stime of every thread),
 * /proc/PID/status (VmRSS, VmHWM) and /proc/stat (all CPUs). Without procfs (macOS) and when the
 * watched process is this one, falls back to process.cpuUsage()/resourceUsage() (no system figures).
 */
import os from 'node:os';
import {
  CLOCK_TICKS_PER_SECOND,
  parseProcPidStat,
  parseProcStat,
  parseProcStatAggregate,
  parseProcStatus,
} from '../parse/proc.js';
import { PolledFile, readError, readText, under } from '../sysfs.js';
import type { ProcInfo, ProcSnapshot, SourceDetection, TelemetrySource } from '../types.js';

export class ProcSource implements TelemetrySource<'proc'> {
  readonly id = 'proc' as const;
  info: ProcInfo | null = null;
  private readonly files: { stat: PolledFile; status: PolledFile; system: PolledFile };

  constructor(
    private readonly root: string,
    private readonly pid: number,
  ) {
    this.files = {
      stat: new PolledFile(under(root, `/proc/${pid}/stat`)),
      status: new PolledFile(under(root, `/proc/${pid}/status`)),
      system: new PolledFile(under(root, '/proc/stat')),
    };
  }

  async detect(): Promise<SourceDetection> {
    const statPath = under(this.root, `/proc/${this.pid}/stat`);
    const text = readText(statPath);
    const stat = text === null ? null : parseProcPidStat(text);
    if (stat === null) {
      const why = readError(statPath) ?? 'unparseable';
      if (this.pid === process.pid && this.root === '/' && process.platform !== 'linux') {
        this.info = { pid: this.pid, command: null, mode: 'node', cpuCount: os.availableParallelism() };
        return {
          id: this.id,
          available: true,
          reason:
            'no procfs: process CPU and peak RSS from Node itself (includes the sampler; no system CPU)',
          details: { ...this.info },
        };
      }
      return {
        id: this.id,
        available: false,
        reason: `cannot read /proc/${this.pid}/stat (${why}): the process is gone or there is no procfs`,
      };
    }
    const system = readText(under(this.root, '/proc/stat'));
    const parsed = system === null ? null : parseProcStat(system);
    this.info = {
      pid: this.pid,
      command: stat.comm,
      mode: 'procfs',
      cpuCount: parsed ? parsed.cpus.length : null,
    };
    return {
      id: this.id,
      available: true,
      ...(parsed ? {} : { reason: 'no /proc/stat: system CPU utilization is not recorded' }),
      details: { ...this.info },
    };
  }

  async read(): Promise<ProcSnapshot | null> {
    if (this.info?.mode === 'node') {
      const usage = process.cpuUsage();
      return {
        processCpuMs: (usage.user + usage.system) / 1000,
        rssKb: Math.round(process.memoryUsage.rss() / 1024),
        peakRssKb: process.resourceUsage().maxRSS,
        systemBusyTicks: null,
        systemTotalTicks: null,
      };
    }
    const statText = this.files.stat.read();
    const stat = statText === null ? null : parseProcPidStat(statText);
    const statusText = this.files.status.read();
    const status = statusText === null ? null : parseProcStatus(statusText);
    const systemText = this.files.system.read();
    const system = systemText === null ? null : parseProcStatAggregate(systemText);
    return {
      processCpuMs: stat ? ((stat.utimeTicks + stat.stimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND : null,
      rssKb: status?.vmRssKb ?? null,
      peakRssKb: status?.vmHwmKb ?? null,
      systemBusyTicks: system ? system.busy : null,
      systemTotalTicks: system ? system.total : null,
    };
  }

  async stop(): Promise<{ childCpuMs: null }> {
    for (const file of Object.values(this.files)) file.close();
    return { childCpuMs: null };
  }
}
