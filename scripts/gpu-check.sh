#!/usr/bin/env bash
# What a GPU host gives edgebench, in one pass (a few minutes on a 16-core host with one GPU):
#   1. `env`: the providers and engines that work here, and why the others do not;
#   2. the `gpu` preset with PyTorch on CUDA beside it: resnet18, mobilenet_v2 and r3d_18 on the CPU
#      and on WebGPU at fp32 and fp16, each compared with PyTorch eager (CUDA) on the same model;
#   3. WebGPU with the outputs kept on the GPU and with graph capture (resnet18, mobilenet_v2).
# Whatever cannot run here is skipped with its reason; the script goes on and exits 0.
#
#   scripts/gpu-check.sh [OUTDIR]     (default ./gpu-check; build first: npm run build)
#
# On Linux, WebGPU needs the Vulkan loader (libvulkan1) and the GPU vendor's ICD; where the ICD file
# is not found by default, export VK_DRIVER_FILES=/path/to/nvidia_icd.json first.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-gpu-check}" && cd "${1:-gpu-check}" && pwd)
eb() { node "$root/dist/cli/main.js" "$@"; }
[ -f "$root/dist/cli/main.js" ] || { echo "build first: npm run build" >&2; exit 2; }
export EDGEBENCH_STORE="$out/store.db"

echo "== env" >&2
eb env | tee "$out/env.txt"

echo "== study: CPU vs WebGPU, fp32 vs fp16, against PyTorch eager on CUDA" >&2
eb study --preset gpu --engines torch/cuda,ort --out "$out/study-gpu" | tee "$out/study-gpu.txt"

for model in resnet18 mobilenet_v2; do
  for mode in outputs-on-device graph-capture; do
    echo "== run zoo:$model on WebGPU, --$mode" >&2
    eb run "zoo:$model" --ep webgpu "--$mode" --min-time 2000 --json "$out/run-$model-webgpu-$mode.json" \
      | tee "$out/run-$model-webgpu-$mode.txt"
  done
done
echo "reports and results under $out" >&2
exit 0
