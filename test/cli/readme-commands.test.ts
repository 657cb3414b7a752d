/**
 * The README is the product's front door: its `npx edgebench …` lines run through the installed bin,
 * the way a user types them after `npm ci` (not `node dist/cli/main.js`), and print no npm warning.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/inputs/npy.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { saveModel } from '../../src/onnx/model-io.js';
import { tempDir } from '../helpers/temp.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface NpxResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx edgebench ARGS` from `cwd`, resolving the bin of this checkout as npm does for its users. */
function npx(args: string[], cwd = REPO): Promise<NpxResult> {
  const prefix = cwd === REPO ? [] : ['--prefix', REPO];
  return new Promise((resolve, reject) => {
    const child = spawn('npx', [...prefix, 'edgebench', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every `npx edgebench …` line inside the README's code blocks, comments dropped. */
async function readmeCommands(): Promise<string[][]> {
  const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npx edgebench '))
    .map((line) => line.split(/\s+/).slice(2));
}

function expectNoNpmWarning(result: NpxResult): void {
  expect(result.stderr).not.toMatch(/npm warn/i);
}

describe('the README commands, through npx', () => {
  let commands: string[][];
  beforeAll(async () => {
    commands = await readmeCommands();
  });

  it('answers --version without any npm warning', async () => {
    const result = await npx(['--version']);
    expect(result.code).toBe(0);
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(result.stdout.trim()).toBe(pkg.version);
    expectNoNpmWarning(result);
  });

  it('names only commands and flags that exist', async () => {
    expect(commands.length).toBeGreaterThanOrEqual(4);
    const helps = new Map<string, string>();
    for (const [command, ...rest] of commands) {
      if (!helps.has(command)) {
        const help = await npx([command, '--help']);
        expect(help.code, `edgebench ${command} --help`).toBe(0);
        expectNoNpmWarning(help);
        helps.set(command, help.stdout);
      }
      for (const flag of rest.filter((word) => word.startsWith('--'))) {
        expect(helps.get(command), `edgebench ${command} ${flag}`).toContain(flag.split('=')[0]);
      }
    }
  });

  it("runs the README's `run` lines as written, on a model named model.onnx", async () => {
    const dir = await tempDir('edgebench-readme-');
    // A small conv net whose input is [batch, 3, 160, 160], as the README's lines assume.
    const b = new GraphBuilder({ name: 'readme_net', seed: 3 });
    let x = b.input('input', ['batch', 3, 160, 160]);
    x = b.relu(b.conv(x, { outChannels: 4, kernel: 3, stride: 4, padding: 1 }, 'conv'));
    b.output(b.linear(b.flatten(b.globalAvgPool(x)), { outFeatures: 2 }, 'fc'), 'logits');
    await saveModel(b.build(), path.join(dir, 'model.onnx'));
    const frame = new Float32Array(3 * 160 * 160).map((_, i) => Math.sin(i) * 0.5);
    await writeFile(
      path.join(dir, 'frame.npy'),
      encodeNpy({ type: 'float32', dims: [1, 3, 160, 160], data: frame }),
    );

    const runs = commands.filter(([command, model]) => command === 'run' && model === 'model.onnx');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const args of runs) {
      const result = await npx(args, dir);
      expect(result.code, `npx edgebench ${args.join(' ')}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/median/i);
      expectNoNpmWarning(result);
    }
    const written = JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')) as {
      samplesMs: number[];
      config: { effective: { batch: number; intraOpThreads: number } };
    };
    expect(written.samplesMs.length).toBeGreaterThan(0);
    expect(written.config.effective).toMatchObject({ batch: 1, intraOpThreads: 2 });
  });
});
