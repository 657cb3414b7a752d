/**
 * What an agent announces: its id, tags, the execution providers that work here (from the same
 * probes as `edgebench env`), the other engines, CPU, memory, GPUs, the telemetry sources that work,
 * and its software versions. Built once at start-up; sent with every heartbeat and stored with each
 * study the agent measures for.
 */
import os from 'node:os';
import type { EnvironmentReport } from '../env/environment.js';

export interface AgentCapabilities {
  agent: string;
  hostname: string;
  tags: string[];
  /** onnxruntime execution providers that work here (`cpu`, `cuda`, …). */
  eps: string[];
  /** Every engine and execution provider probed, with why not when unavailable. */
  engines: Array<{ id: string; available: boolean; reason?: string }>;
  cpu: { model: string; logicalCores: number; architecture: string };
  memoryBytes: number | null;
  gpus: Array<{ vendor?: string; name?: string }>;
  jetson: Record<string, unknown> | null;
  /** Telemetry sources that work here (power, clocks, temperatures…). */
  telemetrySources: string[];
  os: string;
  node: string;
  onnxruntime: string;
  edgebench: string;
  concurrency: number;
  startedAt: string;
}

type LooseHost = {
  hostname?: string;
  os?: { platform?: string; release?: string; distro?: string };
  cpu?: { model?: string; logicalCores?: number; architecture?: string };
  memoryBytes?: number;
  gpus?: Array<{ vendor?: string; name?: string }>;
  jetson?: Record<string, unknown>;
  node?: string;
};

export function capabilitiesFrom(
  report: EnvironmentReport,
  options: { agent: string; tags: string[]; concurrency: number },
): AgentCapabilities {
  const host = report.host as unknown as LooseHost;
  const eps = report.executionProviders
    .filter((p) => p.available && p.id.startsWith('ort/'))
    .map((p) => p.id.slice(4));
  return {
    agent: options.agent,
    hostname: host.hostname ?? os.hostname(),
    tags: options.tags,
    eps,
    engines: report.executionProviders.map((p) => ({
      id: p.id,
      available: p.available,
      ...(p.reason ? { reason: p.reason } : {}),
    })),
    cpu: {
      model: host.cpu?.model ?? os.cpus()[0]?.model ?? 'unknown',
      logicalCores: host.cpu?.logicalCores ?? os.cpus().length,
      architecture: host.cpu?.architecture ?? os.arch(),
    },
    memoryBytes: host.memoryBytes ?? null,
    gpus: (host.gpus ?? []).map((g) => ({ vendor: g.vendor, name: g.name })),
    jetson: host.jetson ?? null,
    telemetrySources: report.telemetrySources.filter((s) => s.available).map((s) => s.id),
    os: host.os
      ? `${host.os.distro ?? host.os.platform ?? ''} ${host.os.release ?? ''}`.trim()
      : os.platform(),
    node: host.node ?? process.version,
    onnxruntime: report.onnxruntime,
    edgebench: report.edgebench,
    concurrency: options.concurrency,
    startedAt: new Date().toISOString(),
  };
}
