import { describe, expect, it } from 'vitest';
import { durationFlag } from '../../src/cli/flags.js';
import { rebuildCommands, shellWord } from '../../src/tune/commands.js';
import {
  defaultSpace,
  defaultThreads,
  mixedBuild,
  planBuilds,
  planCandidates,
  recipeCount,
  type SearchSpace,
  validateSpace,
} from '../../src/tune/space.js';

describe('the search space', () => {
  it('tries 1, 2, 4 … threads up to the physical cores', () => {
    expect(defaultThreads(1)).toEqual([1]);
    expect(defaultThreads(2)).toEqual([1, 2]);
    expect(defaultThreads(6)).toEqual([1, 2, 4, 6]);
    expect(defaultThreads(8)).toEqual([1, 2, 4, 8]);
  });

  it('plans every family, with the calibration methods × activation types of int8-static', () => {
    const space = defaultSpace({ physicalCores: 2 });
    const builds = planBuilds(space);
    expect(builds.map((b) => b.id)).toEqual([
      'fp32',
      'fuse',
      'fuse,fp16',
      'fuse,int8-dynamic',
      'fuse,int8-dynamic+conv',
      'fuse,int8-static(minmax,uint8)',
      'fuse,int8-static(minmax,int8)',
      'fuse,int8-static(percentile,uint8)',
      'fuse,int8-static(percentile,int8)',
      'fuse,int8-static(entropy,uint8)',
      'fuse,int8-static(entropy,int8)',
    ]);
    const candidates = planCandidates(builds, space);
    // fp32 at 4 levels and the other 10 builds at level all, each at 1 and 2 threads.
    expect(candidates).toHaveLength((4 + 10) * 2);
    expect(new Set(candidates.map((c) => c.id)).size).toBe(candidates.length);
    expect(candidates[0]).toMatchObject({
      id: 'fp32@all t2 cpu b1',
      baseline: true,
      engine: 'ort',
      target: 'local',
    });
    expect(candidates.filter((c) => c.baseline)).toHaveLength(1);
    expect(candidates.find((c) => c.build === 'fuse')?.graphOptLevel).toBe('all');
  });

  it('keeps the baseline when the space leaves fp32 out, and names mixed builds by their count', () => {
    const space: SearchSpace = {
      ...defaultSpace({ physicalCores: 4 }),
      families: ['int8-static', 'mixed'],
      threads: [4],
    };
    const builds = planBuilds(space);
    const candidates = planCandidates(builds, space);
    expect(candidates.filter((c) => c.build === 'fp32').map((c) => c.id)).toEqual(['fp32@all t4 cpu b1']);
    const mixed = mixedBuild(builds[1], ['conv1', 'conv2', 'fc'], 2);
    expect(mixed).toMatchObject({
      id: 'fuse,int8-static(minmax,uint8)+mixed(2/3)',
      family: 'mixed',
      keepFloat: ['conv1', 'conv2'],
      recipes: ['fuse', 'int8-static'],
    });
  });

  it('on a board, every candidate names the target, and trtexec races its precisions when it is there', () => {
    const space: SearchSpace = {
      ...defaultSpace({ physicalCores: 4 }),
      families: ['fp32', 'fuse'],
      levels: ['all'],
    };
    const builds = planBuilds(space);
    const without = planCandidates(builds, space, { target: 'nano', trtexec: false });
    expect(without.every((c) => c.target === 'nano' && c.engine === 'ort')).toBe(true);
    const withTrt = planCandidates(builds, space, { target: 'nano', trtexec: true });
    const trt = withTrt.filter((c) => c.engine === 'trtexec');
    expect(trt.map((c) => c.id)).toEqual(['trtexec fp16 b1', 'trtexec int8 b1', 'trtexec best b1']);
    expect(trt.every((c) => c.build === 'fp32' && c.target === 'nano' && !c.baseline)).toBe(true);
    expect(withTrt.filter((c) => c.baseline)).toHaveLength(1);
    // A trtexec precision is one more change to the model than running it as given.
    expect(recipeCount(builds[0], trt[0])).toBe(1);
    expect(recipeCount(builds[0], withTrt[0])).toBe(0);
    // The commands re-measure it there, with trtexec at its precision.
    const [run] = rebuildCommands(builds[0], trt[1], {
      modelRef: 'det.onnx',
      output: 'best.onnx',
      calibration: { source: 'synthetic', count: 16 },
    });
    expect(run).toBe('edgebench run det.onnx --target nano --engine trtexec --precision int8 --batch 1');
  });

  it('refuses an empty or inconsistent space', () => {
    const space = defaultSpace({ physicalCores: 2 });
    expect(() => validateSpace({ ...space, threads: [] })).toThrow(/no thread count/);
    expect(() => validateSpace({ ...space, threads: [0] })).toThrow(/threads must be whole numbers ≥ 1/);
    expect(() => validateSpace({ ...space, families: ['fp32', 'mixed'] })).toThrow(/add int8-static/);
    expect(validateSpace({ ...space, threads: [2, 1, 2] }).threads).toEqual([1, 2]);
  });
});

describe('the commands that rebuild the winner', () => {
  it('optimize with every setting the build used, then run with the winning runtime settings', () => {
    const space = defaultSpace({ physicalCores: 2 });
    const builds = planBuilds({ ...space, calibrationMethods: ['entropy'], activationTypes: ['uint8'] });
    const build = mixedBuild(builds.find((b) => b.family === 'int8-static')!, ['conv 1', 'fc'], 1);
    const [candidate] = planCandidates([build], { ...space, threads: [2] });
    const commands = rebuildCommands(build, candidate, {
      modelRef: 'zoo:resnet18?classes=2',
      output: '/tmp/out dir/best.onnx',
      calibration: { source: '/data/calib', count: 16 },
      shapes: { x: [1, 3, 48, 192] },
      preprocess: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], fit: 'pad' },
    });
    expect(commands).toEqual([
      "edgebench optimize 'zoo:resnet18?classes=2' --recipe fuse,int8-static --calib /data/calib --calib-count 16 --calib-method entropy --activation-type uint8 --exclude 'conv 1' --shape x=1x3x48x192 --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --fit pad --no-fidelity -o '/tmp/out dir/best.onnx'",
      "edgebench run '/tmp/out dir/best.onnx' --ep cpu --threads 2 --opt-level all --batch 1 --shape x=1x3x48x192",
    ]);
    const fp32 = planBuilds(space)[0];
    const baseline = planCandidates([fp32], space)[0];
    expect(
      rebuildCommands(fp32, baseline, {
        modelRef: 'm.onnx',
        output: 'b.onnx',
        calibration: { source: 'synthetic', count: 16 },
      }),
    ).toEqual(['edgebench run m.onnx --ep cpu --threads 2 --opt-level all --batch 1']);
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });
});

describe('--time-budget', () => {
  it('takes seconds, or a unit', () => {
    const parse = durationFlag('--time-budget');
    expect(parse('300')).toBe(300_000);
    expect(parse('90s')).toBe(90_000);
    expect(parse('1.5m')).toBe(90_000);
    expect(parse('250ms')).toBe(250);
    expect(() => parse('soon')).toThrow(
      /--time-budget takes a duration such as 300 \(seconds\), 90s, 5m; got 'soon'/,
    );
  });
});
