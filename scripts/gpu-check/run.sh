#!/usr/bin/env bash
# bash .gpu-check/run.sh, on an offline Linux x64 machine with an NVIDIA GPU (made by `npm run
# gpu-check`; docs/engines-and-gpu.md, "Backends"). Unpacks bundle.tar.xz beside this script into a temporary
# folder, points Debian's Vulkan loader at the machine's NVIDIA ICD (or at VK_ICD_FILENAMES when
# that is set already, e.g. lavapipe's, to try this script without a GPU), then:
#   1. the card (nvidia-smi), the ICD, and Dawn's adapter with a short webgpu-against-cpu check;
#   2. bimt train's backend line for the tfjs engine (auto must pick webgpu on a hardware adapter);
#   3. the tests that touch webgpu (test/webgpu.test.ts, the population tests), under vitest;
#   4. the benchmark: steps/s per backend, and a population against separate runs.
# Everything printed also goes to gpu-check.txt in $OUT, if set, else beside this script.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
report=${OUT:-$here}/gpu-check.txt
exec > >(tee "$report") 2>&1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== gpu-check $(date -u +%FT%TZ) on $(hostname)"
tar -C "$work" -xf "$here/bundle.tar.xz" || { echo "cannot unpack $here/bundle.tar.xz"; exit 1; }
export PATH=$work/node/bin:$PATH
if ! node --version > /dev/null 2>&1; then export LD_LIBRARY_PATH=$work/node/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; fi
echo "node $(node --version)"
export LD_LIBRARY_PATH=$work/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

echo "== 1. card, Vulkan driver, adapter"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  icd=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/share/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
  if [ -z "$icd" ]; then
    # Containers often get NVIDIA's Vulkan library without its ICD file: write one.
    lib=$( (ldconfig -p 2>/dev/null | sed -n 's/.*libGLX_nvidia\.so\.0.*=> //p'; ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 /usr/local/nvidia/lib64/libGLX_nvidia.so.0 /usr/lib/libGLX_nvidia.so.0 2>/dev/null) | head -1)
    if [ -z "$lib" ]; then
      echo "no NVIDIA Vulkan ICD file and no libGLX_nvidia.so.0 here: the driver's graphics/Vulkan part is not installed (in a container: NVIDIA_DRIVER_CAPABILITIES needs graphics)"
    else
      icd=$work/nvidia_icd.json
      printf '{"file_format_version": "1.0.1", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$lib" > "$icd"
      echo "wrote $icd for $lib"
    fi
  fi
  [ -n "$icd" ] && export VK_ICD_FILENAMES=$icd
fi
echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
[ -n "${VK_ICD_FILENAMES:-}" ] && cat "$VK_ICD_FILENAMES"
cd "$work/bimt"
node scripts/vulkan/webgpu-smoke.mjs 300

echo "== 2. bimt's choice of backend for the tfjs engine (two moons alone goes to the host engine)"
node bin/bimt.js train configs/two-moons.yaml --set train.engine=tfjs --set train.steps=300 --name gpu-check 2>&1 | grep -i 'backend\|engine\|adapter\|error' | head -5
grep -h '"adapter"' -A8 runs/gpu-check*/meta.json 2>/dev/null | head -10

echo "== 3. tests that touch webgpu"
tests=$(ls test/webgpu.test.ts test/*population*.test.ts 2>/dev/null)
node node_modules/vitest/vitest.mjs run --config scripts/gpu-check/vitest.config.mjs $tests
echo "tests exit $?"

echo "== 4. benchmark"
node dist/bench/main.js --only backends
node dist/bench/main.js --only population --backend webgpu
echo "== done"
