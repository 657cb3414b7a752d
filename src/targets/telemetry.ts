/**
 * Telemetry sampled on the device: python/edgebench_telemetry.py runs there over the same
 * connection as the runner and streams JSON lines (rails, temperatures, clocks, GPU load, or raw
 * tegrastats lines), stamped with the device's monotonic clock. Here they become a TelemetryRecord —
 * the same record the local sampler makes, so the same summaries, energy figures and charts apply —
 * with tegrastats lines parsed by the parser the local Jetson source uses.
 *
 * Clock: the collector's first line pairs the device's monotonic clock with its wall clock; every
 * time in the record is that wall-clock anchor plus monotonic time elapsed, and deviceWindow() maps a
 * runner's monotonic steady-state window through the same anchor, so the two line up even when the
 * device's wall clock is wrong or steps during the run.
 */
import { z } from 'zod';
import { parseTegrastatsLine } from '../telemetry/parse/tegrastats.js';
import { JETSON_TOTAL_RAILS, tegrastatsSnapshot } from '../telemetry/sources/jetson.js';
import type {
  JetsonInfo,
  SourceDetection,
  TelemetryRecord,
  TelemetrySample,
  ThermalSensorInfo,
  TimeWindow,
} from '../telemetry/types.js';
import { lastLines, TargetError } from './errors.js';
import { clocksFrom, parseL4tRelease, powerModeFrom } from './jetson-facts.js';
import type { DeviceScripts } from './runners.js';
import type { RemoteProcess, Transport } from './transport.js';

export const TELEMETRY_COLLECTOR_PROTOCOL = 1;

const num = z.number();
const nullableNum = z.number().nullable();

const infoSchema = z.object({
  event: z.literal('info'),
  protocol: z.number().int(),
  python: z.string(),
  pid: z.number().int(),
  intervalMs: num,
  monotonicMs: num,
  epochMs: num,
  rails: z.array(z.string()),
  railMode: z.enum(['sysfs', 'tegrastats']).nullable(),
  tegrastats: z.string().nullable(),
  thermal: z.array(
    z.object({
      key: z.string(),
      kind: z.enum(['thermal_zone', 'hwmon']),
      name: z.string(),
      limitC: nullableNum,
      limitKind: z.enum(['passive', 'hot', 'critical', 'max', 'crit']).nullable(),
    }),
  ),
  cpufreq: z.array(
    z.object({
      cpu: z.number().int(),
      minKHz: nullableNum,
      maxKHz: nullableNum,
      scalingMinKHz: nullableNum,
      scalingMaxKHz: nullableNum,
      governor: z.string().nullable(),
      driver: z.string().nullable(),
    }),
  ),
  gpuDevfreq: z.object({ name: z.string(), minHz: nullableNum, maxHz: nullableNum }).nullable(),
  gpuLoad: z.boolean(),
  model: z.string().nullable(),
  l4t: z.string().nullable(),
  nvpmodel: z.string().nullable(),
  nvpmodelConf: z.string().nullable(),
  nvpmodelStatus: z.string().nullable(),
});
type CollectorInfo = z.infer<typeof infoSchema>;

const sampleSchema = z.object({
  event: z.literal('sample'),
  t: num,
  railsMw: z.record(z.string(), num).optional(),
  celsius: z.record(z.string(), num).optional(),
  khz: z.record(z.string(), num).optional(),
  gpuLoadPct: nullableNum.optional(),
});
const tegrastatsSchema = z.object({ event: z.literal('tegrastats'), t: num, line: z.string() });
const endSchema = z.object({
  event: z.literal('end'),
  monotonicMs: num,
  epochMs: num,
  ticks: z.number().int(),
  lateTicks: z.number().int(),
  cpuMs: num,
  childCpuMs: num,
  nvpmodel: z.string().nullable(),
});
const lineSchema = z.discriminatedUnion('event', [infoSchema, sampleSchema, tegrastatsSchema, endSchema]);

/** A record of device-side samples; `clock` is the anchor its times are built on. */
export interface DeviceTelemetryRecord extends TelemetryRecord {
  clock: { monotonicMs: number; epochMs: number; source: 'device' };
  /** The collector's own Python, and the power mode at the end (a mode change mid-run shows up here). */
  collector: { python: string; powerModeAtEnd: string | null };
}

export interface DeviceTelemetrySession {
  /** What the collector found, as soon as it started. */
  readonly info: CollectorInfo;
  /** Stops the collector (closing its stdin) and returns the record. */
  stop(): Promise<DeviceTelemetryRecord>;
}

export interface DeviceTelemetryOptions {
  /** The device's Python 3.6+ (as found by the device probe). */
  python: string;
  scripts: DeviceScripts;
  intervalMs?: number;
  /** A root prefix for the files it reads (tests lay a fake Jetson out). */
  root?: string;
  signal?: AbortSignal;
  /** Each sample as it arrives (live display); the record holds them all anyway. */
  onSample?(sample: TelemetrySample): void;
}

/** Epoch ms on the record's anchor for a device monotonic time. */
export function deviceEpochMs(record: Pick<DeviceTelemetryRecord, 'clock'>, monotonicMs: number): number {
  return record.clock.epochMs + (monotonicMs - record.clock.monotonicMs);
}

/** A runner's steady-state window (its `done` event) on the record's clock, for summarizeTelemetry. */
export function deviceWindow(
  record: Pick<DeviceTelemetryRecord, 'clock'>,
  done: { startMonotonicMs: number; endMonotonicMs: number },
): TimeWindow {
  return {
    startMs: deviceEpochMs(record, done.startMonotonicMs),
    endMs: deviceEpochMs(record, done.endMonotonicMs),
  };
}

/** Starts the collector on the device; resolves once it has said what it samples. */
export async function startDeviceTelemetry(
  transport: Transport,
  options: DeviceTelemetryOptions,
): Promise<DeviceTelemetrySession> {
  const samples: TelemetrySample[] = [];
  let info: CollectorInfo | undefined;
  let end: z.infer<typeof endSchema> | undefined;
  let problem: string | undefined;
  let onInfo: (() => void) | undefined;
  const toEpoch = (t: number) => (info ? info.epochMs + (t - info.monotonicMs) : t);

  const running: RemoteProcess = transport.start(
    [
      options.python,
      options.scripts.path('telemetry'),
      '--interval-ms',
      String(options.intervalMs ?? 100),
      ...(options.root ? ['--root', options.root] : []),
    ],
    {
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      doing: 'sampling telemetry on the device',
      ...(options.signal ? { signal: options.signal } : {}),
      onStdoutLine: (line) => {
        if (!line.startsWith('{')) return;
        let parsed: z.infer<typeof lineSchema>;
        try {
          const result = lineSchema.safeParse(JSON.parse(line));
          if (!result.success) {
            problem ??= `a collector line does not fit its protocol: ${line.slice(0, 200)}`;
            return;
          }
          parsed = result.data;
        } catch {
          return;
        }
        switch (parsed.event) {
          case 'info':
            info = parsed;
            onInfo?.();
            return;
          case 'sample': {
            const sample: TelemetrySample = { tMs: toEpoch(parsed.t) };
            if (parsed.celsius) sample.thermal = { celsius: parsed.celsius };
            if (parsed.khz) sample.cpufreq = { khz: parsed.khz };
            if (parsed.railsMw || parsed.gpuLoadPct !== undefined)
              sample.jetson = {
                railsMw: parsed.railsMw ?? {},
                gpuLoadPct: parsed.gpuLoadPct ?? null,
                emcLoadPct: null,
                cpuLoadPct: null,
                cpuFreqMHz: null,
                celsius: null,
              };
            samples.push(sample);
            options.onSample?.(sample);
            return;
          }
          case 'tegrastats': {
            const reading = parseTegrastatsLine(parsed.line);
            if (!reading) return;
            const sample: TelemetrySample = { tMs: toEpoch(parsed.t), jetson: tegrastatsSnapshot(reading) };
            samples.push(sample);
            options.onSample?.(sample);
            return;
          }
          case 'end':
            end = parsed;
            return;
        }
      },
    },
  );

  const started = await new Promise<CollectorInfo>((resolve, reject) => {
    onInfo = () => resolve(info!);
    running.done.then(
      (result) =>
        reject(
          new TargetError(
            'ssh-failed',
            `${transport.label}: the telemetry collector stopped before it started (exit code ${result.code}: ${lastLines(result.stderr) || 'no message'})`,
          ),
        ),
      reject,
    );
  });

  return {
    info: started,
    async stop() {
      running.stdin.end();
      const result = await running.done;
      if (!end)
        throw new TargetError(
          'ssh-failed',
          `${transport.label}: the telemetry collector ended without its summary (exit code ${result.code}: ${lastLines(result.stderr) || problem || 'no message'})`,
        );
      return toRecord(started, samples, end);
    },
  };
}

function toRecord(
  info: CollectorInfo,
  samples: TelemetrySample[],
  end: z.infer<typeof endSchema>,
): DeviceTelemetryRecord {
  const detections: SourceDetection[] = [
    {
      id: 'proc',
      available: false,
      reason: 'not sampled on a remote device (the runner reports its own peak memory)',
    },
  ];
  const record: DeviceTelemetryRecord = {
    intervalMs: info.intervalMs,
    pid: info.pid,
    startedMs: info.epochMs,
    stoppedMs: info.epochMs + (end.monotonicMs - info.monotonicMs),
    detections,
    info: {},
    samples: samples.sort((a, b) => a.tMs - b.tMs),
    cost: {
      wallMs: end.monotonicMs - info.monotonicMs,
      threadCpuMs: end.cpuMs,
      childCpuMs: end.childCpuMs,
      pctOfCore:
        end.monotonicMs > info.monotonicMs ? (end.cpuMs / (end.monotonicMs - info.monotonicMs)) * 100 : null,
      ticks: end.ticks,
      lateTicks: end.lateTicks,
    },
    clock: { monotonicMs: info.monotonicMs, epochMs: info.epochMs, source: 'device' },
    collector: { python: info.python, powerModeAtEnd: end.nvpmodel },
  };
  if (info.cpufreq.length > 0) {
    detections.push({ id: 'cpufreq', available: true, details: { cpus: info.cpufreq } });
    record.info.cpufreq = { cpus: info.cpufreq };
  } else detections.push({ id: 'cpufreq', available: false, reason: 'no cpufreq on the device' });
  if (info.thermal.length > 0) {
    const sensors: ThermalSensorInfo[] = info.thermal;
    detections.push({ id: 'thermal', available: true, details: { sensors } });
    record.info.thermal = { sensors };
  } else
    detections.push({
      id: 'thermal',
      available: false,
      reason: 'no readable temperature sensor on the device',
    });
  if (info.railMode) {
    const powerMode = powerModeFrom(info.nvpmodel, info.nvpmodelConf, info.nvpmodelStatus);
    const rails =
      info.railMode === 'sysfs'
        ? info.rails
        : [...new Set(samples.flatMap((s) => Object.keys(s.jetson?.railsMw ?? {})))];
    const jetson: JetsonInfo = {
      model: info.model,
      l4t: info.l4t ? (parseL4tRelease(info.l4t) ?? info.l4t) : null,
      mode: info.railMode,
      rails,
      totalRail: JETSON_TOTAL_RAILS.find((name) => rails.includes(name)) ?? null,
      powerMode: powerMode ?? { id: null, name: null, maxId: null, maxName: null, isMax: null, from: null },
      clocks: clocksFrom({
        cpus: info.cpufreq.map((c) => ({
          cpu: c.cpu,
          scalingMinKHz: c.scalingMinKHz,
          scalingMaxKHz: c.scalingMaxKHz,
        })),
        gpu: info.gpuDevfreq
          ? { name: info.gpuDevfreq.name, min: info.gpuDevfreq.minHz, max: info.gpuDevfreq.maxHz }
          : null,
      }),
    };
    detections.push({ id: 'jetson', available: true, details: { ...jetson } });
    record.info.jetson = jetson;
  } else
    detections.push({
      id: 'jetson',
      available: false,
      reason:
        info.l4t || info.model
          ? 'Jetson without a power reading: no INA3221 rails in sysfs and no tegrastats'
          : 'not a Jetson (no /etc/nv_tegra_release, no INA3221 power monitor)',
    });
  return record;
}
