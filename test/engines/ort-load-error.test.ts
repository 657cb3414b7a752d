/** onnxruntime's load errors become one line a user can act on, without C++ internals. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLoadError, OrtEngine } from '../../src/engines/ort.js';
import { UserError } from '../../src/errors.js';

describe('describeLoadError', () => {
  it('an empty .onnx file: not a valid ONNX model, no source paths', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-ort-load-'));
    const file = path.join(dir, 'empty.onnx');
    await writeFile(file, '');
    const load = new OrtEngine().open(file, {});
    await expect(load).rejects.toThrow(UserError);
    const message = await load.catch((e: Error) => e.message);
    expect(message).toBe(
      `${file} is not a valid ONNX model (it has no graph: empty, truncated or not an ONNX file): check that the file is complete and really ONNX`,
    );
  });

  it('other errors keep onnxruntime’s reason but drop its C++ location and signature', () => {
    const raw =
      'Load model from m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:99 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&) Unsupported opset 99';
    const line = describeLoadError('m.onnx', new Error(raw));
    expect(line).toBe(
      'onnxruntime could not load m.onnx: Load model from m.onnx failed: Unsupported opset 99',
    );
    expect(line).not.toMatch(/onnxruntime_src|::Model\(/);
  });
});
