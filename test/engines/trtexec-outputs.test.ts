/**
 * A built engine run on given inputs: the --exportOutput parser on a file in the layout trtexec
 * writes, and runTrtexecOutputs against the fake trtexec on this machine (the board test runs it
 * through a device host).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localTrtexecHost } from '../../src/engines/trtexec/host.js';
import { parseExportOutput, runTrtexecOutputs } from '../../src/engines/trtexec/outputs.js';
import { UserError } from '../../src/errors.js';
import { fakeTrtexec, TRTEXEC_FIXTURES, trtexecArgLines } from '../helpers/fake-trtexec.js';

const unix = process.platform !== 'win32';

describe('parseExportOutput', () => {
  it('reads every output of a recorded export, non-finite values included', async () => {
    const text = await readFile(path.join(TRTEXEC_FIXTURES, 'trt-8.2.1-export-output.json'), 'utf8');
    const outputs = parseExportOutput(text);
    expect(outputs.map((o) => [o.name, o.dims])).toEqual([
      ['logits', [1, 6]],
      ['mask:0', [1, 2]],
    ]);
    expect(Array.from(outputs[0].values)).toEqual([
      0.123457,
      -1.5,
      1e-5,
      3.40282e38,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(Array.from(outputs[1].values)).toEqual([1, 0]);
  });

  it('reads a scalar, a -nan and an inf, and leaves a name that says nan alone', () => {
    const [out] = parseExportOutput(
      '[\n  { "name" : "nan, inf"\n  , "dimensions" : ""\n  , "values" : [ -nan, inf ]\n  }\n]\n',
    );
    expect(out.name).toBe('nan, inf');
    expect(out.dims).toEqual([]);
    expect(Array.from(out.values)).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
  });

  it('refuses what is not an export, in one line', () => {
    expect(() => parseExportOutput('[ { "name" : "y" ')).toThrow(UserError);
    expect(() => parseExportOutput('{}')).toThrow(/not a JSON array/);
    expect(() => parseExportOutput('[ { "dimensions" : "1" } ]')).toThrow(/entry 0 has no name/);
    expect(() => parseExportOutput('[ { "name" : "y", "values" : [ "x" ] } ]')).toThrow(
      /not a number for output 'y'/,
    );
  });
});

/** A stand-in TensorRT 8.2 trtexec and an engine file beside it. */
async function fakeWithEngine() {
  const fake = await fakeTrtexec({
    helpBanner: '[TensorRT v8201] ',
    runLog: '/dev/null',
    times: '/dev/null',
  });
  const engine = path.join(fake.dir, 'model.engine');
  await writeFile(engine, 'serialized engine');
  return { fake, engine };
}

describe.skipIf(!unix)('runTrtexecOutputs on this machine (fake trtexec)', () => {
  it('loads each input from its file, runs once and returns the exported outputs', async () => {
    const { fake, engine } = await fakeWithEngine();
    const x = path.join(fake.dir, 'x.bin');
    await writeFile(x, Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
    const host = localTrtexecHost({ env: { ...process.env, EDGEBENCH_TRTEXEC: fake.bin } });
    const outputs = await runTrtexecOutputs(host, {
      enginePath: engine,
      inputs: { x },
      shapes: { x: [1, 4] },
    });
    expect(outputs.map((o) => o.name)).toEqual(['logits', 'mask:0']);
    const [line] = await trtexecArgLines(fake);
    expect(line).toMatch(
      new RegExp(
        `^--loadEngine=${engine} --loadInputs=x:${x} --shapes=x:1x4 --warmUp=0 --duration=0 --iterations=1 --exportOutput=\\S+$`,
      ),
    );
    expect(line).toMatch(/--exportOutput=\S+\/outputs\.json$/);
    expect(await readFile(fake.inputsLog, 'utf8')).toBe('x 16\n');
  });

  it('says in one line when trtexec cannot load an input', async () => {
    const { fake, engine } = await fakeWithEngine();
    const host = localTrtexecHost({ env: { ...process.env, EDGEBENCH_TRTEXEC: fake.bin } });
    await expect(
      runTrtexecOutputs(host, { enginePath: engine, inputs: { x: path.join(fake.dir, 'missing.bin') } }),
    ).rejects.toThrow(new UserError(`${path.join(fake.dir, 'missing.bin')}: no such file`));
    const wrongEngine = runTrtexecOutputs(host, {
      enginePath: path.join(fake.dir, 'none.engine'),
      inputs: { x: fake.gpuNode },
    });
    await expect(wrongEngine).rejects.toThrow(UserError);
    await expect(wrongEngine).rejects.toThrow(
      /could not run none\.engine on the given inputs .*exited with code 1/,
    );
  });
});
