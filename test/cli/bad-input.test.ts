/**
 * The holes an earlier fuzz found, one focused check each (test/fuzz covers the classes at large):
 * each bad input is a UserError with a message saying what is wrong — never a RangeError, a hang,
 * an unbounded allocation or raw bytes on the terminal.
 */

import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { threadsFlag } from '../../src/cli/flags.js';
import { runCli } from '../../src/cli/run-cli.js';
import { printableLine, terminalJson } from '../../src/cli/terminal.js';
import { OrtEngine } from '../../src/engines/ort.js';
import { maxThreads } from '../../src/engines/ort-options.js';
import { ortShapeRunner } from '../../src/engines/ort-shapes.js';
import { UserError } from '../../src/errors.js';
import { synthesizeTensor } from '../../src/inputs/synthetic.js';
import { benchmark } from '../../src/measure/benchmark.js';
import { analyzeModel } from '../../src/onnx/analysis.js';
import { attr, type Model } from '../../src/onnx/ir.js';
import { loadModel, saveModel } from '../../src/onnx/model-io.js';
import { readMediaFile } from '../../src/pipelines/image.js';
import { parseSpec } from '../../src/study/spec.js';
import { readRegularFile } from '../../src/util/files.js';
import { shapeChainModel } from '../fuzz/seeds.js';
import { denseReluModel } from '../helpers/tiny-models.js';
import { smallConvNet, tempDir } from '../optimize/helpers.js';

const dirs: string[] = [];
async function dir(): Promise<string> {
  const d = await tempDir();
  dirs.push(d);
  return d;
}
afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

async function saved(model: Model, name: string): Promise<string> {
  const file = path.join(await dir(), name);
  await saveModel(model, file);
  return file;
}

/** The UserError `run` throws, or fails the test when it resolves or throws something else. */
async function userError(run: () => unknown): Promise<UserError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('inspect: invalid graphs are named, not crashed on', () => {
  it('a graph input with no type', async () => {
    const m = smallConvNet();
    m.graph.inputs[0] = { name: 'input' };
    const file = await saved(m, 'untyped.onnx');
    const error = await userError(() => loadModel(file));
    expect(error.message).toBe(
      `${file} is not a valid ONNX model: graph input 'input' has no type (every graph input must declare its element type; re-export the model)`,
    );
  });

  it('a graph with a cycle', async () => {
    const m = denseReluModel(16, 8, 2);
    m.graph.nodes[0].inputs[0] = 'y';
    const file = await saved(m, 'cycle.onnx');
    const error = await userError(() => loadModel(file));
    expect(error.message).toMatch(
      new RegExp(`^${file} is not a valid ONNX model: graph 'dense_relu' has a cycle through node 'matmul'`),
    );
  });

  it('a graph with no outputs', async () => {
    const m = denseReluModel(16, 8, 2);
    m.graph.outputs = [];
    const error = await userError(() => analyzeModel(m, { source: 'm.onnx', runShapes: ortShapeRunner }));
    expect(error.message).toMatch(/^m\.onnx is not a usable ONNX model: its graph declares no outputs/);
  });

  it('a Concat axis of 2147483648 (it hung, walking a 2^31-long shape)', async () => {
    const m = smallConvNet();
    m.graph.nodes.find((n) => n.opType === 'Concat')!.attributes.axis = attr.int(2147483648);
    const error = await userError(() => analyzeModel(m, { source: 'c.onnx', runShapes: ortShapeRunner }));
    expect(error.message).toBe(
      "c.onnx is not a valid ONNX model: node 'Concat_0' (Concat): axis 2147483648 is out of range for rank-4 input (allowed: -4 to 3)",
    );
  });

  it('a Transpose and a pool on a scalar input (the pool was new Array(-2))', async () => {
    const m = shapeChainModel();
    m.graph.inputs[0].shape = [];
    const error = await userError(() => analyzeModel(m, { source: 's.onnx', allowRun: false }));
    expect(error.message).toBe(
      "s.onnx is not a valid ONNX model: node 'Transpose_0' (Transpose): perm [0, 2, 3, 1] is not a permutation of the 0 axes of its input",
    );
    m.graph.nodes = m.graph.nodes.filter(
      (n) => n.opType === 'AveragePool' || n.opType === 'GlobalAveragePool' || n.opType === 'Mul',
    );
    m.graph.outputs = m.graph.outputs.filter((o) => o.name === 'pooled');
    expect((await userError(() => analyzeModel(m, { source: 's.onnx', allowRun: false }))).message).toMatch(
      /node 'AveragePool_0' \(AveragePool\): AveragePool needs an input of rank 3 or more \(\[N, C, spatial…\]\), got rank 0$/,
    );
  });

  it('an input with a type but no shape: unknown rank, not a scalar', async () => {
    const m = shapeChainModel();
    delete m.graph.inputs[0].shape;
    const analysis = await analyzeModel(m, { source: 's.onnx', runShapes: ortShapeRunner });
    expect(analysis.notes).toContain("input 'x' declares no shape: shapes that depend on it are unknown");
    expect(analysis.notes.join(' ')).toMatch(/not run to find the shapes .*: input 'x' declares no shape/);
    expect(analysis.shapeSource).toBe('static');
  });
});

describe('run: onnxruntime failures and impossible sizes are one clean line', () => {
  it('a kernel that fails inside session.run names its node', async () => {
    const m = smallConvNet();
    m.graph.nodes.find((n) => n.opType === 'Conv')!.attributes.group = attr.int(3);
    const file = await saved(m, 'kernel.onnx');
    const error = await userError(() =>
      benchmark({
        modelPath: file,
        telemetry: false,
        stopRules: { warmupCount: 0, warmupTimeMs: 0, minCount: 1, minTimeMs: 0, maxCount: 1 },
      }),
    );
    expect(error.message).toMatch(
      new RegExp(
        `^onnxruntime could not run ${file}: node 'conv1' \\(\\w*Conv\\) failed: Input channels C is not equal to kernel channels \\* group`,
      ),
    );
  });

  it('a graph with no outputs is refused at load', async () => {
    const m = denseReluModel(16, 8, 2);
    m.graph.outputs = [];
    const file = await saved(m, 'no-outputs.onnx');
    const error = await userError(() => new OrtEngine().open(file, {}));
    expect(error.message).toBe(
      `${file} declares no graph outputs, so there is nothing to run: check the model's export`,
    );
  });

  it('a huge declared dimension is checked before the allocation', async () => {
    const error = await userError(() => synthesizeTensor('float32', [2 ** 40, 16], Math.random, "input 'x'"));
    expect(error.message).toMatch(
      /^input 'x' of shape 1099511627776x16 would take 65536\.0 GiB, more than the [\d.]+ [GM]iB one tensor may take here/,
    );
    expect((await userError(() => synthesizeTensor('int8', [-3, 4], Math.random))).message).toMatch(
      /has dimension -3 in \[-3, 4\]: dimensions are whole numbers ≥ 0/,
    );
  });

  it('thread counts are bounded by the machine, in the flag, the engine and the spec', async () => {
    const cap = maxThreads();
    expect(() => threadsFlag('--threads')('99999999')).toThrow(
      new RegExp(`^--threads 99999999 is more than this machine's \\d+ logical CPUs? ×4 \\(${cap}\\)`),
    );
    expect(threadsFlag('--threads')(String(cap))).toBe(cap);
    const file = await saved(denseReluModel(16, 8, 2), 'dense.onnx');
    const error = await userError(() => new OrtEngine().open(file, { interOpThreads: 99999999 }));
    expect(error.message).toMatch(/^inter-op threads 99999999 is more than this machine's/);
    const spec = `models: [zoo:resnet18]\noptimized: [{ name: o }]\nthreads: [0, ${cap + 1}]\n`;
    expect(() => parseSpec(spec, 's.yaml')).toThrow(
      new RegExp(
        `^invalid study spec: s\\.yaml:3:14: threads\\[1\\]: threads ${cap + 1} is more than this machine's`,
      ),
    );
    // A fleet study is measured elsewhere: only the absolute bound applies.
    expect(parseSpec(spec, 's.yaml', { localMachine: false }).threads).toEqual([0, cap + 1]);
  });
});

describe('files: regular files only, bounded', () => {
  it('refuses /dev/zero and a FIFO without reading (both read without end before)', async () => {
    await expect(readRegularFile('/dev/zero', 1024)).rejects.toMatchObject({
      problem: 'not-regular',
      detail: 'is a device, not a regular file',
    });
    const fifo = path.join(await dir(), 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    await expect(readRegularFile(fifo, 1024)).rejects.toMatchObject({ problem: 'not-regular' });
    await expect(readMediaFile('/dev/zero')).rejects.toMatchObject({ reason: 'unreadable' });
    const big = path.join(await dir(), 'big.png');
    await writeFile(big, Buffer.alloc(4096));
    await expect(readMediaFile(big, 1024)).rejects.toMatchObject({ reason: 'too-large' });
  });
});

describe('specs: the YAML library’s own guards are bad input too', () => {
  it('an alias bomb is one line, exit 2 (it was an internal error)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
      'models: [*g]',
    ].join('\n');
    expect(() => parseSpec(bomb, 'bomb.yaml')).toThrow(
      /^cannot read the study spec: bomb\.yaml: Excessive alias count indicates a resource exhaustion attack/,
    );
  });
});

describe('terminal: names from models and files never act on it', () => {
  it('escapes control characters, C1 codes and bidi overrides in every line printed', () => {
    expect(printableLine('tensor x\u001b[31m\u0007\u0000\u009b2J\u202eexe\r\nnext')).toBe(
      'tensor x\\x1b[31m\\x07\\x00\\x9b2J\\u202eexe next',
    );
    const value = { name: 'a\u007f\u009b\u202e\u0001' };
    const json = terminalJson(value);
    expect(json).toBe('{"name":"a\\u007f\\u009b\\u202e\\u0001"}');
    expect(JSON.parse(json)).toEqual(value);
  });

  it('runCli prints an error carrying binary bytes as one escaped line', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const program = new Command('edgebench');
    program.command('boom').action(() => {
      throw new UserError("no input named 'x\u001b]0;title\u0007\ny'");
    });
    const before = process.exitCode;
    await runCli(program, ['node', 'edgebench', 'boom']);
    const code = process.exitCode;
    process.exitCode = before;
    vi.restoreAllMocks();
    expect(code).toBe(2);
    expect(written.join('')).toBe("edgebench: no input named 'x\\x1b]0;title\\x07 y'\n");
  });
});
