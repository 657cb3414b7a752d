/**
 * What the fake trtexec (fake-trtexec.ts, `computeOutputs`) runs for `--loadEngine=PLAN
 * --loadInputs=… --exportOutput=FILE`: its "plan" is the ONNX file it was built from, so this runs
 * that model with onnxruntime on the loaded raw inputs and writes every output as trtexec does — a
 * JSON array of { name, dimensions: "1x1000", values } with six significant digits (C++ streams'
 * default), non-finite values as bare nan/inf. The outputs are thus a real function of the inputs.
 *
 *   node fake-trtexec-outputs.mjs PLAN LOAD_INPUTS SHAPES OUT
 */
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [plan, loadInputs, shapesSpec, out] = process.argv.slice(2);

/** `name:file,'odd:name':file` → [[name, file], …] (a quoted name may hold ':' and ','). */
function pairs(spec) {
  const found = [];
  let rest = spec;
  while (rest) {
    let name;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      name = rest.slice(1, end);
      rest = rest.slice(end + 2);
    } else {
      const colon = rest.indexOf(':');
      name = rest.slice(0, colon);
      rest = rest.slice(colon + 1);
    }
    const comma = rest.indexOf(',');
    found.push([name, comma < 0 ? rest : rest.slice(0, comma)]);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
  }
  return found;
}

const shapes = new Map(pairs(shapesSpec).map(([name, dims]) => [name, dims.split('x').map(Number)]));
const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  float16: Uint16Array,
};

const session = await ort.InferenceSession.create(plan, { executionProviders: ['cpu'] });
const feeds = {};
for (const [name, file] of pairs(loadInputs)) {
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta) throw new Error(`[E] no input named ${name}`);
  const dims = shapes.get(name) ?? meta.shape;
  const bytes = readFileSync(file);
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  const count = dims.reduce((n, d) => n * d, 1);
  // TensorRT before 10 binds int64 inputs as int32: widened back for onnxruntime.
  const data =
    meta.type === 'int64'
      ? BigInt64Array.from(new Int32Array(aligned.buffer, 0, count), (v) => BigInt(v))
      : new ARRAYS[meta.type](aligned.buffer, 0, count);
  feeds[name] = new ort.Tensor(meta.type, data, dims);
}
const results = await session.run(feeds);

const printed = (v) => {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(Number(Number(v).toPrecision(6)));
};
const records = session.outputNames.map((name) => {
  const tensor = results[name];
  const values = Array.from(tensor.data, (v) => printed(Number(v)));
  return `  { "name" : "${name}"\n  , "dimensions" : "${tensor.dims.join('x')}"\n  , "values" : [ ${values.join(', ')} ]\n  }`;
});
writeFileSync(out, `[\n${records.join('\n, ')}\n]\n`);
