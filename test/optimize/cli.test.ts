/** The real CLI (dist/, built with `npx tsc -p tsconfig.build.json`): optimize and compare-outputs. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/onnx/model-io.js';
import { runCli } from '../helpers/cli.js';
import { smallConvNet, tempDir } from './helpers.js';

let dir: string;
let model: string;
beforeAll(async () => {
  dir = await tempDir();
  model = path.join(dir, 'net.onnx');
  await saveModel(smallConvNet(), model);
});

describe('edgebench optimize / compare-outputs', () => {
  it('optimizes with composed recipes and prints the report as JSON', async () => {
    const out = path.join(dir, 'net.int8.onnx');
    const r = await runCli([
      'optimize',
      model,
      '--recipe',
      'fuse,int8-static',
      '-o',
      out,
      '--calib-count',
      '3',
      '--fidelity-count',
      '2',
      '--calib-method',
      'percentile',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.recipes).toEqual(['fuse', 'int8-static']);
    expect(report.fidelity.outputs[0].name).toBe('logits');
    expect(existsSync(out)).toBe(true);

    const cmp = await runCli(['compare-outputs', model, out, '--count', '2']);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/logits\s+\S+\s+\S+\s+0\.99/);
  });

  it('bad input: one line on stderr and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['optimize', model, '--recipe', 'fuse,turbo', '-o', path.join(dir, 'a.onnx')],
        /unknown recipe 'turbo'/,
      ],
      [['optimize', model, '--recipe', 'fuse', '-o', model], /is the input model/],
      [
        ['optimize', model, '--recipe', 'fuse', '-o', path.join(dir, 'x.txt')],
        /: -o \S+x\.txt: the output file must end in \.onnx$/,
      ],
      [
        ['optimize', model, '--recipe', 'int8-static', '-o', path.join(dir, 'b.onnx'), '--calib', dir],
        /no images/,
      ],
      [
        [
          'optimize',
          model,
          '--recipe',
          'int8-static',
          '-o',
          path.join(dir, 'c.onnx'),
          '--calib-method',
          'kl',
        ],
        /--calib-method must be one of/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      const errors = r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('edgebench:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(pattern);
    }
    expect(existsSync(path.join(dir, 'x.txt'))).toBe(false);
  });
});
