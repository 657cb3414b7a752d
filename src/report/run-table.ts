/** The terminal view of one `run` result: a pure function from result to text. */

import type { RunCompute } from '../measure/compute-schema.js';
import type { RunResult } from '../measure/result.js';
import { bytes, ms, percent, siCount, table } from './format.js';
import { formatScenario } from './scenario-table.js';
import { formatTelemetry } from './telemetry-table.js';

export function formatRunResult(result: RunResult): string {
  const e = result.config.effective;
  const s = result.stats;
  const shapes = Object.entries(e.shapes)
    .map(([n, d]) => inputText(n, d, e.inputValues?.[n]))
    .join(' ');
  const lines: string[] = [];
  lines.push(
    `${result.model.name}  (${e.engine.includes('/') ? e.engine : `${e.engine}/${e.executionProvider}`}, opt ${e.graphOptLevel}, threads ${e.intraOpThreads || 'auto'}, batch ${e.batch})`,
  );
  lines.push(`inputs ${shapes}  [${inputSourceText(e.inputSource, e.seed)}]`);
  if (result.target)
    lines.push(
      `target ${result.target.name} (${result.target.address}, ${String(result.environment.host.hostname ?? '')}): timed there by ${result.target.runner}`,
    );
  const upgrade = result.model.opsetUpgrade;
  if (upgrade)
    lines.push(
      `model  upgraded in memory, ai.onnx opset ${upgrade.from} → ${upgrade.to} (what ran is not byte-identical to the file)`,
    );
  lines.push('');
  lines.push(
    table([
      ['phase', 'ms'],
      ['cold start (session creation)', ms(result.coldStartMs)],
      ['first inference', ms(result.firstInferenceMs)],
      [`warm-up (${result.warmup.count ?? '?'} runs)`, ms(result.warmup.timeMs, 1)],
    ]),
  );
  lines.push('');
  lines.push(
    table([
      ['steady state', 'value'],
      ['runs', String(s.count)],
      [
        'median ms (95% CI)',
        `${ms(s.medianMs)} (${ms(s.medianCi95[0])}–${ms(s.medianCi95[1])}, ±${percent(s.medianCiRelHalfWidth, 2)})`,
      ],
      ['mean ms', ms(s.meanMs)],
      ['min ms', ms(s.minMs)],
      ['p90 ms', ms(s.p90Ms)],
      ['p95 ms', ms(s.p95Ms)],
      ['p99 ms', ms(s.p99Ms)],
      ['p99.9 ms', ms(s.p999Ms)],
      ['max ms', ms(s.maxMs)],
      ['stdev ms (CV)', `${ms(s.stdevMs)} (${percent(s.cv)})`],
      ['inferences/s', s.throughputPerSec.toFixed(1)],
      ['samples/s', s.samplesPerSec.toFixed(1)],
      ...(result.compute ? [[result.compute.unit, computeCell(result.compute)]] : []),
      ['peak RSS', bytes(result.peakRssBytes)],
      ['stopped because', result.stopReason],
    ]),
  );
  if (result.compute) lines.push(...computeLines(result.compute));
  if (result.deadline) {
    lines.push('');
    lines.push(
      `deadline ${ms(result.deadline.deadlineMs)} ms: ${result.deadline.misses} of ${s.count} runs missed (${percent(result.deadline.missFraction, 2)})`,
    );
  }
  if (result.scenario) lines.push('', formatScenario(result.scenario));
  if (result.telemetry) lines.push('', formatTelemetry(result.telemetry));
  if (result.profile) {
    lines.push('');
    lines.push(
      `profile over ${result.profile.steadyStateRuns} steady-state runs (trace: ${result.profile.traceFile})`,
    );
    lines.push(
      table([
        ['op type', 'total ms', 'calls', 'share'],
        ...result.profile.topOpTypes.map((o) => [
          o.opType,
          ms(o.totalMs),
          String(o.calls),
          percent(o.fraction),
        ]),
      ]),
    );
    lines.push('');
    lines.push(
      table(
        [
          ['node', 'op type', 'total ms', 'share'],
          ...result.profile.topOps.map((o) => [o.name, o.opType, ms(o.totalMs), percent(o.fraction)]),
        ],
        { alignLeft: [1] },
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The rate with its fraction of the estimated peak: `12.3 (4.6% of peak, est.)`. */
export function computeCell(c: RunCompute): string {
  const rate = rateText(c.gflopsPerSec);
  return c.fractionOfPeak === null ? rate : `${rate} (${percent(c.fractionOfPeak)} of peak, est.)`;
}

/** A rate in G/s with 3 significant digits (more for large ones). */
export function rateText(gPerSec: number): string {
  return gPerSec >= 100 ? gPerSec.toFixed(0) : gPerSec.toPrecision(3);
}

/** How the rate and the peak were obtained, in a line or two under the table. */
function computeLines(c: RunCompute): string[] {
  const what = c.unit === 'GOP/s' ? 'operations (integer MACs × 2 and FLOPs)' : 'FLOPs';
  const lines = [
    `compute: ${siCount(c.flops)} ${what} per inference / median latency${c.unknownNodes > 0 ? `; ${c.unknownNodes} nodes of unknown cost left out, so a lower bound` : ''}`,
  ];
  for (const note of c.notes) lines.push(`  ${note}`);
  lines.push(
    c.peak
      ? `peak (estimate): ${c.peak.formula}`
      : `peak: not estimated (${c.peakAbsentReason ?? 'unknown'})`,
  );
  return lines;
}

/** `x=1x3x224x224`; a scalar with its value, `sr=16000 (scalar)`; a 1-D value list, `ids=1,2,3 (3 values)`. */
export function inputText(name: string, dims: readonly number[], value: string | undefined): string {
  if (dims.length === 0) return `${name}=${value ?? '?'} (scalar)`;
  if (value !== undefined && dims.length === 1)
    return `${name}=${value} (${dims[0]} value${dims[0] === 1 ? '' : 's'})`;
  return `${name}=${dims.join('x')}`;
}

/** The seed only where something was synthesized from it: inputs all read from files owe it nothing. */
function inputSourceText(source: RunResult['config']['effective']['inputSource'], seed: number): string {
  if (source === 'files') return 'files';
  if (source === 'mixed') return `files + synthetic, seed ${seed}`;
  return `synthetic, seed ${seed}`;
}
