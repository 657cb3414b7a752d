"""The core every edgebench Python runner shares: the JSON-lines protocol, the stop rules, the timing loop.

The runners (edgebench_torch.py, edgebench_ort.py) import this file from their own folder; the protocol is
documented in docs/engines.md ("Python runner protocol", "Outputs mode"). Only the standard library is used, and the code
runs on Python 3.6 (JetPack 4's Python), so it avoids everything newer: no dataclasses, no walrus, no
time.perf_counter_ns, no subprocess capture_output.
"""
import base64
import json
import math
import os
import platform
import sys
import time
import traceback

PROTOCOL_VERSION = 1


class Unavailable(Exception):
    """The engine cannot run here (missing package, no CUDA): not the user's mistake."""


class BadRequest(Exception):
    """The request cannot be honoured as given (unknown architecture, missing shapes)."""


_out = None


def _protocol_stream():
    """Protocol lines go to the original stdout; everything else printed to fd 1 goes to stderr."""
    global _out
    if _out is None:
        try:
            fd = os.dup(1)
            os.dup2(2, 1)
            _out = os.fdopen(fd, "w", buffering=1)
            sys.stdout = sys.stderr
        except OSError:
            _out = sys.stdout
    return _out


def emit(event, **fields):
    record = {"event": event}
    record.update(fields)
    stream = _protocol_stream()
    stream.write(json.dumps(record, allow_nan=False) + "\n")
    stream.flush()


# ---- stop rules: the same rules as src/measure/loop.ts ---------------------------------------

Z_95 = 1.959963984540054


def median_ci_ranks(n, confidence=0.95):
    """1-based ranks (lo, hi) of the order statistics bounding a >= 95% CI of the median, or None (n < 6).

    Mirrors medianCiRanks in src/measure/stats.ts: exact binomial coverage for n <= 1000, the normal
    approximation above.
    """
    if n < 1:
        return None
    if n > 1000:
        half = (Z_95 * math.sqrt(n)) / 2
        lo = max(1, math.floor(n / 2 - half))
        hi = min(n, math.ceil(n / 2 + 1 + half))
        return (lo, hi)
    log_f = [0.0] * (n + 1)
    for i in range(2, n + 1):
        log_f[i] = log_f[i - 1] + math.log(i)
    pmf = [math.exp(log_f[n] - log_f[k] - log_f[n - k] - n * math.log(2)) for k in range(n + 1)]
    best = None
    for j in range(1, (n + 1) // 2 + 1):
        coverage = sum(pmf[j : n - j + 1])
        if coverage >= confidence:
            best = (j, n + 1 - j)
        else:
            break
    return best


def median_sorted(values):
    n = len(values)
    mid = n >> 1
    return values[mid] if n % 2 == 1 else (values[mid - 1] + values[mid]) / 2


def relative_ci_half_width(sorted_values):
    ranks = median_ci_ranks(len(sorted_values))
    if ranks is None:
        return math.inf
    lo = sorted_values[ranks[0] - 1]
    hi = sorted_values[ranks[1] - 1]
    median = median_sorted(sorted_values)
    return (hi - lo) / 2 / median if median > 0 else math.inf


def time_loop(run, rules, precision_rule, before=None, clock=time.perf_counter, flush_every=64, flush_ms=250.0):
    """First run, warm-up, steady state; samples are emitted in batches, outside the timed region.

    `before` (e.g. a CUDA synchronize) runs ahead of each timed call, outside the clock reads. The
    steady state's window is reported twice: in epoch ms (time.time) and on the machine's monotonic
    clock (time.monotonic), which is the clock the device-side telemetry collector stamps its samples
    with, so the two align on a remote device whatever its wall clock says.
    """
    ms = lambda a, b: (b - a) * 1000.0  # noqa: E731
    before = before or (lambda: None)

    before()
    t0 = clock()
    run()
    first_ms = ms(t0, clock())
    emit("first", ms=first_ms)

    warm_start = clock()
    now = warm_start
    warm_count = 0
    while (ms(warm_start, now) < rules["warmupTimeMs"] or warm_count < rules["warmupCount"]) and not (
        rules["maxTimeMs"] > 0 and ms(warm_start, now) >= rules["maxTimeMs"]
    ):
        before()
        run()
        warm_count += 1
        now = clock()
    emit("warmup", count=warm_count, timeMs=ms(warm_start, now))

    samples = []
    pending = []
    last_flush = clock()
    stop_reason = "min-reached"
    start_epoch_ms = time.time() * 1000.0
    start_monotonic_ms = time.monotonic() * 1000.0
    steady_start = clock()
    min_samples = precision_rule["minSamples"]
    min_time = precision_rule["minTimeMs"]
    check_every = precision_rule["checkEvery"]
    while True:
        before()
        a = clock()
        run()
        b = clock()
        sample = ms(a, b)
        samples.append(sample)
        pending.append(sample)
        count = len(samples)
        elapsed = ms(steady_start, b)
        if rules["maxCount"] > 0 and count >= rules["maxCount"]:
            stop_reason = "max-count"
            break
        if rules["maxTimeMs"] > 0 and elapsed >= rules["maxTimeMs"]:
            stop_reason = "max-time"
            break
        if elapsed >= rules["minTimeMs"] and count >= rules["minCount"]:
            stop_reason = "min-reached"
            break
        if (
            rules["relCi"] > 0
            and count >= max(min_samples, rules["minCount"])
            and elapsed >= min(min_time, rules["minTimeMs"])
            and count % check_every == 0
            and relative_ci_half_width(sorted(samples)) <= rules["relCi"]
        ):
            stop_reason = "precision-reached"
            break
        if len(pending) >= flush_every or ms(last_flush, b) >= flush_ms:
            emit("samples", ms=pending)
            pending = []
            last_flush = clock()
    end_monotonic_ms = time.monotonic() * 1000.0
    end_epoch_ms = time.time() * 1000.0
    if pending:
        emit("samples", ms=pending)
    return {
        "count": len(samples),
        "stopReason": stop_reason,
        "startEpochMs": start_epoch_ms,
        "endEpochMs": end_epoch_ms,
        "startMonotonicMs": start_monotonic_ms,
        "endMonotonicMs": end_monotonic_ms,
    }


def peak_rss_bytes():
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except Exception:
        return None


def version_of(module_name):
    """(version, None) when the module imports, else (None, "ErrorType: message")."""
    try:
        module = __import__(module_name)
        return getattr(module, "__version__", "unknown"), None
    except Exception as error:  # ImportError, or a broken install raising anything
        return None, "%s: %s" % (type(error).__name__, error)


def run_null(config):
    """The do-nothing model: what the harness itself costs per iteration (no runtime needed)."""
    started = time.perf_counter()
    run = lambda: None  # noqa: E731
    emit(
        "ready",
        coldStartMs=(time.perf_counter() - started) * 1000.0,
        device="cpu",
        deviceName="none (null model)",
        torch=None,
        torchvision=None,
        mode="null",
        threads=0,
        interopThreads=0,
        inputs=[],
        params=0,
    )
    result = time_loop(run, config["stopRules"], config["precisionRule"])
    result["peakRssBytes"] = peak_rss_bytes()
    emit("done", **result)


# ---- outputs mode: a model's outputs for inputs sent from edgebench, bit for bit ------------------


def tensor_from_record(numpy, record):
    """A tensor sent as {name, dtype, shape, data}: data is base64 of the raw little-endian elements."""
    try:
        dtype = numpy.dtype(record["dtype"])
        shape = [int(d) for d in record["shape"]]
        raw = base64.b64decode(record["data"])
    except Exception as error:
        raise BadRequest("a tensor in the request cannot be read (%s: %s)" % (type(error).__name__, error))
    count = 1
    for d in shape:
        count *= d
    if len(raw) != count * dtype.itemsize:
        raise BadRequest(
            "tensor '%s' has %d bytes, its shape %s of %s needs %d"
            % (record.get("name"), len(raw), shape, dtype.name, count * dtype.itemsize)
        )
    little = numpy.frombuffer(raw, dtype=dtype.newbyteorder("<"), count=count)
    return little.astype(dtype, copy=True).reshape(shape)


def tensor_record(numpy, name, value):
    """A tensor as the outputs event sends it: its elements' bytes, little-endian, in base64."""
    array = numpy.ascontiguousarray(numpy.asarray(value))
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {
        "name": name,
        "dtype": array.dtype.name,
        "shape": [int(d) for d in array.shape],
        "data": base64.b64encode(little.tobytes()).decode("ascii"),
    }


def serve_outputs(numpy, run_feeds, stream=None):
    """One request per stdin line ({"feeds": [tensor, ...]}); an `outputs` event answers each.

    `run_feeds` takes {name: array} and returns [(name, array), ...]. An empty line or the end of
    stdin ends the session with `done`.
    """
    stream = stream or sys.stdin
    count = 0
    while True:
        line = stream.readline()
        if not line.strip():
            break
        try:
            request = json.loads(line)
            records = request["feeds"]
        except Exception as error:
            raise BadRequest("an outputs request is not a JSON line with feeds (%s)" % error)
        feeds = {}
        for record in records:
            feeds[record["name"]] = tensor_from_record(numpy, record)
        outputs = run_feeds(feeds)
        emit("outputs", index=count, tensors=[tensor_record(numpy, name, value) for name, value in outputs])
        count += 1
    emit("done", count=count, peakRssBytes=peak_rss_bytes())


def main(argv, probe, run, outputs=None):
    """`probe`, `run` or `outputs` (config as one JSON line on stdin); errors become one `error` event and exit 1."""
    command = argv[1] if len(argv) > 1 else "run"
    try:
        if command == "probe":
            probe()
            return 0
        if command not in ("run", "outputs") or (command == "outputs" and outputs is None):
            expected = "probe, run or outputs" if outputs else "probe or run"
            raise BadRequest("unknown command '%s' (expected %s)" % (command, expected))
        line = sys.stdin.readline()
        if not line.strip():
            raise BadRequest("no configuration on stdin (one JSON line expected)")
        config = json.loads(line)
        if config.get("protocol") != PROTOCOL_VERSION:
            raise BadRequest(
                "protocol %s requested, this runner speaks %d (edgebench and its runner script are out of step)"
                % (config.get("protocol"), PROTOCOL_VERSION)
            )
        emit("hello", protocol=PROTOCOL_VERSION, python=platform.python_version(), pid=os.getpid())
        if command == "outputs":
            outputs(config)
        elif config["model"]["kind"] == "null":
            run_null(config)
        else:
            run(config)
        return 0
    except Unavailable as error:
        emit("error", kind="unavailable", message=str(error))
    except BadRequest as error:
        emit("error", kind="user", message=str(error))
    except Exception as error:  # anything else is a bug or an out-of-memory: report it, with the trace on stderr
        traceback.print_exc(file=sys.stderr)
        message = "%s: %s" % (type(error).__name__, error)
        kind = "internal"
        if "out of memory" in message.lower():
            kind = "resource"
        emit("error", kind=kind, message=message[:2000])
    return 1
