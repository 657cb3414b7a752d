/** Pure parser for nvidia-smi's `--query-gpu … --format=csv,noheader,nounits` output. */
import type { NvidiaGpuReading } from '../types.js';

/** The throttle-reason field: named `clocks_throttle_reasons.active` before the R535-era rename. */
export const NVIDIA_THROTTLE_FIELDS = [
  'clocks_throttle_reasons.active',
  'clocks_event_reasons.active',
] as const;

/** The query columns, in the order the parser expects them (the last one is the throttle field). */
export function nvidiaQueryFields(throttleField: string = NVIDIA_THROTTLE_FIELDS[0]): string[] {
  return [
    'index',
    'name',
    'power.draw',
    'utilization.gpu',
    'utilization.memory',
    'memory.used',
    'memory.total',
    'clocks.sm',
    'clocks.mem',
    'temperature.gpu',
    throttleField,
  ];
}

/** nvidia-smi arguments for one query, or for its `-lms` loop when `loopMs` is given. */
export function nvidiaSmiArgs(throttleField?: string, loopMs?: number): string[] {
  const args = [`--query-gpu=${nvidiaQueryFields(throttleField).join(',')}`, '--format=csv,noheader,nounits'];
  if (loopMs !== undefined) args.push(`-lms`, String(Math.max(1, Math.round(loopMs))));
  return args;
}

/** A value nvidia-smi prints when it has none: `[N/A]`, `[Not Supported]`, `[Unknown Error]`, … */
function isMissing(raw: string): boolean {
  return raw === '' || raw === 'N/A' || /^\[.*\]$/.test(raw);
}

function num(raw: string): number | null {
  if (isMissing(raw)) return null;
  const value = Number(raw.replace(/\s*(W|%|MiB|MHz|C)$/i, ''));
  return Number.isFinite(value) ? value : null;
}

function mask(raw: string): number | null {
  if (isMissing(raw)) return null;
  const value = raw.startsWith('0x') ? Number.parseInt(raw.slice(2), 16) : Number(raw);
  return Number.isFinite(value) ? value : null;
}

/** Parses one CSV row; null for blank or malformed lines (e.g. an error message). */
export function parseNvidiaSmiLine(line: string): NvidiaGpuReading | null {
  const trimmed = line.trim();
  if (trimmed === '') return null;
  let columns = trimmed.split(',').map((column) => column.trim());
  const expected = nvidiaQueryFields().length;
  if (columns.length < expected) return null;
  if (columns.length > expected) {
    // A GPU name with a comma in it: glue the extra columns back into the name.
    const extra = columns.length - expected;
    columns = [columns[0], columns.slice(1, 2 + extra).join(', '), ...columns.slice(2 + extra)];
  }
  const index = Number(columns[0]);
  if (!Number.isInteger(index)) return null;
  return {
    index,
    name: columns[1],
    powerDrawW: num(columns[2]),
    utilizationGpuPct: num(columns[3]),
    utilizationMemoryPct: num(columns[4]),
    memoryUsedMiB: num(columns[5]),
    memoryTotalMiB: num(columns[6]),
    smClockMHz: num(columns[7]),
    memClockMHz: num(columns[8]),
    temperatureC: num(columns[9]),
    throttleReasonsMask: mask(columns[10]),
  };
}

/** Parses every row of a CSV answer. */
export function parseNvidiaSmiCsv(text: string): NvidiaGpuReading[] {
  const rows: NvidiaGpuReading[] = [];
  for (const line of text.split('\n')) {
    const row = parseNvidiaSmiLine(line);
    if (row) rows.push(row);
  }
  return rows;
}

/** clocks_throttle_reasons bits (NVML `nvmlClocksThrottleReason*`). */
export const NVIDIA_THROTTLE_REASONS: ReadonlyArray<{ bit: number; name: string; throttling: boolean }> = [
  { bit: 0x1, name: 'gpu_idle', throttling: false },
  { bit: 0x2, name: 'applications_clocks_setting', throttling: false },
  { bit: 0x4, name: 'sw_power_cap', throttling: true },
  { bit: 0x8, name: 'hw_slowdown', throttling: true },
  { bit: 0x10, name: 'sync_boost', throttling: false },
  { bit: 0x20, name: 'sw_thermal_slowdown', throttling: true },
  { bit: 0x40, name: 'hw_thermal_slowdown', throttling: true },
  { bit: 0x80, name: 'hw_power_brake_slowdown', throttling: true },
  { bit: 0x100, name: 'display_clock_setting', throttling: false },
];

/** Names of the reasons set in a mask; `onlyThrottling` drops idle and settings bits. */
export function decodeThrottleReasons(value: number, onlyThrottling = false): string[] {
  return NVIDIA_THROTTLE_REASONS.filter(
    (reason) => (value & reason.bit) !== 0 && (!onlyThrottling || reason.throttling),
  ).map((reason) => reason.name);
}
