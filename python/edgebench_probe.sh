#!/bin/sh
# edgebench's device probe, device side: raw facts in sections, "MARKER name" before each, for the
# host to parse with the same parsers `edgebench env` uses. POSIX sh (dash, bash, BusyBox ash); needs
# no Python and no root, and changes nothing on the device. edgebench sends it over the connection
# (sh -s -- MARKER ROOT); see src/targets/probe.ts.
#
# $1: the section marker. $2: a root prefix for files (tests lay a fake Jetson out under a folder;
# empty on a real device). Programs are looked up on PATH, then at JetPack's usual places.
M=$1
R=${2:-}
sec() { printf '%s %s\n' "$M" "$1"; }
show() { if [ -r "$R$1" ]; then cat "$R$1" 2>/dev/null; echo; fi; }
val() { if [ -r "$1" ]; then v=$(head -n 1 "$1" 2>/dev/null); printf '%s' "${v:--}"; else printf '-'; fi; }
findprog() {
  n=$1; shift
  p=$(command -v "$n" 2>/dev/null)
  case "$p" in /*) printf '%s\n' "$p"; return 0;; esac
  for c in "$@"; do if [ -f "$R$c" ] && [ -x "$R$c" ]; then printf '%s\n' "$R$c"; return 0; fi; done
  return 1
}
sec uname
uname -s; uname -r; uname -m; uname -n
sec user
id -un 2>/dev/null || echo -
printf '%s\n' "${HOME:--}" "${SHELL:--}" "${PATH:--}"
sec glibc
getconf GNU_LIBC_VERSION 2>/dev/null || true
sec os-release
show /etc/os-release
sec nv-tegra-release
show /etc/nv_tegra_release
sec device-model
if [ -r "$R/proc/device-tree/model" ]; then tr -d '\000' < "$R/proc/device-tree/model"; echo; fi
sec cpuinfo
show /proc/cpuinfo
sec meminfo
if [ -r "$R/proc/meminfo" ]; then grep -E '^(MemTotal|MemAvailable|SwapTotal):' "$R/proc/meminfo"; fi
sec nproc
getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || true
sec cpufreq
for d in "$R"/sys/devices/system/cpu/cpu[0-9]*; do
  f=$d/cpufreq
  [ -d "$f" ] || continue
  printf '%s %s %s %s %s %s %s\n' "${d##*/}" "$(val "$f/cpuinfo_min_freq")" "$(val "$f/cpuinfo_max_freq")" \
    "$(val "$f/scaling_min_freq")" "$(val "$f/scaling_max_freq")" "$(val "$f/scaling_cur_freq")" "$(val "$f/scaling_governor")"
done
sec devfreq
for d in "$R"/sys/class/devfreq/*; do
  [ -d "$d" ] || continue
  printf '%s %s %s %s\n' "${d##*/}" "$(val "$d/min_freq")" "$(val "$d/max_freq")" "$(val "$d/cur_freq")"
done
sec rails
for f in "$R"/sys/bus/i2c/drivers/ina3221x/*/iio:device*/rail_name_*; do
  [ -r "$f" ] || continue
  n=${f##*_}
  printf 'iio %s %s\n' "$(val "$f")" "$(val "${f%/*}/in_power${n}_input")"
done
for f in "$R"/sys/bus/i2c/drivers/ina3221/*/hwmon/hwmon*/in*_label; do
  [ -r "$f" ] || continue
  b=${f%_label}; n=${b##*/in}
  [ "$n" = 7 ] && continue
  printf 'hwmon %s %s %s\n' "$(val "$f")" "$(val "${b}_input")" "$(val "${f%/*}/curr${n}_input")"
done
sec thermal
for z in "$R"/sys/class/thermal/thermal_zone*; do
  [ -d "$z" ] || continue
  printf '%s %s %s\n' "${z##*/}" "$(val "$z/temp")" "$(val "$z/type")"
done
sec gpu-load
for p in /sys/devices/gpu.0/load /sys/devices/platform/gpu.0/load /sys/devices/17000000.ga10b/load \
  /sys/devices/17000000.gv11b/load /sys/devices/platform/17000000.ga10b/load /sys/devices/platform/17000000.gpu/load \
  /sys/devices/platform/bus@0/17000000.gpu/load; do
  if [ -r "$R$p" ]; then printf '%s %s\n' "$p" "$(val "$R$p")"; break; fi
done
sec gpu-nodes
for n in /dev/nvidia0 /dev/nvhost-ctrl-gpu /dev/nvgpu/igpu0/ctrl /dev/dxg; do [ -e "$R$n" ] && echo "$n"; done
sec nvidia-smi
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits 2>/dev/null | head -n 16
fi
sec nvpmodel
if p=$(findprog nvpmodel /usr/sbin/nvpmodel /usr/bin/nvpmodel); then echo "path $p"; "$p" -q 2>&1 | head -n 20; fi
sec nvpmodel-conf
if [ -r "$R/etc/nvpmodel.conf" ]; then grep -E '^[[:space:]]*<[[:space:]]*(POWER_MODEL|PM_CONFIG)' "$R/etc/nvpmodel.conf"; fi
sec nvpmodel-status
show /var/lib/nvpmodel/status
sec tegrastats
findprog tegrastats /usr/bin/tegrastats || true
sec jetson-clocks
findprog jetson_clocks /usr/bin/jetson_clocks || true
sec node
if p=$(command -v node 2>/dev/null); then echo "$p"; node --version 2>&1 | head -n 2; fi
sec edgebench
if p=$(command -v edgebench 2>/dev/null); then
  echo "$p"; v=$(edgebench --version 2>&1); s=$?
  printf '%s\n' "$v" | head -n 3; echo "status $s"
fi
sec trtexec
for p in "$(command -v trtexec 2>/dev/null)" "$R/usr/src/tensorrt/bin/trtexec"; do
  [ -n "$p" ] && [ -f "$p" ] && [ -x "$p" ] || continue
  echo "path $p"
  "$p" --help 2>&1 | head -n 200 | grep -E 'TensorRT|memPoolSize|skipInference|buildOnly|--workspace=|error while loading' | head -n 12
  if command -v ldd >/dev/null 2>&1; then ldd "$p" 2>/dev/null | grep -E 'libnvinfer|not found' | head -n 6; fi
  break
done
sec packages
if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -W -f='${Package} ${Version}\n' nvidia-jetpack nvidia-l4t-core tensorrt 'libnvinfer[0-9]*' 'cuda-cudart-[0-9]*' 'libcudnn[0-9]*' 2>/dev/null | grep -v ' $' | head -n 40
fi
sec cuda
show /usr/local/cuda/version.txt
if [ -r "$R/usr/local/cuda/version.json" ]; then grep -A 3 '"cuda"' "$R/usr/local/cuda/version.json" | grep '"version"' | head -n 1; fi
sec pythons
for p in python3 "$R/usr/bin/python3" python3.6 python3.8; do
  q=$(command -v "$p" 2>/dev/null) || continue
  case "$q" in /*) ;; *) continue;; esac
  r=$(readlink -f "$q" 2>/dev/null || printf '%s' "$q")
  v=$("$q" -c 'import sys; print("%d.%d.%d" % tuple(sys.version_info[:3]))' 2>/dev/null) || v=-
  printf '%s\t%s\t%s\t%s\n' "$p" "$q" "$r" "$v"
done
sec disk
c=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/edgebench
echo "$c"
d=$c; while [ ! -d "$d" ] && [ "$d" != / ] && [ -n "$d" ]; do d=${d%/*}; [ -n "$d" ] || d=/; done
df -Pk "$d" 2>/dev/null | tail -n 1
sec end
