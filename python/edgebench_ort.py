#!/usr/bin/env python3
"""edgebench's onnxruntime runner, for Python's onnxruntime (CPU, CUDA and TensorRT execution providers).

For boards where onnxruntime-node cannot run (a Jetson Nano on JetPack 4: Node 20 needs glibc 2.28) but
the onnxruntime-gpu wheel for Python 3.6 can. It loads an ONNX file, feeds it synthetic inputs and
times `session.run` with edgebench's warm-up and stop rules, reporting every per-iteration time as JSON
lines on stdout: the same protocol as edgebench_torch.py (docs/engines.md, "Python runner protocol").

    python3 edgebench_ort.py probe
    python3 edgebench_ort.py run      (config as one JSON line on stdin)
    python3 edgebench_ort.py outputs  (config, then one request per line: the outputs for given inputs)

Only the standard library is imported at module level: `probe` says why when onnxruntime is missing,
and the `null` model measures the harness without it. Runs on Python 3.6.
"""
import os
import platform
import sys
import time

from edgebench_loop import (  # noqa: F401 - re-exported for tests
    PROTOCOL_VERSION,
    BadRequest,
    Unavailable,
    emit,
    main as run_main,
    peak_rss_bytes,
    serve_outputs,
    time_loop,
    version_of,
)

PROVIDERS = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}

GRAPH_LEVELS = {
    "disabled": "ORT_DISABLE_ALL",
    "basic": "ORT_ENABLE_BASIC",
    "extended": "ORT_ENABLE_EXTENDED",
    "all": "ORT_ENABLE_ALL",
}

# onnxruntime's tensor type names -> numpy dtype names.
ORT_TYPES = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(double)": "float64",
    "tensor(int8)": "int8",
    "tensor(uint8)": "uint8",
    "tensor(int16)": "int16",
    "tensor(uint16)": "uint16",
    "tensor(int32)": "int32",
    "tensor(uint32)": "uint32",
    "tensor(int64)": "int64",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
}


def probe():
    info = {
        "protocol": PROTOCOL_VERSION,
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
    }
    version, error = version_of("onnxruntime")
    info["onnxruntime"] = version
    if error:
        info["onnxruntimeError"] = error
    numpy_version, numpy_error = version_of("numpy")
    info["numpy"] = numpy_version
    if numpy_error:
        info["numpyError"] = numpy_error
    if version:
        import onnxruntime

        try:
            info["providers"] = list(onnxruntime.get_available_providers())
        except Exception as failure:
            info["providers"] = []
            info["providersError"] = "%s: %s" % (type(failure).__name__, failure)
        device = getattr(onnxruntime, "get_device", None)
        if device is not None:
            try:
                info["device"] = device()
            except Exception:
                pass
    emit("probe", **info)


def provider_list(ort, config):
    """The providers to ask for, best first, each with its options, and the one that must win."""
    kind = config.get("provider", "cpu")
    if kind not in PROVIDERS:
        raise BadRequest("provider must be one of %s, got '%s'" % (", ".join(sorted(PROVIDERS)), kind))
    available = list(ort.get_available_providers())
    wanted = PROVIDERS[kind]
    if wanted not in available:
        raise Unavailable(
            "onnxruntime %s in %s has no %s (it has %s); install the onnxruntime-gpu build for this board"
            % (ort.__version__, sys.executable, wanted, ", ".join(available) or "none")
        )
    device_id = int(config.get("deviceIndex", 0))
    extra = config.get("providerOptions") or {}
    chain = []
    if kind == "tensorrt":
        options = {"device_id": device_id}
        precision = config.get("precision", "fp32")
        if precision == "fp16":
            options["trt_fp16_enable"] = True
        elif precision != "fp32":
            raise BadRequest("the TensorRT provider runs fp32 or fp16 here, not '%s'" % precision)
        options.update(extra)
        chain.append(("TensorrtExecutionProvider", options))
    if kind in ("tensorrt", "cuda"):
        options = {"device_id": device_id}
        if kind == "cuda":
            options.update(extra)
        if "CUDAExecutionProvider" in available:
            chain.append(("CUDAExecutionProvider", options))
    if kind == "cpu" and config.get("precision", "fp32") != "fp32":
        raise BadRequest(
            "the CPU provider runs the model's own precision; give an fp16 model instead of precision '%s'"
            % config.get("precision")
        )
    chain.append("CPUExecutionProvider")
    return chain, wanted


def resolve_shapes(declared, config):
    """Concrete shapes per input: the config's shapes by name, else the model's with the batch dimension set."""
    given = config.get("shapes") or {}
    batch = int(config.get("batch") or 1)
    shapes = []
    for node in declared:
        if node.name in given:
            shapes.append([int(d) for d in given[node.name]])
            continue
        shape = []
        for axis, dim in enumerate(node.shape):
            if isinstance(dim, int) and dim >= 0:
                shape.append(dim)
            elif axis == 0:
                shape.append(batch)
            else:
                raise BadRequest(
                    "input '%s' has a symbolic dimension %r at axis %d; give its full shape" % (node.name, dim, axis)
                )
        shapes.append(shape)
    return shapes


def synthetic(numpy, dtype, shape, rng):
    """Inputs in a range every model tolerates: N(0, 1) floats, small non-negative integers, False."""
    if dtype in ("float32", "float16", "float64"):
        return rng.standard_normal(shape).astype(dtype)
    if dtype == "bool":
        return numpy.zeros(shape, dtype="bool")
    draw = rng.integers if hasattr(rng, "integers") else rng.randint  # Generator (numpy >= 1.17) or RandomState
    return draw(0, 8, size=shape).astype(dtype)


def open_session(config):
    """The session the config asks for, on the provider it names (refused when onnxruntime fell back)."""
    import_start = time.perf_counter()
    try:
        import numpy
        import onnxruntime as ort
    except Exception as error:
        raise Unavailable("onnxruntime is not importable in %s (%s)" % (sys.executable, error))
    import_ms = (time.perf_counter() - import_start) * 1000.0

    spec = config["model"]
    if spec["kind"] != "onnx":
        raise BadRequest("unknown model kind '%s' (expected onnx or null)" % spec["kind"])
    path = spec["path"]
    if not os.path.isfile(path):
        raise BadRequest("ONNX file not found: %s" % path)
    chain, wanted = provider_list(ort, config)

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if config.get("threads"):
        options.intra_op_num_threads = int(config["threads"])
    if config.get("interopThreads"):
        options.inter_op_num_threads = int(config["interopThreads"])
    level = config.get("graphOptimizationLevel", "all")
    if level not in GRAPH_LEVELS:
        raise BadRequest("graphOptimizationLevel must be one of %s" % ", ".join(sorted(GRAPH_LEVELS)))
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, GRAPH_LEVELS[level])

    cold_start = time.perf_counter()
    try:
        session = ort.InferenceSession(path, sess_options=options, providers=chain)
    except Exception as error:
        raise BadRequest("onnxruntime %s cannot load %s (%s)" % (ort.__version__, path, error))
    cold_ms = (time.perf_counter() - cold_start) * 1000.0
    active = list(session.get_providers())
    if not active or active[0] != wanted:
        # onnxruntime falls back to the next provider when one fails to initialise; a measurement of
        # the fallback under the requested provider's name would be a wrong number.
        raise Unavailable(
            "%s did not initialise (onnxruntime fell back to %s); its reason is on stderr"
            % (wanted, ", ".join(active) or "nothing")
        )
    return ort, numpy, session, wanted, active, import_ms, cold_ms, level


def run_onnx(config):
    ort, numpy, session, wanted, active, import_ms, cold_ms, level = open_session(config)
    declared = list(session.get_inputs())
    shapes = resolve_shapes(declared, config)
    seed = int(config.get("seed", 42))
    rng = numpy.random.default_rng(seed) if hasattr(numpy.random, "default_rng") else numpy.random.RandomState(seed)
    feeds = {}
    inputs = []
    for node, shape in zip(declared, shapes):
        dtype = ORT_TYPES.get(node.type)
        if dtype is None:
            raise BadRequest("input '%s' has type %s, which edgebench cannot synthesize" % (node.name, node.type))
        feeds[node.name] = synthetic(numpy, dtype, shape, rng)
        inputs.append({"name": node.name, "shape": shape, "dtype": dtype})

    device_kind = "cpu" if wanted == "CPUExecutionProvider" else "cuda"
    emit(
        "ready",
        coldStartMs=cold_ms,
        importMs=import_ms,
        device=device_kind,
        deviceName=(
            (platform.processor() or platform.machine() or "cpu")
            if device_kind == "cpu"
            else "CUDA device %d" % int(config.get("deviceIndex", 0))
        ),
        onnxruntime=ort.__version__,
        numpy=numpy.__version__,
        providers=active,
        mode="onnxruntime",
        graphOptimizationLevel=level,
        threads=int(config.get("threads") or 0),
        interopThreads=int(config.get("interopThreads") or 0),
        inputs=inputs,
        params=None,
    )

    run = lambda: session.run(None, feeds)  # noqa: E731 - outputs come back to the host, as in onnxruntime-node
    result = time_loop(run, config["stopRules"], config["precisionRule"])
    outputs = []
    for node, value in zip(session.get_outputs(), session.run(None, feeds)):
        outputs.append({"name": node.name, "shape": [int(d) for d in getattr(value, "shape", [])]})
    result["outputs"] = outputs
    result["peakRssBytes"] = peak_rss_bytes()
    emit("done", **result)


def declared_tensor(node):
    """An input or output as the session declares it: onnxruntime's type as a numpy name, symbolic dims as text."""
    shape = [d if isinstance(d, int) and d >= 0 else str(d if d is not None else "?") for d in (node.shape or [])]
    return {"name": node.name, "dtype": ORT_TYPES.get(node.type, node.type), "shape": shape}


def outputs_onnx(config):
    """Outputs mode: the session opened once, then the outputs of every input set sent on stdin."""
    ort, numpy, session, wanted, active, import_ms, cold_ms, level = open_session(config)
    emit(
        "ready",
        coldStartMs=cold_ms,
        importMs=import_ms,
        device="cpu" if wanted == "CPUExecutionProvider" else "cuda",
        onnxruntime=ort.__version__,
        numpy=numpy.__version__,
        providers=active,
        mode="outputs",
        graphOptimizationLevel=level,
        inputs=[declared_tensor(node) for node in session.get_inputs()],
        outputs=[declared_tensor(node) for node in session.get_outputs()],
    )
    names = [node.name for node in session.get_outputs()]

    def run_feeds(feeds):
        return list(zip(names, session.run(None, feeds)))

    serve_outputs(numpy, run_feeds)


def main(argv):
    return run_main(argv, probe, run_onnx, outputs_onnx)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
