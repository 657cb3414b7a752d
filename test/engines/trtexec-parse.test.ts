import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STOP_RULES } from '../../src/core/settings.js';
import { medianSorted, sortedCopy } from '../../src/core/stats.js';
import { buildArgs, flavorOf, runArgs, shapesSpec, trtexecTiming } from '../../src/engines/trtexec/args.js';
import { engineCacheKey, timingCacheName } from '../../src/engines/trtexec/cache.js';
import {
  compareVersions,
  nvinferPathFromLdd,
  nvinferVersionFromPath,
  readHelpText,
} from '../../src/engines/trtexec/locate.js';
import {
  decodeBannerVersion,
  parseMetricLine,
  parseTrtexecLog,
  trtexecFailureReason,
} from '../../src/engines/trtexec/parse-log.js';
import { parseExportProfile, parseExportTimes, splitWarmup } from '../../src/engines/trtexec/parse-times.js';
import { UserError } from '../../src/errors.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'trtexec');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/** trtexec prints 6 significant digits; our statistics come from the exported (also rounded) values. */
function close(actual: number, expected: number | undefined) {
  expect(expected).toBeDefined();
  expect(Math.abs(actual - expected!) / expected!).toBeLessThan(2e-4);
}

interface Case {
  file: string;
  version: string | undefined;
  device: string | undefined;
  style: 'trt7' | 'trt8';
  hasEndToEnd: boolean;
  split: 'count-from-log' | 'none-in-file';
  percentiles: string[];
}

const CASES: Case[] = [
  {
    file: 'trt-7.1.3-nano-resnet18-fp16',
    version: undefined,
    device: undefined,
    style: 'trt7',
    hasEndToEnd: true,
    split: 'count-from-log',
    percentiles: ['99'],
  },
  {
    file: 'trt-8.2.1-nano-mobilenet_v2-fp16',
    version: '8.2.1',
    device: 'NVIDIA Tegra X1',
    style: 'trt8',
    hasEndToEnd: true,
    split: 'count-from-log',
    percentiles: ['99'],
  },
  {
    file: 'trt-8.5.2-orin-resnet50-int8',
    version: '8.5.2',
    device: 'Orin',
    style: 'trt8',
    hasEndToEnd: false,
    split: 'none-in-file',
    percentiles: ['90', '95', '99'],
  },
  {
    file: 'trt-10.3.0-orin-nano-r3d_18-fp16',
    version: '10.3.0',
    device: 'Orin',
    style: 'trt8',
    hasEndToEnd: false,
    split: 'none-in-file',
    percentiles: ['90', '95', '99'],
  },
];

describe.each(CASES)('recorded trtexec output $file', (c) => {
  const log = parseTrtexecLog(fixture(`${c.file}.log`));
  const times = parseExportTimes(fixture(`${c.file}.times.json`));
  const split = splitWarmup(times, log, 200);

  it('reads the version, device, outcome and counts', () => {
    expect(log.tensorrtVersion).toBe(c.version);
    expect(log.device).toBe(c.device);
    expect(log.passed).toBe(true);
    expect(log.warmup?.ms).toBe(200);
    expect(log.timing?.queries).toBeGreaterThan(0);
    expect(log.throughputQps).toBeGreaterThan(0);
    expect(log.traceAverages.length).toBe(Math.floor((log.timing?.queries ?? 0) / 10));
    expect(log.errors).toEqual([]);
  });

  it('reads the latency and GPU compute summaries', () => {
    for (const metric of [log.latency, log.gpuCompute]) {
      expect(metric?.minMs).toBeGreaterThan(0);
      expect(metric!.maxMs!).toBeGreaterThanOrEqual(metric!.medianMs!);
      expect(Object.keys(metric!.percentilesMs)).toEqual(c.percentiles);
    }
    expect(log.endToEnd !== undefined).toBe(c.hasEndToEnd);
    expect(log.totalHostWalltimeS).toBeGreaterThan(0);
    expect(log.totalGpuComputeS).toBeGreaterThan(0);
  });

  it('reads the export with the right field names and separates warm-up', () => {
    expect(times.style).toBe(c.style);
    expect(times.hasEndToEnd).toBe(c.hasEndToEnd);
    expect(split.method).toBe(c.split);
    expect(split.steady.length).toBe(log.timing?.queries);
    if (c.split === 'count-from-log') expect(split.warmup.length).toBe(log.warmup?.queries);
  });

  it("agrees with trtexec's own summary (median, min, max of latency and GPU compute)", () => {
    const latency = sortedCopy(split.steady.map((q) => q.latencyMs));
    close(medianSorted(latency), log.latency?.medianMs);
    close(latency[0], log.latency?.minMs);
    close(latency[latency.length - 1], log.latency?.maxMs);
    const compute = sortedCopy(split.steady.map((q) => q.computeMs));
    close(medianSorted(compute), log.gpuCompute?.medianMs);
    if (c.hasEndToEnd)
      close(medianSorted(sortedCopy(split.steady.map((q) => q.endToEndMs!))), log.endToEnd?.medianMs);
  });
});

describe('trtexec log details', () => {
  it('reads load/deserialize times and bindings where printed', () => {
    const v85 = parseTrtexecLog(fixture('trt-8.5.2-orin-resnet50-int8.log'));
    expect(v85.engineLoadS).toBe(0.0156204);
    expect(v85.engineDeserializeS).toBe(0.942517);
    expect(v85.inputs).toEqual([{ name: 'input', dims: [1, 3, 224, 224] }]);
    expect(v85.warnings[0]).toMatch(/GPU compute time is unstable/);
    const v10 = parseTrtexecLog(fixture('trt-10.3.0-orin-nano-r3d_18-fp16.log'));
    expect(v10.inputs).toEqual([{ name: 'input', dims: [1, 3, 16, 112, 112] }]);
    expect(v10.outputs).toEqual([{ name: 'logits', dims: [1, 4] }]);
    const v7 = parseTrtexecLog(fixture('trt-7.1.3-nano-resnet18-fp16.log'));
    expect(v7.engineLoadS).toBeUndefined();
    expect(v7.enqueue?.medianMs).toBeGreaterThan(0);
    expect(v7.traceAverages[0].endToEndMs).toBeGreaterThan(0);
  });

  it('reads a build log', () => {
    const build = parseTrtexecLog(fixture('trt-8.5.2-orin-build-resnet50-int8.log'));
    expect(build.passed).toBe(true);
    expect(build.engineBuildS).toBe(51.8347);
    expect(build.tensorrtVersion).toBe('8.5.2');
  });

  it('turns a failed build into one line that names the cause', () => {
    const text = fixture('trt-8.6.1-build-failure.log');
    const failed = parseTrtexecLog(text);
    expect(failed.passed).toBe(false);
    const reason = trtexecFailureReason(failed, text);
    expect(reason).toMatch(/While parsing node number 12/);
    expect(reason).toMatch(/Plugin not found/);
    expect(reason).not.toMatch(/\n/);
  });

  it('decodes banner versions of TensorRT 8 and 10', () => {
    expect(decodeBannerVersion('8201')).toBe('8.2.1');
    expect(decodeBannerVersion('8502')).toBe('8.5.2');
    expect(decodeBannerVersion('8601')).toBe('8.6.1');
    expect(decodeBannerVersion('100300')).toBe('10.3.0');
    expect(decodeBannerVersion('101100')).toBe('10.11.0');
  });

  it('parses metric lines with any set of percentiles, inf included', () => {
    expect(
      parseMetricLine('min = 1 ms, max = inf ms, mean = 2.5 ms, median = 2 ms, percentile(99.9%) = 1e-05 ms'),
    ).toEqual({
      minMs: 1,
      maxMs: Number.POSITIVE_INFINITY,
      meanMs: 2.5,
      medianMs: 2,
      percentilesMs: { '99.9': 1e-5 },
    });
  });
});

describe('trtexec export files', () => {
  it('drops entries that are not finite rather than inventing values', () => {
    const times = parseExportTimes(
      '[{ "computeMs" : 1.5, "h2dMs" : 0.1, "d2hMs" : 0.1, "latencyMs" : 1.7 }, { "computeMs" : inf, "latencyMs" : nan }]',
    );
    expect(times.queries).toEqual([{ latencyMs: 1.7, computeMs: 1.5, h2dMs: 0.1, d2hMs: 0.1 }]);
  });

  it('derives latency when a version leaves it out', () => {
    const times = parseExportTimes('[{ "inMs" : 0.5, "computeMs" : 2, "outMs" : 0.25 }]');
    expect(times.style).toBe('trt7');
    expect(times.queries[0].latencyMs).toBe(2.75);
  });

  it('rejects a truncated file with a message', () => {
    expect(() => parseExportTimes('[{ "computeMs" : 1.5')).toThrow(UserError);
    expect(() => parseExportTimes('{}')).toThrow(/array/);
  });

  it("falls back to trtexec's warm-up rule when the log's counts do not match", () => {
    const times = parseExportTimes(
      JSON.stringify(
        [10, 150, 210, 260, 300].map((start) => ({ startComputeMs: start, computeMs: 1, latencyMs: 1 })),
      ),
    );
    const split = splitWarmup(times, parseTrtexecLog(''), 200);
    expect(split.method).toBe('warmup-time');
    expect(split.warmup.length).toBe(2);
    expect(split.steady.length).toBe(3);
  });

  it('reads a layer profile', () => {
    const profile = parseExportProfile(fixture('trt-8.5.2-orin-resnet50-int8.profile.json'));
    expect(profile.runs).toBe(60);
    expect(profile.layers).toHaveLength(12);
    expect(profile.layers.reduce((a, l) => a + l.fraction, 0)).toBeCloseTo(1, 3);
    expect(profile.layers[1]).toMatchObject({ name: 'conv1 + relu', averageMs: 0.118 });
  });
});

describe('trtexec command lines', () => {
  const base = {
    onnxPath: '/m/model.onnx',
    enginePath: '/c/key.engine.tmp',
    precision: 'fp16' as const,
    workspaceMiB: 512,
    timingCachePath: '/c/timing.cache',
    dynamicShapes: {},
    deviceIndex: 0,
    extra: [],
  };

  it('uses the spellings of TensorRT 7 (help text without a version)', () => {
    const help = readHelpText(fixture('help-7.1.3.txt'));
    expect(help.version).toBeUndefined();
    const flavor = flavorOf(help);
    expect(flavor).toMatchObject({
      memPoolSize: false,
      skipInference: false,
      timingCache: false,
      explicitBatch: true,
    });
    const args = buildArgs(base, flavor);
    expect(args).toContain('--buildOnly');
    expect(args).toContain('--explicitBatch');
    expect(args).toContain('--workspace=512');
    expect(args.some((a) => a.startsWith('--timingCacheFile'))).toBe(false);
  });

  it('uses the spellings of TensorRT 8.2, 8.5 and 10', () => {
    const mentions = { memPoolSize: false, skipInference: false, buildOnly: false, workspace: false };
    const v82 = buildArgs(base, flavorOf({ version: '8.2.1', helpMentions: mentions }));
    expect(v82).toEqual([
      '--onnx=/m/model.onnx',
      '--saveEngine=/c/key.engine.tmp',
      '--skipInference',
      '--fp16',
      '--workspace=512',
      '--timingCacheFile=/c/timing.cache',
    ]);
    for (const version of ['8.5.2', '10.3.0']) {
      const args = buildArgs(
        {
          ...base,
          precision: 'int8',
          calibrationCachePath: '/c/calib.cache',
          dynamicShapes: { input: [4, 3, 224, 224] },
        },
        flavorOf({ version, helpMentions: mentions }),
      );
      expect(args).toContain('--memPoolSize=workspace:512');
      expect(args).toContain('--int8');
      expect(args).toContain('--calib=/c/calib.cache');
      expect(args).toContain('--optShapes=input:4x3x224x224');
      expect(args).not.toContain('--explicitBatch');
    }
  });

  it('writes run flags, quoting input names trtexec would split', () => {
    expect(shapesSpec({ 'input:0': [1, 3], mask: [1, 16] })).toBe("'input:0':1x3,mask:1x16");
    const args = runArgs({
      enginePath: '/c/key.engine',
      timing: { warmUpMs: 500, durationS: 3, iterations: 10 },
      exportTimesPath: '/t/times.json',
      exportProfilePath: '/t/profile.json',
      dynamicShapes: { input: [1, 3, 224, 224] },
      useSpinWait: true,
      noDataTransfers: true,
      useCudaGraph: false,
      deviceIndex: 1,
      extra: ['--streams=1'],
    });
    expect(args).toEqual([
      '--loadEngine=/c/key.engine',
      '--warmUp=500',
      '--duration=3',
      '--iterations=10',
      '--exportTimes=/t/times.json',
      '--exportProfile=/t/profile.json',
      '--separateProfileRun',
      '--shapes=input:1x3x224x224',
      '--useSpinWait',
      '--noDataTransfers',
      '--device=1',
      '--streams=1',
    ]);
  });

  it("maps stop rules to trtexec's and names the ones it cannot apply", () => {
    const defaults = trtexecTiming(DEFAULT_STOP_RULES);
    expect(defaults).toMatchObject({ warmUpMs: 500, durationS: 3, iterations: 10 });
    expect(defaults.effective).toEqual({
      warmupTimeMs: 500,
      warmupCount: 0,
      minTimeMs: 3000,
      minCount: 10,
      maxCount: 0,
      maxTimeMs: 0,
      relCi: 0,
    });
    expect(defaults.unsupported).toMatch(/warm-up count 5.*max time 60000 ms.*precision target 1\.00%/);
    const exact = trtexecTiming({
      ...DEFAULT_STOP_RULES,
      warmupCount: 0,
      minTimeMs: 1500,
      maxTimeMs: 0,
      relCi: 0,
    });
    expect(exact.durationS).toBe(2);
    expect(exact.unsupported).toBeUndefined();
  });
});

describe('trtexec identity and engine cache', () => {
  it('reads the TensorRT version from the library trtexec links', () => {
    const ldd = `\tlinux-vdso.so.1 (0x0000007f8a5c2000)
\tlibnvinfer.so.7 => /usr/lib/aarch64-linux-gnu/libnvinfer.so.7 (0x0000007f7f4f1000)
\tlibnvinfer_plugin.so.7 => /usr/lib/aarch64-linux-gnu/libnvinfer_plugin.so.7 (0x0000007f7eff0000)`;
    expect(nvinferPathFromLdd(ldd)).toBe('/usr/lib/aarch64-linux-gnu/libnvinfer.so.7');
    expect(nvinferPathFromLdd('\tlibnvinfer.so.8 => not found')).toBeUndefined();
    expect(nvinferVersionFromPath('/usr/lib/aarch64-linux-gnu/libnvinfer.so.7.1.3')).toBe('7.1.3');
    expect(nvinferVersionFromPath('/usr/lib/libnvonnxparser.so.8.5.2')).toBeUndefined();
    expect(compareVersions('8.4', '8.2.1')).toBeGreaterThan(0);
    expect(compareVersions('10.0.1', '8.6.1')).toBeGreaterThan(0);
    expect(compareVersions('8.0', '8.0.0')).toBe(0);
  });

  it('keys engines by model, TensorRT version, GPU and build flags', () => {
    const parts = { modelSha256: 'a'.repeat(64), tensorrt: '8.5.2', gpu: 'Orin', flags: ['--fp16'] };
    const key = engineCacheKey(parts);
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    expect(engineCacheKey({ ...parts })).toBe(key);
    for (const changed of [
      { ...parts, modelSha256: 'b'.repeat(64) },
      { ...parts, tensorrt: '8.6.1' },
      { ...parts, gpu: 'NVIDIA Tegra X1' },
      { ...parts, flags: ['--int8'] },
      { ...parts, calibrationSha256: 'c'.repeat(64) },
    ])
      expect(engineCacheKey(changed)).not.toBe(key);
    expect(timingCacheName('8.5.2', 'Orin')).not.toBe(timingCacheName('8.5.2', 'NVIDIA Tegra X1'));
  });
});
