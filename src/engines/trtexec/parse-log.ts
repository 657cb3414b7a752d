/**
 * Reading what trtexec prints. Pure: text in, facts out. Handles the summary styles of TensorRT 7
 * ("Host Latency" / "min: … ms (end to end … ms)" blocks), 8.0–8.2 ("=== Performance summary ===" with
 * one percentile and an End-to-End Host Latency line) and 8.4+/10 (several percentiles, H2D/D2H lines).
 */

/** min/max/mean/median/percentiles of one trtexec metric, in ms; any of them may be missing. */
export interface MetricSummary {
  minMs?: number;
  maxMs?: number;
  meanMs?: number;
  medianMs?: number;
  /** Keyed by the percentile as printed, e.g. { "99": 1.82 }. */
  percentilesMs: Record<string, number>;
}

export interface TraceAverage {
  runs: number;
  gpuMs: number;
  hostMs: number;
  endToEndMs?: number;
  enqueueMs?: number;
}

export interface BindingInfo {
  name: string;
  dims: number[];
}

export interface TrtexecLog {
  /** `x.y.z` from "TensorRT version:" or the `[TensorRT v8502]` banner. */
  tensorrtVersion?: string;
  /** "Selected Device: …" */
  device?: string;
  computeCapability?: string;
  /** &&&& PASSED / FAILED; undefined when neither line was printed (crash, killed). */
  passed?: boolean;
  warmup?: { queries: number; ms: number };
  timing?: { queries: number; seconds: number };
  throughputQps?: number;
  /** H2D + GPU compute + D2H per query ("Host Latency" in TensorRT 7). */
  latency?: MetricSummary;
  /** TensorRT ≤ 8.2 only. */
  endToEnd?: MetricSummary;
  enqueue?: MetricSummary;
  h2d?: MetricSummary;
  gpuCompute?: MetricSummary;
  d2h?: MetricSummary;
  totalHostWalltimeS?: number;
  totalGpuComputeS?: number;
  engineBuildS?: number;
  engineLoadS?: number;
  engineDeserializeS?: number;
  traceAverages: TraceAverage[];
  inputs: BindingInfo[];
  outputs: BindingInfo[];
  /** [W] lines (trtexec's own advice, e.g. unstable GPU compute time). */
  warnings: string[];
  /** [E] and [F] lines. */
  errors: string[];
}

const PREFIX = /^\[\d{2}\/\d{2}\/\d{4}-\d{2}:\d{2}:\d{2}\] \[([IWEVF])\] ?/;
const NUM = '([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?|inf|nan)';

function num(text: string): number {
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === 'nan') return Number.NaN;
  return Number(text);
}

/** `8502` → `8.5.2`; `100300` → `10.3.0` (TensorRT 10 changed the encoding to major·10000). */
export function decodeBannerVersion(code: string): string | undefined {
  const n = Number(code);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  if (n >= 100000) return `${Math.floor(n / 10000)}.${Math.floor((n % 10000) / 100)}.${n % 100}`;
  return `${Math.floor(n / 1000)}.${Math.floor((n % 1000) / 100)}.${n % 100}`;
}

/** Parses "min = 1 ms, max = 2 ms, mean = …, median = …, percentile(99%) = … ms". */
export function parseMetricLine(text: string): MetricSummary {
  const summary: MetricSummary = { percentilesMs: {} };
  const pattern = new RegExp(`(min|max|mean|median|percentile\\(([\\d.]+)%\\)) = ${NUM} ms`, 'g');
  for (const match of text.matchAll(pattern)) {
    const value = num(match[3]);
    if (match[2] !== undefined) summary.percentilesMs[match[2]] = value;
    else if (match[1] === 'min') summary.minMs = value;
    else if (match[1] === 'max') summary.maxMs = value;
    else if (match[1] === 'mean') summary.meanMs = value;
    else summary.medianMs = value;
  }
  return summary;
}

const MODERN_METRICS: Record<string, keyof TrtexecLog> = {
  Latency: 'latency',
  'End-to-End Host Latency': 'endToEnd',
  'Enqueue Time': 'enqueue',
  'H2D Latency': 'h2d',
  'GPU Compute Time': 'gpuCompute',
  'D2H Latency': 'd2h',
};

type LegacyBlock = 'host' | 'enqueue' | 'gpu' | undefined;

function ensure(log: TrtexecLog, key: 'latency' | 'endToEnd' | 'enqueue' | 'gpuCompute'): MetricSummary {
  log[key] ??= { percentilesMs: {} };
  return log[key]!;
}

function setLegacy(summary: MetricSummary, stat: string, value: number, percentile?: string) {
  if (stat === 'percentile' && percentile) summary.percentilesMs[percentile] = value;
  else if (stat === 'min') summary.minMs = value;
  else if (stat === 'max') summary.maxMs = value;
  else if (stat === 'mean') summary.meanMs = value;
  else if (stat === 'median') summary.medianMs = value;
}

function parseDims(text: string): number[] {
  return text.split('x').map((d) => Number(d));
}

interface ParseState {
  log: TrtexecLog;
  /** TensorRT 7 prints a block header ("Host Latency"), then "min: … ms (end to end … ms)" lines. */
  legacy: LegacyBlock;
}

type Rule = [RegExp, (m: RegExpExecArray, state: ParseState) => void];

/** One rule per kind of line trtexec prints; the first that matches a line handles it. */
const RULES: Rule[] = [
  [
    /^TensorRT version: (\d+\.\d+\.\d+(?:\.\d+)?)/,
    (m, { log }) => {
      log.tensorrtVersion = m[1];
    },
  ],
  [
    /^Selected Device: (.+)$/,
    (m, { log }) => {
      log.device = m[1].trim();
    },
  ],
  [
    /^Compute Capability: (\S+)/,
    (m, { log }) => {
      log.computeCapability = m[1];
    },
  ],
  [
    new RegExp(`^Warmup completed ${NUM} queries over ${NUM} ms`),
    (m, { log }) => {
      log.warmup = { queries: num(m[1]), ms: num(m[2]) };
    },
  ],
  [
    new RegExp(`^Timing trace has ${NUM} queries over ${NUM} s`),
    (m, { log }) => {
      log.timing = { queries: num(m[1]), seconds: num(m[2]) };
    },
  ],
  [
    new RegExp(`Engine built in ${NUM} sec`),
    (m, { log }) => {
      log.engineBuildS = num(m[1]);
    },
  ],
  [
    new RegExp(`Engine loaded in ${NUM} sec`),
    (m, { log }) => {
      log.engineLoadS = num(m[1]);
    },
  ],
  [
    new RegExp(`Engine deserialized in ${NUM} sec`),
    (m, { log }) => {
      log.engineDeserializeS = num(m[1]);
    },
  ],
  [
    /^Created (input|output) binding for (.+) with dimensions ([\dx]+)$/,
    (m, { log }) => {
      const list = m[1] === 'input' ? log.inputs : log.outputs;
      list.push({ name: m[2], dims: parseDims(m[3]) });
    },
  ],
  [
    new RegExp(
      `^Average on ${NUM} runs - GPU latency: ${NUM} ms - Host latency: ${NUM} ms \\((?:end to end ${NUM} ms, )?enqueue ${NUM} ms\\)`,
    ),
    (m, { log }) => {
      log.traceAverages.push({
        runs: num(m[1]),
        gpuMs: num(m[2]),
        hostMs: num(m[3]),
        ...(m[4] !== undefined ? { endToEndMs: num(m[4]) } : {}),
        enqueueMs: num(m[5]),
      });
    },
  ],
  [
    new RegExp(`^Throughput: ${NUM} qps`, 'i'),
    (m, { log }) => {
      log.throughputQps = num(m[1]);
    },
  ],
  [
    new RegExp(`^(?:Total Host Walltime|walltime): ${NUM} s`),
    (m, { log }) => {
      log.totalHostWalltimeS = num(m[1]);
    },
  ],
  [
    new RegExp(`^(?:Total GPU Compute Time|total compute time): ${NUM} s`),
    (m, { log }) => {
      log.totalGpuComputeS = num(m[1]);
    },
  ],
  // TensorRT 8+: "GPU Compute Time: min = … ms, …".
  [
    /^(Latency|End-to-End Host Latency|Enqueue Time|H2D Latency|GPU Compute Time|D2H Latency): (.*)$/,
    (m, state) => {
      const key = MODERN_METRICS[m[1]] as 'latency' | 'endToEnd' | 'enqueue' | 'h2d' | 'gpuCompute' | 'd2h';
      state.log[key] = parseMetricLine(m[2]);
      state.legacy = undefined;
    },
  ],
  [
    /^Host Latency$/,
    (_m, state) => {
      state.legacy = 'host';
    },
  ],
  [
    /^Enqueue Time$/,
    (_m, state) => {
      state.legacy = 'enqueue';
    },
  ],
  [
    /^GPU Compute$/,
    (_m, state) => {
      state.legacy = 'gpu';
    },
  ],
  [
    new RegExp(
      `^(min|max|mean|median|percentile): ${NUM} ms(?: at ([\\d.]+)%)?(?: \\(end to end ${NUM} ms(?: at [\\d.]+%)?\\))?`,
    ),
    (m, { log, legacy }) => {
      if (!legacy) return;
      const target =
        legacy === 'host'
          ? ensure(log, 'latency')
          : legacy === 'enqueue'
            ? ensure(log, 'enqueue')
            : ensure(log, 'gpuCompute');
      setLegacy(target, m[1], num(m[2]), m[3]);
      if (legacy === 'host' && m[4] !== undefined) setLegacy(ensure(log, 'endToEnd'), m[1], num(m[4]), m[3]);
    },
  ],
];

/** Everything we read from one trtexec run's combined stdout + stderr. */
export function parseTrtexecLog(text: string): TrtexecLog {
  const state: ParseState = {
    log: { traceAverages: [], inputs: [], outputs: [], warnings: [], errors: [] },
    legacy: undefined,
  };
  const log = state.log;
  for (const rawLine of text.split(/\r?\n/)) {
    const prefix = PREFIX.exec(rawLine);
    const level = prefix?.[1];
    const line = (prefix ? rawLine.slice(prefix[0].length) : rawLine).trim();
    if (line === '') continue;
    if (line.startsWith('&&&& ')) {
      const banner = /\[TensorRT v(\d+)\]/.exec(line);
      if (banner && !log.tensorrtVersion) log.tensorrtVersion = decodeBannerVersion(banner[1]);
      if (line.startsWith('&&&& PASSED')) log.passed = true;
      else if (line.startsWith('&&&& FAILED')) log.passed = false;
      continue;
    }
    if (level === 'W') {
      if (log.warnings.length < 50) log.warnings.push(line);
      continue;
    }
    if (level === 'E' || level === 'F') {
      if (log.errors.length < 50) log.errors.push(line);
      continue;
    }
    for (const [pattern, handle] of RULES) {
      const match = pattern.exec(line);
      if (match) {
        handle(match, state);
        break;
      }
    }
  }
  return log;
}

/** A one-line reason from a failed trtexec run: its telling error lines, or the tail of its output. */
export function trtexecFailureReason(log: TrtexecLog, output: string): string {
  const cleaned = log.errors
    .map((e) =>
      e
        .replace(/^\[TRT\] /, '')
        .replace(/^[\w.]+\.cpp:\d+: /, '')
        .replace(/^Error\[\d+\]: /, '')
        .trim(),
    )
    .filter((e) => e && !/^--- (Begin|End) node ---$/.test(e) && !/^input: /.test(e));
  const picked: string[] = [];
  const add = (line: string | undefined) => {
    if (line && !picked.includes(line)) picked.push(line);
  };
  add(cleaned[0]);
  add(/Assertion failed: .+/.exec(output)?.[0]?.trim());
  add(cleaned.at(-1));
  if (picked.length > 0) {
    const text = picked.join(' | ');
    return text.length > 600 ? `${text.slice(0, 600)}…` : text;
  }
  const lines = output
    .split('\n')
    .map((l) => l.replace(PREFIX, '').trim())
    .filter((l) => l && !l.startsWith('&&&&'));
  return lines.slice(-3).join(' | ').slice(-600) || 'no output';
}
