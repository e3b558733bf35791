#!/usr/bin/env bash
# The GPU run (issue 18 item 5): on a machine with an NVIDIA GPU and no network, in under 10 minutes:
#   1. unpacks Deno from an xz-compressed binary carried along (DENO_XZ, default .device/deno.xz)
#      unless deno 2.9.6 is on PATH, and uses the npm cache carried in .device/deno_dir;
#   2. points Vulkan at the NVIDIA driver only (VK_ICD_FILENAMES) and checks the adapter:
#      bench/device_check.ts refuses a software adapter (lavapipe) or a non-NVIDIA one (exit 3);
#   3. runs the kernel parity tests (GPU kernels against their CPU twins);
#   4. runs the bench on the hardware layout with P up to 65,536 and prints each GPU row's FLOP/s
#      as a fraction of the GPU's FP32 peak.
# Prepare the carry on a machine with network access: bench/device.sh --prepare
# Usage: bench/device.sh [--prepare] [OUT_DIR]     (OUT_DIR default: $OUT, else /tmp/device-run)
set -euo pipefail
cd "$(dirname "$0")/.."
CARRY=.device
export DENO_DIR="$PWD/$CARRY/deno_dir"
ENTRIES=(bench/bench.ts bench/device_check.ts tests/learners/mlp/train_step_test.ts)

if [ "${1:-}" = "--prepare" ]; then
  mkdir -p "$CARRY"
  deno cache "${ENTRIES[@]}" tests/learners/mlp/*_test.ts tests/learners/evolution/*_test.ts
  xz -T2 -6 -c "$(command -v deno)" >"$CARRY/deno.xz"
  du -sh "$CARRY"/*
  exit 0
fi
out="${1:-${OUT:-/tmp/device-run}}"
mkdir -p "$out"
start=$(date +%s)
step() { echo "== [$(($(date +%s) - start)) s] $*"; }

step "deno"
if ! command -v deno >/dev/null || [ "$(deno --version | head -1 | cut -d' ' -f2)" != "2.9.6" ]; then
  xz -dc "${DENO_XZ:-$CARRY/deno.xz}" >/tmp/deno-device && chmod +x /tmp/deno-device
  deno() { /tmp/deno-device "$@"; }
fi
deno --version | head -1

step "adapter (NVIDIA through Vulkan, never a software adapter)"
for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_ICD_FILENAMES="$icd"; break; fi
done
[ -n "${VK_ICD_FILENAMES:-}" ] || echo "warning: no nvidia_icd.json found; Vulkan picks the adapter"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
deno run -A bench/device_check.ts adapter

step "kernel parity tests (GPU kernels vs CPU twins)"
CI=1 timeout 240 deno test -A tests/learners/mlp/ tests/learners/evolution/evolution_kernels_test.ts \
  tests/learners/gpu/ 2>&1 | tail -5

step "bench, hardware layout, P up to 65,536"
timeout 240 deno run -A bench/bench.ts --sizes 1024,4096,16384,65536 --seconds 2 --no-cpu \
  --out "$out" | tee "$out/bench.txt"

step "FLOP/s as a fraction of FP32 peak"
deno run -A bench/device_check.ts flops "$out/bench.csv" | tee "$out/flops.txt"
step "done"
