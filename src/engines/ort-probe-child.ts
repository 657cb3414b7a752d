/** Child process: tries one execution provider on a tiny model and prints one JSON line. */
import { createRequire } from 'node:module';
import type * as OrtTypes from 'onnxruntime-node';
import { reluProbeModel } from './probe-model.js';

const require = createRequire(import.meta.url);
const ep = process.argv[2] ?? 'cpu';

async function main(): Promise<void> {
  const ort = require('onnxruntime-node') as typeof OrtTypes;
  ort.env.logLevel = 'error';
  const bundled = ort.listSupportedBackends().find((b) => b.name === ep)?.bundled ?? false;
  try {
    const session = await ort.InferenceSession.create(reluProbeModel(), {
      executionProviders: [ep],
      logSeverityLevel: 3,
    });
    const output = await session.run({
      x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [4]),
    });
    const y = output.y.data as Float32Array;
    const ok = y[0] === 0 && y[1] === 2 && y[3] === 4;
    await session.release();
    process.stdout.write(
      `${JSON.stringify({ ok, bundled, ...(ok ? {} : { error: 'wrong result from a Relu' }) })}\n`,
    );
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, bundled, error: error instanceof Error ? error.message : String(error) })}\n`,
    );
  }
}

await main();
