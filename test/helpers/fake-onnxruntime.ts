/**
 * A stand-in `onnxruntime` Python package for the onnxruntime runner's tests (the real wheel cannot be
 * installed here). It has the API surface the runner uses; its "model" is a JSON file declaring
 * inputs and outputs. It checks what the runner feeds it (names, dtypes, shapes against the
 * declaration) and raises like onnxruntime does on a mismatch, so a wrong feed fails the test. Its
 * outputs are zeros, or, when the model sets `scale`, the first input's values (repeated to fill the
 * output's shape) times it: a check of what comes back depends on what went in.
 *
 * Environment: FAKE_ORT_PROVIDERS (comma list, default CPUExecutionProvider), FAKE_ORT_FAIL (a
 * provider whose initialisation "fails": dropped from the session, as onnxruntime falls back),
 * FAKE_ORT_LOG (a file receiving what the session was created with, as JSON).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const FAKE = `"""A fake onnxruntime for edgebench's tests (see test/helpers/fake-onnxruntime.ts)."""
import json
import os
import time

__version__ = "1.11.0+fake"


def get_available_providers():
    return os.environ.get("FAKE_ORT_PROVIDERS", "CPUExecutionProvider").split(",")


def get_device():
    return "GPU" if "CUDAExecutionProvider" in get_available_providers() else "CPU"


class GraphOptimizationLevel(object):
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_ALL = 99


class SessionOptions(object):
    def __init__(self):
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.log_severity_level = 2


class NodeArg(object):
    def __init__(self, spec):
        self.name = spec["name"]
        self.shape = spec["shape"]
        self.type = spec["type"]


TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(int64)": "int64", "tensor(bool)": "bool"}


class InferenceSession(object):
    def __init__(self, path, sess_options=None, providers=None):
        with open(path) as handle:
            self._spec = json.load(handle)
        requested = providers or ["CPUExecutionProvider"]
        names = [p if isinstance(p, str) else p[0] for p in requested]
        available = get_available_providers()
        for name in names:
            if name not in available:
                raise ValueError("provider %s is not available" % name)
        failing = os.environ.get("FAKE_ORT_FAIL")
        self._providers = [n for n in names if n != failing]
        log = os.environ.get("FAKE_ORT_LOG")
        if log:
            options = sess_options or SessionOptions()
            with open(log, "w") as handle:
                json.dump(
                    {
                        "providers": [p if isinstance(p, str) else [p[0], p[1]] for p in requested],
                        "intra": options.intra_op_num_threads,
                        "inter": options.inter_op_num_threads,
                        "level": options.graph_optimization_level,
                    },
                    handle,
                )
        self._delay = float(self._spec.get("delayMs", 0)) / 1000.0

    def get_inputs(self):
        return [NodeArg(spec) for spec in self._spec["inputs"]]

    def get_outputs(self):
        return [NodeArg(spec) for spec in self._spec["outputs"]]

    def get_providers(self):
        return list(self._providers)

    def run(self, output_names, feeds):
        import numpy

        batch = None
        for spec in self._spec["inputs"]:
            if spec["name"] not in feeds:
                raise ValueError("missing input %s" % spec["name"])
            value = feeds[spec["name"]]
            if str(value.dtype) != TYPES[spec["type"]]:
                raise ValueError("input %s: expected %s, got %s" % (spec["name"], TYPES[spec["type"]], value.dtype))
            if len(value.shape) != len(spec["shape"]):
                raise ValueError("input %s: rank %d, expected %d" % (spec["name"], len(value.shape), len(spec["shape"])))
            for got, want in zip(value.shape, spec["shape"]):
                if isinstance(want, int) and got != want:
                    raise ValueError("input %s: shape %s, expected %s" % (spec["name"], value.shape, spec["shape"]))
            batch = value.shape[0] if value.shape else batch
        if self._delay:
            time.sleep(self._delay)
        outputs = []
        first = feeds[self._spec["inputs"][0]["name"]].astype("float64").ravel() if self._spec["inputs"] else None
        scale = self._spec.get("scale")
        for spec in self._spec["outputs"]:
            shape = [d if isinstance(d, int) else batch for d in spec["shape"]]
            if scale is None or first is None or first.size == 0:
                outputs.append(numpy.zeros(shape, dtype=TYPES[spec["type"]]))
                continue
            count = int(numpy.prod(shape))
            values = numpy.resize(first, count) * float(scale)
            outputs.append(values.reshape(shape).astype(TYPES[spec["type"]]))
        return outputs
`;

/** Writes the fake package into `dir` (dir/onnxruntime/__init__.py); returns dir, for PYTHONPATH. */
export async function writeFakeOnnxruntime(dir: string): Promise<string> {
  await mkdir(path.join(dir, 'onnxruntime'), { recursive: true });
  await writeFile(path.join(dir, 'onnxruntime', '__init__.py'), FAKE);
  return dir;
}

/** A "model" for the fake: inputs and outputs with onnxruntime's type names; symbolic dims as strings. */
export interface FakeModel {
  inputs: Array<{ name: string; shape: Array<number | string>; type: string }>;
  outputs: Array<{ name: string; shape: Array<number | string>; type: string }>;
  delayMs?: number;
  /** Outputs are the first input's values times this (absent: zeros). */
  scale?: number;
}

export async function writeFakeModel(file: string, model: FakeModel): Promise<string> {
  await writeFile(file, JSON.stringify(model));
  return file;
}
