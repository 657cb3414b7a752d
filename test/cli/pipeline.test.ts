/** `edgebench pipeline` pre-processing flags: a bad value is refused in one line naming the flag and its range. */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { writeFixtureModels } from '../helpers/tiny-models.js';

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await tempDir();
  model = (await writeFixtureModels(dir)).dynamic;
});

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |internal error/);
  return lines[0];
}

describe('edgebench pipeline: pre-processing flags name themselves and their range', () => {
  const cases: [string, string[], RegExp][] = [
    ['--std with a zero', ['--std', '0,1,1'], /^edgebench: --std values must be numbers > 0 .*got '0,1,1'$/],
    ['--std with a negative', ['--std', '0.2,-0.2,0.2'], /^edgebench: --std values must be numbers > 0/],
    [
      '--crop-fraction 0',
      ['--crop-fraction', '0'],
      /^edgebench: --crop-fraction must be a number in \(0, 1\]/,
    ],
    [
      '--crop-fraction above 1',
      ['--crop-fraction', '1.5'],
      /--crop-fraction must be a number in \(0, 1\], e\.g\. 0\.875; got '1\.5'$/,
    ],
    ['--crop-fraction below 0', ['--crop-fraction', '-0.5'], /--crop-fraction must be a number in \(0, 1\]/],
  ];
  for (const [name, flags, expected] of cases) {
    it(name, async () => {
      const images = path.join(dir, 'no-images-needed');
      const r = await runCli(['pipeline', 'image', '--model', model, '--images', images, ...flags], {
        env: { EDGEBENCH_CACHE_DIR: path.join(dir, 'cache') },
      });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(oneLine(r.stderr)).toMatch(expected);
    });
  }
});
