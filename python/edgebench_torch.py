#!/usr/bin/env python3
"""edgebench's PyTorch runner.

Runs a torchvision architecture (random weights) or a TorchScript file in eager mode on CPU or CUDA,
with edgebench's warm-up and stop rules, and reports every per-iteration time as JSON lines on stdout.
The protocol is documented in docs/engines.md ("Python runner protocol"); edgebench starts this script
as `python3 edgebench_torch.py probe` or `python3 edgebench_torch.py run` (config as one JSON line on stdin),
and `python3 edgebench_torch.py outputs` for the model's outputs on inputs it is sent (fidelity on a device).

Only the standard library is imported at module level, so `probe` works (and reports why) without torch,
and the `null` model (a call that does nothing) measures this harness's own overhead without torch. The
stop rules, the timing loop and the protocol plumbing live in edgebench_loop.py beside this file. It runs
on Python 3.6 and torch 1.8 (JetPack 4.6's), where torch.inference_mode does not exist yet (no_grad then).
"""
import os
import platform
import re
import sys
import time

# The shared runner core lives beside this file (the runner's folder is first on sys.path).
from edgebench_loop import (  # noqa: F401 - re-exported for tests and older callers
    PROTOCOL_VERSION,
    BadRequest,
    Unavailable,
    emit,
    main as run_main,
    median_ci_ranks,
    peak_rss_bytes,
    relative_ci_half_width,
    serve_outputs,
    time_loop,
    version_of,
)

# The study's own video models: edgebench's definitions, documented in docs/zoo.md ("Custom video models").
CUSTOM_VIDEO_MODELS = ("c3d_small", "conv3d_autoencoder", "densenet3d")


# ---- probing ---------------------------------------------------------------------------------


def _blas_of(torch):
    """The BLAS this torch build links ("mkl", "openblas", "generic", ...), from its build settings."""
    try:
        show = torch.__config__.show()
    except Exception:  # noqa: BLE001 - very old builds have no __config__
        return None
    match = re.search(r"\bBLAS_INFO=([^,\s]+)", show)
    return match.group(1) if match else None


def probe():
    info = {
        "protocol": PROTOCOL_VERSION,
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
    }
    torch_version, torch_error = version_of("torch")
    info["torch"] = torch_version
    if torch_error:
        info["torchError"] = torch_error
    vision_version, vision_error = version_of("torchvision") if torch_version else (None, "torch is missing")
    info["torchvision"] = vision_version
    if vision_error:
        info["torchvisionError"] = vision_error
    info["timm"] = version_of("timm")[0] if torch_version else None
    if torch_version:
        import torch

        info["cudaBuilt"] = getattr(torch.version, "cuda", None)
        info["threads"] = torch.get_num_threads()
        try:
            available = bool(torch.cuda.is_available())
            info["cudaAvailable"] = available
            if available:
                info["cudaDeviceCount"] = torch.cuda.device_count()
                info["cudaDevice"] = torch.cuda.get_device_name(0)
            elif info["cudaBuilt"]:
                info["cudaError"] = "torch was built with CUDA %s, but no CUDA device is usable" % info["cudaBuilt"]
            else:
                info["cudaError"] = "this torch build has no CUDA support (a CPU-only wheel)"
        except Exception as error:
            info["cudaAvailable"] = False
            info["cudaError"] = "%s: %s" % (type(error).__name__, error)
    emit("probe", **info)


# ---- models ----------------------------------------------------------------------------------


def _conv3d_bn_relu(nn, cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv3d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False),
        nn.BatchNorm3d(cout),
        nn.ReLU(inplace=True),
    )


def build_custom_video_model(torch, name, num_classes=400):
    """c3d_small, conv3d_autoencoder and densenet3d exactly as docs/zoo.md defines them (same layers,
    same parameter counts as the ONNX graphs edgebench generates)."""
    nn = torch.nn
    if name == "c3d_small":
        return nn.Sequential(
            _conv3d_bn_relu(nn, 3, 32),
            nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2)),
            _conv3d_bn_relu(nn, 32, 64),
            nn.MaxPool3d(kernel_size=2, stride=2),
            _conv3d_bn_relu(nn, 64, 128),
            _conv3d_bn_relu(nn, 128, 128),
            nn.MaxPool3d(kernel_size=2, stride=2),
            _conv3d_bn_relu(nn, 128, 256),
            _conv3d_bn_relu(nn, 256, 256),
            nn.MaxPool3d(kernel_size=2, stride=2, ceil_mode=True),
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten(),
            nn.Linear(256, 256),
            nn.ReLU(inplace=True),
            nn.Linear(256, num_classes),
        )
    if name == "conv3d_autoencoder":
        # The encoder and the classifier on its latent code; the training-only decoder is not built.
        return nn.Sequential(
            _conv3d_bn_relu(nn, 3, 32, stride=(1, 2, 2)),
            _conv3d_bn_relu(nn, 32, 64, stride=2),
            _conv3d_bn_relu(nn, 64, 128, stride=2),
            _conv3d_bn_relu(nn, 128, 256, stride=2),
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten(),
            nn.Linear(256, 128),
            nn.ReLU(inplace=True),
            nn.Linear(128, num_classes),
        )
    if name == "densenet3d":
        return _densenet3d(torch, num_classes)
    raise BadRequest("no custom video model named '%s'" % name)


def _densenet3d(torch, num_classes, growth=16, blocks=(4, 8, 12), init_features=32, bn_size=4):
    nn = torch.nn

    class DenseLayer(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.norm1 = nn.BatchNorm3d(cin)
            self.relu1 = nn.ReLU(inplace=True)
            self.conv1 = nn.Conv3d(cin, bn_size * growth, kernel_size=1, bias=False)
            self.norm2 = nn.BatchNorm3d(bn_size * growth)
            self.relu2 = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv3d(bn_size * growth, growth, kernel_size=3, padding=1, bias=False)

        def forward(self, features):
            x = torch.cat(features, 1)
            return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))

    class DenseBlock(nn.Module):
        def __init__(self, layers, cin):
            super().__init__()
            self.layers = nn.ModuleList([DenseLayer(cin + i * growth) for i in range(layers)])

        def forward(self, x):
            features = [x]
            for layer in self.layers:
                features.append(layer(features))
            return torch.cat(features, 1)

    modules = [
        nn.Conv3d(3, init_features, kernel_size=(3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False),
        nn.BatchNorm3d(init_features),
        nn.ReLU(inplace=True),
        nn.MaxPool3d(kernel_size=3, stride=2, padding=1),
    ]
    channels = init_features
    for i, layers in enumerate(blocks):
        modules.append(DenseBlock(layers, channels))
        channels += layers * growth
        if i < len(blocks) - 1:
            modules += [
                nn.BatchNorm3d(channels),
                nn.ReLU(inplace=True),
                nn.Conv3d(channels, channels // 2, kernel_size=1, bias=False),
                nn.AvgPool3d(kernel_size=2, stride=2),
            ]
            channels //= 2
    modules += [
        nn.BatchNorm3d(channels),
        nn.ReLU(inplace=True),
        nn.AdaptiveAvgPool3d(1),
        nn.Flatten(),
        nn.Linear(channels, num_classes),
    ]
    return nn.Sequential(*modules)


def build_zoo_model(torch, name, num_classes):
    if name in CUSTOM_VIDEO_MODELS:
        return build_custom_video_model(torch, name, int(num_classes) if num_classes else 400)
    kwargs = {}
    if num_classes:
        kwargs["num_classes"] = int(num_classes)
    if name == "resnetv2_50":
        try:
            import timm
        except ImportError as error:
            raise Unavailable("resnetv2_50 is timm's pre-activation ResNet-50 and timm is not installed (%s)" % error)
        return timm.create_model("resnetv2_50", pretrained=False, **kwargs)
    try:
        import torchvision
        import torchvision.models as models
        import torchvision.models.video as video
    except ImportError as error:
        raise Unavailable("torchvision is not importable (%s); install the torchvision that matches torch" % error)
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=False)
    get_model = getattr(models, "get_model", None)
    if get_model is not None:
        try:
            return get_model(name, weights=None, **kwargs)
        except ValueError:
            pass  # not registered under that name in this torchvision; try the builders directly
    builder = getattr(models, name, None) or getattr(video, name, None)
    if builder is None or not callable(builder):
        raise BadRequest("torchvision %s has no architecture named '%s'" % (torchvision.__version__, name))
    try:
        return builder(weights=None, **kwargs)  # torchvision >= 0.13
    except TypeError:
        return builder(pretrained=False, **kwargs)  # older torchvision (JetPack 4.x wheels)


def load_model(torch, spec, device):
    kind = spec["kind"]
    if kind == "zoo":
        return build_zoo_model(torch, spec["name"], spec.get("numClasses")), "eager"
    if kind == "torchscript":
        path = spec["path"]
        if not os.path.isfile(path):
            raise BadRequest("TorchScript file not found: %s" % path)
        try:
            return torch.jit.load(path, map_location=device), "torchscript"
        except Exception as error:
            raise BadRequest("%s is not a TorchScript file torch %s can load (%s)" % (path, torch.__version__, error))
    raise BadRequest("unknown model kind '%s'" % kind)




def prepare_torch(config):
    """torch imported, the device and precision checked, the model built (seeded) and loaded there."""
    import_start = time.perf_counter()
    try:
        import torch
    except Exception as error:
        raise Unavailable("torch is not importable in %s (%s)" % (sys.executable, error))
    import_ms = (time.perf_counter() - import_start) * 1000.0

    device_kind = config.get("device", "cpu")
    if device_kind == "cuda":
        if not torch.cuda.is_available():
            built = getattr(torch.version, "cuda", None)
            raise Unavailable(
                "CUDA is not available to torch %s (%s)"
                % (torch.__version__, "built with CUDA %s, but no usable device" % built if built else "a CPU-only build")
            )
        device = torch.device("cuda", int(config.get("deviceIndex", 0)))
    elif device_kind == "cpu":
        device = torch.device("cpu")
    else:
        raise BadRequest("device must be 'cpu' or 'cuda', got '%s'" % device_kind)

    if config.get("threads"):
        torch.set_num_threads(int(config["threads"]))
    elif config.get("defaultThreads") and "OMP_NUM_THREADS" not in os.environ:
        # threads 0: one per physical core, as PyTorch documents and onnxruntime does; some
        # distribution builds of torch start with a single thread instead.
        torch.set_num_threads(int(config["defaultThreads"]))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = bool(config.get("cudnnBenchmark", False))
    precision = config.get("precision", "fp32")
    if precision not in ("fp32", "fp16"):
        raise BadRequest("the torch engine runs fp32 or fp16, not '%s'" % precision)
    dtype = torch.float16 if precision == "fp16" else torch.float32
    torch.manual_seed(int(config.get("seed", 42)))

    cold_start = time.perf_counter()
    model, mode = load_model(torch, config["model"], device)
    model = model.eval().to(device)
    if precision == "fp16":
        model = model.half()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    cold_ms = (time.perf_counter() - cold_start) * 1000.0
    return torch, device, dtype, model, mode, import_ms, cold_ms


def run_torch(config):
    torch, device, dtype, model, mode, import_ms, cold_ms = prepare_torch(config)
    inputs = []
    tensors = []
    for spec in config["inputs"]:
        shape = [int(d) for d in spec["shape"]]
        tensors.append(torch.randn(*shape, dtype=dtype, device=device))
        inputs.append({"name": spec["name"], "shape": shape, "dtype": str(dtype).replace("torch.", "")})
    params = None
    try:
        params = int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    except Exception:
        pass
    emit(
        "ready",
        coldStartMs=cold_ms,
        importMs=import_ms,
        device=device.type,
        deviceName=(
            torch.cuda.get_device_name(device)
            if device.type == "cuda"
            else platform.processor() or platform.machine() or "cpu"
        ),
        torch=torch.__version__,
        torchvision=version_of("torchvision")[0],
        cuda=getattr(torch.version, "cuda", None),
        cudnn=torch.backends.cudnn.version() if device.type == "cuda" else None,
        mode=mode,
        threads=torch.get_num_threads(),
        interopThreads=torch.get_num_interop_threads(),
        blas=_blas_of(torch),
        inputs=inputs,
        params=params,
    )

    if device.type == "cuda":
        sync = lambda: torch.cuda.synchronize(device)  # noqa: E731
    else:
        sync = lambda: None  # noqa: E731

    def run():
        model(*tensors)
        sync()  # this call's kernels must be finished when the clock is read

    inference = getattr(torch, "inference_mode", None) or torch.no_grad
    with inference():
        # sync before each call too (outside the clock reads): earlier work must not leak into its time
        result = time_loop(run, config["stopRules"], config["precisionRule"], before=sync)
        out = model(*tensors)
    outputs = []
    for i, value in enumerate(out if isinstance(out, (tuple, list)) else [out]):
        if hasattr(value, "shape"):
            outputs.append({"name": "output%d" % i, "shape": list(value.shape)})
    result["outputs"] = outputs
    result["peakRssBytes"] = peak_rss_bytes()
    if device.type == "cuda":
        result["cudaMaxMemoryAllocatedBytes"] = int(torch.cuda.max_memory_allocated(device))
    emit("done", **result)


def outputs_torch(config):
    """Outputs mode: the model built once (same seed, same weights as `run`), then its outputs for
    every input set sent on stdin, each input cast to the precision the model runs in."""
    import numpy

    torch, device, dtype, model, mode, import_ms, cold_ms = prepare_torch(config)
    names = [spec["name"] for spec in config["inputs"]]
    shapes = [[int(d) for d in spec["shape"]] for spec in config["inputs"]]
    inference = getattr(torch, "inference_mode", None) or torch.no_grad

    def forward(tensors):
        with inference():
            out = model(*tensors)
        values = out if isinstance(out, (tuple, list)) else [out]
        return [("output%d" % i, v.detach().cpu().numpy()) for i, v in enumerate(values) if hasattr(v, "shape")]

    # What the outputs are (names, types, shapes): one run on zeros of the declared shapes.
    declared = forward([torch.zeros(*shape, dtype=dtype, device=device) for shape in shapes])
    emit(
        "ready",
        coldStartMs=cold_ms,
        importMs=import_ms,
        device=device.type,
        torch=torch.__version__,
        mode="outputs",
        inputs=[
            {"name": name, "dtype": str(dtype).replace("torch.", ""), "shape": shape}
            for name, shape in zip(names, shapes)
        ],
        outputs=[{"name": name, "dtype": value.dtype.name, "shape": list(value.shape)} for name, value in declared],
    )

    def run_feeds(feeds):
        missing = [name for name in names if name not in feeds]
        if missing:
            raise BadRequest("the request has no tensor for input(s) %s" % ", ".join(missing))
        tensors = [torch.from_numpy(numpy.ascontiguousarray(feeds[name])).to(device=device, dtype=dtype) for name in names]
        return forward(tensors)

    serve_outputs(numpy, run_feeds)


def main(argv):
    return run_main(argv, probe, run_torch, outputs_torch)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
