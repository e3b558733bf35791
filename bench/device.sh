#!/usr/bin/env bash
# The GPU run (issue 18 item 5): on a machine with an NVIDIA GPU and no network, in under 10 minutes:
#   1. unpacks Deno from an xz-compressed binary carried along (DENO_XZ, default .device/deno.xz)
#      unless deno 2.9.6 is on PATH, and runs it offline (--cached-only) on the npm cache carried
#      xz-compressed in .device/deno_dir.tar.xz (unpacked to /tmp/deno-device/deno_dir), with
#      .device/deno.json: deno.json without TensorFlow.js, which the GPU run never loads (its
#      packages would not fit the carry);
#   2. unpacks the Vulkan loader carried in .device/gl/*.deb when the machine has none, points
#      Vulkan at the NVIDIA driver only (VK_ICD_FILENAMES, VK_DRIVER_FILES) and checks the adapter:
#      bench/device_check.ts refuses a software adapter (lavapipe) or a non-NVIDIA one (exit 3);
#   3. runs the kernel parity tests (GPU kernels against their CPU twins);
#   4. runs the bench on the hardware layout with P up to 65,536 (W and W2) and prints each GPU
#      row's FLOP/s as a fraction of the GPU's FP32 peak, then the workgroup groupings side by side
#      (bench/groupings.ts);
#   5. runs the meta-training bench (FOMAML and Reptile, meta-batch 32 and 256) against the
#      batched PyTorch peers (the machine's python3, METAFORGE_PYTHON), on the Fashion-MNIST test
#      set carried in .device/fashion-mnist (the glyph set is too large to carry), with the
#      per-model meta loop also in the groupings of DEVICE_META_GROUPINGS (default 1x128: a
#      meta-batch of 32 or 256 models in 32 invocations each fills a small part of the GPU, which
#      the W sweep found full at about 1,024 such models);
#   6. times W at small populations (P = 128 to 4,096) in the default grouping and with 128
#      invocations per model: where the rate stops growing, the GPU is full, and P / rate is the
#      time of one step (4 x 4 tiles, 1x32t4, were no faster there on 2026-12-04);
#   7. runs `train lr-sweep l2o evolve` (TRAIN_EXPERIMENTS) at the default scale on the GPU, the
#      quick ones first so a cut at the timeout loses the longest, and packs OUT_DIR/train.tgz (each
#      run's report, summary and plots, one file: the device tool brings back a few files only;
#      `meta` needs the glyph set, which does not fit the carry).
# Everything printed also goes to OUT_DIR/log. A failing step is reported and the next one runs.
# DEVICE_STEPS (comma-separated, default all): which of tests, bench, groupings, metatrain, sweep,
# train run, for a second run of a few steps in what is left of a session's device time.
# Prepare the carry on a machine with network access: bench/device.sh --prepare
# Usage: bench/device.sh [--prepare] [OUT_DIR]     (OUT_DIR default: $OUT, else /tmp/device-run)
set -uo pipefail
cd "$(dirname "$0")/.."
CARRY=.device
export DENO_DIR=/tmp/deno-device/deno_dir
FLAGS=(--cached-only --no-lock --config "$CARRY/deno.json")
ENTRIES=(bench/bench.ts bench/device_check.ts bench/groupings.ts cli/main.ts)
# The groupings timed on the GPU: the hardware default (1x32), its best neighbour on the H200 (2x32;
# 1x64 ran at 0.67x, 8 or more models per workgroup at 0.08-0.09x on 2026-12-04), and square tiles
# of 4 instead of the plan's (MxRtS): below 16 invocations per model the plan's tiles grow to 256
# accumulators; with 4 x 4 tiles those groupings ran at 0.24-0.30x (second H200 run).
# With "w" the train step keeps activations in workgroup memory (GpuBackendOptions.scratch; W only:
# W2's 67 KB per model is over NVIDIA's 48 KiB); on the H200 1x32w ran at 0.47x 1x32 (2026-12-04).
# DEVICE_GROUPINGS and DEVICE_GROUPING_SIZES replace the list and the sizes (16,384) for a second run.
GROUPINGS="${DEVICE_GROUPINGS:-1x32,2x32,1x32t4,1x32w,4x16t4,8x8t4}"
GROUPING_SIZES="${DEVICE_GROUPING_SIZES:-16384}"
META_GROUPINGS="${DEVICE_META_GROUPINGS-1x128}" # set and empty: the default grouping only
TESTS=(tests/core/rng_test.ts tests/learners/mlp/ tests/learners/evolution/evolution_kernels_test.ts
  tests/learners/gpu/
  tests/learners/meta_train/lowrank_kernels_test.ts tests/learners/meta_train/meta_hvp_test.ts
  tests/learners/meta_train/meta_update_kernels_test.ts)
FASHION=/usr/share/datasets/fashion-mnist
ALL_STEPS=tests,bench,groupings,metatrain,sweep,train
STEPS="${DEVICE_STEPS:-$ALL_STEPS}"
for s in ${STEPS//,/ }; do
  if [[ ",$ALL_STEPS," != *",$s,"* ]]; then
    echo "device.sh: DEVICE_STEPS has \"$s\"; allowed: a comma-separated list of $ALL_STEPS" >&2
    exit 2
  fi
done
want() { [[ ",$STEPS," == *",$1,"* ]]; }

if [ "${1:-}" = "--prepare" ]; then
  set -e
  rm -rf "$CARRY" && mkdir -p "$CARRY/gl" "$CARRY/fashion-mnist"
  python3 - "$CARRY/deno.json" <<'PY'
import json, sys
c = json.load(open("deno.json"))
c["imports"] = {k: v for k, v in c["imports"].items() if not k.startswith("@tensorflow/")}
c["nodeModulesDir"] = "none"
c.pop("lint", None)
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
  rm -rf "$DENO_DIR"
  deno cache "${FLAGS[@]:1}" "${ENTRIES[@]}" "${TESTS[@]}"
  rm -rf "$DENO_DIR"/gen "$DENO_DIR"/*cache_v2*
  tar -C "$DENO_DIR" -cf - . | xz -T2 -6 >"$CARRY/deno_dir.tar.xz"
  xz -T2 -6 -c "$(command -v deno)" >"$CARRY/deno.xz"
  (cd "$CARRY/gl" && apt-get download libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2)
  cp "$FASHION"/t10k-*.gz "$CARRY/fashion-mnist/"
  du -sh "$CARRY"/*
  exit 0
fi
out="${1:-${OUT:-/tmp/device-run}}"
mkdir -p "$out"
exec > >(tee "$out/log") 2>&1
start=$(date +%s)
step() { echo "== [$(($(date +%s) - start)) s] $*"; }

step "deno"
if ! command -v deno >/dev/null || [ "$(deno --version | head -1 | cut -d' ' -f2)" != "2.9.6" ]; then
  mkdir -p /tmp/deno-device
  xz -dc "${DENO_XZ:-$CARRY/deno.xz}" >/tmp/deno-device/deno && chmod +x /tmp/deno-device/deno
  export PATH="/tmp/deno-device:$PATH"
fi
if [ ! -d "$DENO_DIR" ]; then
  mkdir -p "$DENO_DIR" && xz -dc "$CARRY/deno_dir.tar.xz" | tar -C "$DENO_DIR" -xf -
fi
deno --version | head -1
nproc; python3 --version; export METAFORGE_PYTHON="${METAFORGE_PYTHON:-$(command -v python3)}"

step "adapter (NVIDIA through Vulkan, never a software adapter)"
if ! ldconfig -p | grep -q 'libvulkan.so.1 ' || ! ldconfig -p | grep -q 'libGLdispatch.so.0 '; then
  echo "no Vulkan loader or GL dispatch (the NVIDIA ICD's libGLX_nvidia needs it): unpacking $CARRY/gl/*.deb"
  for f in "$CARRY"/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
  /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; break; fi
done
echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-(none found; Vulkan picks the adapter)}"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
if ! deno run -A "${FLAGS[@]}" bench/device_check.ts adapter; then
  ldconfig -p | grep -i vulkan
  cat /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
  step "stopped: no NVIDIA adapter"
  exit 3
fi

if want tests; then
step "kernel parity tests (GPU kernels vs CPU twins)"
NO_COLOR=1 CI=1 DENO_JOBS=8 timeout 200 deno test -A "${FLAGS[@]}" --parallel "${TESTS[@]}" \
  >"$out/tests.txt" 2>&1
echo "exit $?; $(grep -c -E ' \.\.\. .*ok' "$out/tests.txt") tests ok (whole output: tests.txt)"
grep -E 'FAILED|[1-9][0-9]* failed|passed|rror' "$out/tests.txt" | tail -25
fi

if want bench; then
step "bench W and W2, hardware layout, P up to 65,536"
timeout 170 deno run -A "${FLAGS[@]}" bench/bench.ts --sizes 1024,4096,16384,65536 --seconds 1 \
  --no-cpu --w2 --out "$out"

step "FLOP/s as a fraction of FP32 peak"
deno run -A "${FLAGS[@]}" bench/device_check.ts flops "$out/bench.csv" | tee "$out/flops.txt"
fi

if want groupings; then
step "workgroup groupings of W and W2 at P = 16,384 (each checked against the CPU twin)"
timeout 180 deno run -A "${FLAGS[@]}" bench/groupings.ts --sizes "$GROUPING_SIZES" --seconds 0.5 --w2 \
  --groupings "$GROUPINGS" | tee "$out/groupings.txt"
fi

if want metatrain; then
step "meta-training: GPU meta loop and CPU twin against the batched PyTorch peers"
if [ ! -f "$FASHION/t10k-images-idx3-ubyte.gz" ] && [ -d "$CARRY/fashion-mnist" ]; then
  mkdir -p "$FASHION" && cp "$CARRY"/fashion-mnist/*.gz "$FASHION/"
fi
extra=()
[ -n "$META_GROUPINGS" ] && extra=(--grouping "$META_GROUPINGS")
timeout 190 deno run -A "${FLAGS[@]}" bench/bench.ts --metatrain --peers --seconds 1 \
  "${extra[@]}" --out "$out/metatrain"
fi

if want sweep; then
step "W at small populations: where the GPU fills (default grouping and 128 invocations per model)"
timeout 90 deno run -A "${FLAGS[@]}" bench/groupings.ts --sizes 128,256,512,1024,2048,4096 \
  --seconds 0.5 --groupings 1x32,1x128 | tee "$out/sweep.txt"
fi

if want train; then
experiments="${TRAIN_EXPERIMENTS:-lr-sweep l2o evolve}"
step "train $experiments at the default scale on the GPU"
# shellcheck disable=SC2086 # one word per experiment
timeout 160 deno run -A "${FLAGS[@]}" cli/main.ts train $experiments --out "$out/train"
rm -rf "$out"/train/*/checkpoint
tar -C "$out" -czf "$out/train.tgz" train && rm -rf "$out/train"
fi
step "done"
