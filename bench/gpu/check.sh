#!/usr/bin/env bash
# bench/gpu/check.sh: the CUDA backend's device check (issue 9). In one run on a GPU machine it compares every
# kernel of kernels/cuda/ with the CPU reference on random inputs, then times batch-1 decoding GEMV per format
# against the HBM read bandwidth measured in the same run and against cuBLAS fp16, and prefill GEMM against cuBLAS.
#
# The GPU machine has no .NET SDK, so there are two phases:
#   bench/gpu/check.sh prepare   HERE (dotnet present): runs the NVRTC/PTX tests, then publishes the check app
#                                self-contained and trimmed to bench/gpu/out/app (~24 MB, git-ignored).
#   bench/gpu/check.sh run       ON THE GPU MACHINE: finds libcuda, NVRTC (CUDA 13's, from the toolkit or PyTorch's
#                                nvidia-* wheels) and cuBLAS, runs the app (kernels compiled by NVRTC for the device)
#                                and ptxas -v on the PTX it compiled; the report goes to ${OUT:-bench/gpu/out}/gpu-check.md.
#   bench/gpu/check.sh           both, where each is possible.
# Device call: prepare here first, then run with command "bash bench/gpu/check.sh run", carry ["bench/gpu/out"],
# timeout_s 420 (it takes about 2-4 minutes: ~30 s NVRTC, ~60 s CPU references, the rest uploads and timings).
# Exit status: non-zero when a kernel disagrees with its reference or no device opens.
set -euo pipefail
cd "$(dirname "$0")/../.."
phase="${1:-all}"
app=bench/gpu/out/app/QuantServe.Bench.Gpu

prepare() {
  bash tools/setup-test-deps.sh
  dotnet test tests/QuantServe.Kernels.Cuda.Tests/QuantServe.Kernels.Cuda.Tests.csproj -c Release \
    --filter "FullyQualifiedName~KernelCompilationTests|FullyQualifiedName~NvrtcCompilerTests"
  dotnet publish bench/gpu/QuantServe.Bench.Gpu/QuantServe.Bench.Gpu.csproj -c Release -r linux-x64 \
    --self-contained true -p:PublishTrimmed=true -o bench/gpu/out/app
  echo "prepared $app ($(du -sh bench/gpu/out/app | cut -f1)); carry bench/gpu/out to the GPU machine"
}

library_dirs() {
  local d
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -d "$d" ] && echo "$d"
  done
  # PyTorch's CUDA wheels (nvidia-cuda-nvrtc, nvidia-cublas) keep their libraries in site-packages/nvidia/**/lib.
  if command -v python3 >/dev/null; then
    python3 - <<'PY' 2>/dev/null || true
import site, glob, os
roots = site.getsitepackages() + [site.getusersitepackages()]
seen = set()
for root in roots:
    for lib in glob.glob(os.path.join(root, "nvidia", "**", "lib*.so*"), recursive=True):
        name = os.path.basename(lib)
        if name.startswith(("libnvrtc", "libcublas")) and os.path.dirname(lib) not in seen:
            seen.add(os.path.dirname(lib)); print(os.path.dirname(lib))
PY
  fi
}

run() {
  [ -x "$app" ] || { echo "check.sh: $app is missing: run 'bench/gpu/check.sh prepare' where dotnet is, and carry bench/gpu/out" >&2; exit 2; }
  local out="${OUT:-bench/gpu/out}" dirs
  mkdir -p "$out"
  dirs="$(library_dirs | paste -sd: -)"
  export LD_LIBRARY_PATH="${dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export QUANTSERVE_PTX_CACHE=/tmp/quantserve-ptx
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv || true
  "$app" --compile-only sm_90 || { echo "check.sh: NVRTC could not compile the kernels (see above)" >&2; exit 3; }
  local status=0
  timeout 380 "$app" --report "$out/gpu-check.md" 2>&1 | tee "$out/gpu-check.log" || status=$?
  if command -v ptxas >/dev/null || [ -x /usr/local/cuda/bin/ptxas ]; then
    local ptxas; ptxas="$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)"
    { echo; echo "## ptxas -v (sm_90): registers, spills, shared memory per kernel"; echo '```'
      for ptx in /tmp/quantserve-ptx/*.ptx; do
        echo "== $(basename "$ptx")"
        "$ptxas" -arch=sm_90 -v "$ptx" -o /dev/null 2>&1 | grep -E "Compiling entry|registers|spill" || true
      done; echo '```'; } | tee -a "$out/gpu-check.md"
  fi
  echo "report: $out/gpu-check.md"
  return "$status"
}

case "$phase" in
  prepare) prepare ;;
  run) run ;;
  all)
    if command -v dotnet >/dev/null; then prepare; fi
    run ;;
  *) echo "usage: bench/gpu/check.sh [prepare|run]" >&2; exit 2 ;;
esac
