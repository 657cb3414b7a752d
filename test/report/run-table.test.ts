/** The `run` terminal view: one memory unit throughout, and only the input settings that applied. */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/measure/result.js';
import { formatRunResult } from '../../src/report/run-table.js';
import { summarizeTelemetry, type TelemetrySample } from '../../src/telemetry/index.js';
import { fakeResult } from './fixture.js';

const T0 = 1_700_000_000_000;
const PEAK_KB = 320_922; // 313.4 MiB (328.6 MB)

function withTelemetry(result: RunResult): RunResult {
  const samples: TelemetrySample[] = [0, 1, 2].map((i) => ({
    tMs: T0 + i * 100,
    proc: {
      processCpuMs: i * 50,
      rssKb: PEAK_KB,
      peakRssKb: PEAK_KB,
      systemBusyTicks: i * 10,
      systemTotalTicks: i * 20,
    },
  }));
  const telemetry = summarizeTelemetry(
    {
      intervalMs: 100,
      pid: 1,
      startedMs: T0,
      stoppedMs: T0 + 200,
      detections: [{ id: 'proc', available: true }],
      info: { proc: { pid: 1, command: 'node', mode: 'procfs', cpuCount: 2 } },
      samples,
      cost: { wallMs: 200, threadCpuMs: 1, childCpuMs: null, pctOfCore: 0.5, ticks: 3, lateTicks: 0 },
    },
    { startMs: T0, endMs: T0 + 200 },
  );
  return { ...result, peakRssBytes: PEAK_KB * 1024, telemetry };
}

function withInputSource(source: RunResult['config']['effective']['inputSource']): RunResult {
  const result = fakeResult([1, 2, 3]);
  return {
    ...result,
    config: { ...result.config, effective: { ...result.config.effective, inputSource: source, seed: 42 } },
  };
}

describe('formatRunResult', () => {
  it('prints peak RSS in binary units in the table and in the telemetry line alike', () => {
    const text = formatRunResult(withTelemetry(fakeResult([1, 2, 3])));
    expect(text).toMatch(/peak RSS\s+313\.4 MiB/);
    expect(text).toMatch(/; peak RSS 313\.4 MiB$/m);
    expect(text).not.toMatch(/\bMB\b/);
  });

  it('shows the seed only when some input was synthesized from it', () => {
    const inputsLine = (r: RunResult) => formatRunResult(r).split('\n')[1];
    expect(inputsLine(withInputSource('files'))).toMatch(/\[files\]$/);
    expect(inputsLine(withInputSource('files'))).not.toMatch(/seed/);
    expect(inputsLine(withInputSource('synthetic'))).toMatch(/\[synthetic, seed 42\]$/);
    expect(inputsLine(withInputSource('mixed'))).toMatch(/\[files \+ synthetic, seed 42\]$/);
  });
});
