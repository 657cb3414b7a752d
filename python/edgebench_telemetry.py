#!/usr/bin/env python3
"""edgebench's device-side telemetry collector: power rails, temperatures, clocks, stamped on the device.

Runs on the measured device (over SSH, beside a runner) and samples, every --interval-ms:
INA3221 power rails (JetPack 4's iio files `in_powerN_input` in mW, JetPack 5+'s hwmon `inN_input` mV x
`currN_input` mA), or `tegrastats` lines where no rail file can be read; thermal zones and hwmon
temperatures; cpufreq's current frequency per CPU; the Jetson GPU load. Every sample carries the device's
own monotonic clock (time.monotonic, milliseconds), the clock the runners stamp their steady-state
window with, so samples and measurements line up whatever the device's wall clock says.

    python3 edgebench_telemetry.py [--interval-ms 100] [--root /] [--tegrastats auto|never]

Output: JSON lines on stdout, `info` first (what is sampled, the clock anchor), then `sample` (and
`tegrastats`) lines, and `end` once stdin reaches end of file: the collector stops when its stdin is
closed, so a dropped connection stops it too. The protocol is documented in docs/targets.md. Standard
library only; Python 3.6.
"""
import json
import os
import platform
import re
import select
import subprocess
import sys
import threading
import time

PROTOCOL_VERSION = 1

GPU_LOAD_PATHS = (
    "/sys/devices/gpu.0/load",
    "/sys/devices/platform/gpu.0/load",
    "/sys/devices/17000000.ga10b/load",
    "/sys/devices/17000000.gv11b/load",
    "/sys/devices/platform/17000000.ga10b/load",
    "/sys/devices/platform/17000000.gpu/load",
    "/sys/devices/platform/bus@0/17000000.gpu/load",
)
TEGRASTATS_PATHS = ("/usr/bin/tegrastats",)
NVPMODEL_PATHS = ("/usr/sbin/nvpmodel", "/usr/bin/nvpmodel")
DISABLED_SENSOR_C = -40.0

_lock = threading.Lock()
_out = sys.stdout


def emit(event, **fields):
    record = {"event": event}
    record.update(fields)
    line = json.dumps(record, allow_nan=False) + "\n"
    with _lock:
        _out.write(line)
        _out.flush()


def now_ms():
    return time.monotonic() * 1000.0


def read_text(path):
    try:
        with open(path, "r") as handle:
            return handle.read()
    except (OSError, IOError, UnicodeDecodeError):
        return None


def read_line(path):
    text = read_text(path)
    if text is None:
        return None
    text = text.replace("\0", "").strip()
    return text or None


def read_number(path):
    text = read_line(path)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def list_dir(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def find_program(root, name, defaults):
    """The program on PATH, else at one of its usual absolute places (under the root)."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    for path in defaults:
        candidate = root + path
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def command_output(argv, timeout_s=5.0):
    try:
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    except OSError:
        return None
    try:
        out, _ = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return None
    return out.decode("utf-8", "replace")


# ---- what there is to read -------------------------------------------------------------------


def find_rails(root):
    """INA3221 rails: (name, reader) pairs; the reader returns mW or None."""
    rails = []
    old = root + "/sys/bus/i2c/drivers/ina3221x"
    for device in list_dir(old):
        for iio in [name for name in list_dir(old + "/" + device) if name.startswith("iio:device")]:
            folder = "%s/%s/%s" % (old, device, iio)
            for name in list_dir(folder):
                match = re.match(r"^rail_name_(\d+)$", name)
                if not match:
                    continue
                rail = read_line(folder + "/" + name)
                power = "%s/in_power%s_input" % (folder, match.group(1))
                if not rail or rail == "NC" or read_number(power) is None:
                    continue
                rails.append((rail, (lambda path: lambda: read_number(path))(power)))
    new = root + "/sys/bus/i2c/drivers/ina3221"
    for device in list_dir(new):
        hwmon_root = "%s/%s/hwmon" % (new, device)
        for hwmon in [name for name in list_dir(hwmon_root) if name.startswith("hwmon")]:
            folder = hwmon_root + "/" + hwmon
            for name in list_dir(folder):
                match = re.match(r"^in(\d+)_label$", name)
                if not match or match.group(1) == "7":  # in7 is the sum of shunt voltages, not a rail
                    continue
                rail = read_line(folder + "/" + name)
                volts = "%s/in%s_input" % (folder, match.group(1))
                amps = "%s/curr%s_input" % (folder, match.group(1))
                if not rail or rail == "NC" or read_number(volts) is None or read_number(amps) is None:
                    continue

                def reader(mv_path=volts, ma_path=amps):
                    mv = read_number(mv_path)
                    ma = read_number(ma_path)
                    return None if mv is None or ma is None else mv * ma / 1000.0

                rails.append((rail, reader))
    return rails


def zone_limit(folder):
    trips = {"passive": [], "hot": [], "critical": []}
    for name in list_dir(folder):
        match = re.match(r"^trip_point_(\d+)_type$", name)
        if not match:
            continue
        kind = read_line(folder + "/" + name)
        temp = read_number("%s/trip_point_%s_temp" % (folder, match.group(1)))
        if temp is None or temp <= 0 or kind not in trips:
            continue
        trips[kind].append(temp / 1000.0)
    for kind in ("passive", "hot", "critical"):
        if trips[kind]:
            return min(trips[kind]), kind
    return None, None


def find_temperatures(root):
    """Sensors as (info, path): thermal zones keyed `zoneN:type`, hwmon temps `hwmonN:name:label`."""
    sensors = []
    zones = root + "/sys/class/thermal"
    for zone in list_dir(zones):
        match = re.match(r"^thermal_zone(\d+)$", zone)
        if not match:
            continue
        folder = zones + "/" + zone
        kind = read_line(folder + "/type") or zone
        value = read_number(folder + "/temp")
        if value is None or value / 1000.0 <= DISABLED_SENSOR_C:
            continue
        limit, limit_kind = zone_limit(folder)
        key = "zone%s:%s" % (match.group(1), kind)
        info = {"key": key, "kind": "thermal_zone", "name": kind, "limitC": limit, "limitKind": limit_kind}
        sensors.append((info, folder + "/temp"))
    chips = root + "/sys/class/hwmon"
    for chip in list_dir(chips):
        folder = chips + "/" + chip
        name = read_line(folder + "/name") or chip
        for entry in list_dir(folder):
            match = re.match(r"^temp(\d+)_input$", entry)
            if not match:
                continue
            n = match.group(1)
            value = read_number(folder + "/" + entry)
            if value is None or value / 1000.0 <= DISABLED_SENSOR_C:
                continue
            label = read_line("%s/temp%s_label" % (folder, n)) or "temp" + n
            top = read_number("%s/temp%s_max" % (folder, n))
            crit = read_number("%s/temp%s_crit" % (folder, n))
            limit, limit_kind = (None, None)
            if top is not None and top > 0:
                limit, limit_kind = top / 1000.0, "max"
            elif crit is not None and crit > 0:
                limit, limit_kind = crit / 1000.0, "crit"
            info = {
                "key": "%s:%s:%s" % (chip, name, label),
                "kind": "hwmon",
                "name": "%s %s" % (name, label),
                "limitC": limit,
                "limitKind": limit_kind,
            }
            sensors.append((info, folder + "/" + entry))
    return sensors


def find_cpus(root):
    base = root + "/sys/devices/system/cpu"
    cpus = []
    for name in list_dir(base):
        match = re.match(r"^cpu(\d+)$", name)
        if not match:
            continue
        folder = "%s/%s/cpufreq" % (base, name)
        if read_number(folder + "/scaling_cur_freq") is None:
            continue
        cpus.append(
            {
                "cpu": int(match.group(1)),
                "minKHz": read_number(folder + "/cpuinfo_min_freq"),
                "maxKHz": read_number(folder + "/cpuinfo_max_freq"),
                "scalingMinKHz": read_number(folder + "/scaling_min_freq"),
                "scalingMaxKHz": read_number(folder + "/scaling_max_freq"),
                "governor": read_line(folder + "/scaling_governor"),
                "driver": read_line(folder + "/scaling_driver"),
                "path": folder + "/scaling_cur_freq",
            }
        )
    cpus.sort(key=lambda entry: entry["cpu"])
    return cpus


def gpu_devfreq(root):
    base = root + "/sys/class/devfreq"
    for name in list_dir(base):
        if re.search(r"gpu|ga10b|gv11b|gp10b|gm20b", name):
            return {
                "name": name,
                "minHz": read_number("%s/%s/min_freq" % (base, name)),
                "maxHz": read_number("%s/%s/max_freq" % (base, name)),
            }
    return None


# ---- the collector ---------------------------------------------------------------------------


class Tegrastats(object):
    """A long-lived `tegrastats --interval N` whose lines are forwarded with the device's monotonic time."""

    def __init__(self, path, interval_ms):
        self.child = subprocess.Popen(
            [path, "--interval", str(max(10, int(interval_ms)))],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        self.thread = threading.Thread(target=self._forward)
        self.thread.daemon = True
        self.thread.start()

    def _forward(self):
        for raw in iter(self.child.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if line:
                emit("tegrastats", t=now_ms(), line=line)

    def stop(self):
        if self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()


def parse_args(argv):
    options = {"interval": 100.0, "root": "", "tegrastats": "auto"}
    i = 1
    while i < len(argv):
        flag = argv[i]
        value = argv[i + 1] if i + 1 < len(argv) else None
        if flag == "--interval-ms" and value is not None:
            options["interval"] = max(10.0, float(value))
        elif flag == "--root" and value is not None:
            options["root"] = "" if value == "/" else value.rstrip("/")
        elif flag == "--tegrastats" and value in ("auto", "never"):
            options["tegrastats"] = value
        else:
            sys.stderr.write("edgebench_telemetry: unknown or incomplete argument %r\n" % flag)
            return None
        i += 2
    return options


def wait_or_stop(due_ms):
    """Sleeps until due_ms (monotonic); True as soon as stdin reaches end of file (the host asked us to stop)."""
    while True:
        left = (due_ms - now_ms()) / 1000.0
        readable, _, _ = select.select([sys.stdin], [], [], max(0.0, left))
        if readable:
            if os.read(sys.stdin.fileno(), 4096) == b"":
                return True
            continue  # anything written to stdin is ignored; only its end matters
        if left <= 0 or now_ms() >= due_ms:
            return False


def main(argv):
    options = parse_args(argv)
    if options is None:
        return 2
    root = options["root"]
    interval = options["interval"]
    rails = find_rails(root)
    sensors = find_temperatures(root)
    cpus = find_cpus(root)
    gpu_load = None
    for path in GPU_LOAD_PATHS:
        if read_number(root + path) is not None:
            gpu_load = root + path
            break
    tegrastats_path = None
    if not rails and options["tegrastats"] == "auto":
        tegrastats_path = find_program(root, "tegrastats", TEGRASTATS_PATHS)
    nvpmodel = find_program(root, "nvpmodel", NVPMODEL_PATHS)
    nvpmodel_start = command_output([nvpmodel, "-q"]) if nvpmodel else None

    emit(
        "info",
        protocol=PROTOCOL_VERSION,
        python=platform.python_version(),
        pid=os.getpid(),
        intervalMs=interval,
        monotonicMs=now_ms(),
        epochMs=time.time() * 1000.0,
        rails=[name for name, _ in rails],
        railMode="sysfs" if rails else ("tegrastats" if tegrastats_path else None),
        tegrastats=tegrastats_path,
        thermal=[info for info, _ in sensors],
        cpufreq=[dict((k, v) for k, v in cpu.items() if k != "path") for cpu in cpus],
        gpuDevfreq=gpu_devfreq(root),
        gpuLoad=gpu_load is not None,
        model=read_line(root + "/proc/device-tree/model"),
        l4t=read_line(root + "/etc/nv_tegra_release"),
        nvpmodel=nvpmodel_start,
        nvpmodelConf=read_text(root + "/etc/nvpmodel.conf"),
        nvpmodelStatus=read_line(root + "/var/lib/nvpmodel/status"),
    )

    helper = Tegrastats(tegrastats_path, interval) if tegrastats_path else None
    started = now_ms()
    slot = 0
    ticks = 0
    late = 0
    try:
        while True:
            due = started + slot * interval
            if wait_or_stop(due):
                break
            tick_start = now_ms()
            if tick_start - due > interval:
                late += 1
            sample = {"t": tick_start}
            if rails:
                values = {}
                for name, read in rails:
                    value = read()
                    if value is not None:
                        values[name] = value
                sample["railsMw"] = values
            if sensors:
                celsius = {}
                for info, path in sensors:
                    value = read_number(path)
                    if value is not None and value / 1000.0 > DISABLED_SENSOR_C:
                        celsius[info["key"]] = value / 1000.0
                sample["celsius"] = celsius
            if cpus:
                khz = {}
                for cpu in cpus:
                    value = read_number(cpu["path"])
                    if value is not None:
                        khz[str(cpu["cpu"])] = value
                sample["khz"] = khz
            if gpu_load is not None:
                value = read_number(gpu_load)
                sample["gpuLoadPct"] = None if value is None else value / 10.0
            emit("sample", **sample)
            ticks += 1
            # The next slot in the future: a tick that overran skips the slots it covered instead of
            # bursting to catch up.
            slot = max(slot + 1, int((now_ms() - started) / interval) + 1)
    finally:
        if helper:
            helper.stop()
    usage = os.times()
    emit(
        "end",
        monotonicMs=now_ms(),
        epochMs=time.time() * 1000.0,
        ticks=ticks,
        lateTicks=late,
        cpuMs=(usage[0] + usage[1]) * 1000.0,
        childCpuMs=(usage[2] + usage[3]) * 1000.0,
        nvpmodel=command_output([nvpmodel, "-q"]) if nvpmodel else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
