#!/usr/bin/env bash
# ctest GpuCheckScript: the parts of tools/gpu_check.sh that run without a GPU. In a CPU-only build:
# --pack refuses, and a run stops at once with a summary that says why. In a CUDA build: --pack
# makes a bundle holding the script, revive, both benchmarks and every CUDA test executable, and
# oneDNN but none of CUDA's or the system's base libraries; the bundle's binaries find every
# library; and the bundled script, run here without a GPU, finds the libraries, reports that there
# is no device and stops (with a GPU present, its run is a GPU check like any other).
# Usage: gpu_check_test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
src=$1
build=$2
work=$3
script=$src/tools/gpu_check.sh
rm -rf "$work"
mkdir -p "$work"
fail() {
  echo "FAIL: $*"
  for log in "$work"/*.log; do [[ -f $log ]] && { echo "--- $log"; tail -n 20 "$log"; }; done
  exit 1
}

if ! ldd "$build/bin/revive" | grep libcudart >/dev/null; then
  if "$script" --pack "$work/bundle.tgz" --build-dir "$build" >"$work/pack.log" 2>&1; then
    fail "--pack accepted a build without the CUDA backend"
  fi
  grep -q "has no CUDA backend" "$work/pack.log" || fail "--pack did not say why it refused"
  rc=0
  "$script" --build-dir "$build" --out "$work/run" >"$work/run.log" 2>&1 || rc=$?
  [[ $rc == 1 ]] || fail "a run on a CPU-only build exited with $rc, not 1"
  grep -q '^| libraries | FAIL | .*built without the CUDA backend' "$work/run/summary.md" || fail "summary: $(cat "$work/run/summary.md")"
  grep -q '^Stopped' "$work/run/summary.md" || fail "the summary does not say the run stopped"
  echo "PASS: CPU-only build"
  exit 0
fi

for b in revive_bench_we revive_bench_train; do
  [[ -x $build/bin/$b ]] || { echo "SKIP: $b not built (REVIVE_BUILD_BENCHMARKS=OFF?)"; exit 77; }
done
"$script" --pack "$work/bundle.tgz" --build-dir "$build" >"$work/pack.log" 2>&1 || fail "--pack failed"
tar -C "$work" -xzf "$work/bundle.tgz"
bundle=$work/revive-gpu-check
for f in gpu_check.sh MANIFEST tests.txt bin/revive bin/revive_bench_we bin/revive_bench_train; do
  [[ -e $bundle/$f ]] || fail "the bundle lacks $f"
done
for t in cuda_add_test cuda_we_cuda_test cuda_graph_step_test cuda_training_test optim_step_metrics_test; do
  grep -qx "$t" "$bundle/tests.txt" || fail "tests.txt lacks $t"
done
while read -r t; do [[ -x $bundle/bin/$t ]] || fail "the bundle lacks the test $t"; done <"$bundle/tests.txt"
compgen -G "$bundle/lib/libdnnl.so*" >/dev/null || fail "oneDNN is not in the bundle"
for lib in "$bundle"/lib/*; do
  case $(basename "$lib") in
    libcuda.so*|libcudart*|libcublas*|libcudnn*|libc.so*|libm.so*|libstdc++*|libgcc_s*) fail "the bundle holds $lib" ;;
  esac
done
grep -q 'libcudart.so' "$bundle/MANIFEST" || fail "the MANIFEST does not name the CUDA libraries"
if LD_LIBRARY_PATH=$bundle/lib ldd "$bundle"/bin/* | grep 'not found'; then fail "a library is not found"; fi

rc=0
(cd "$work" && "$bundle/gpu_check.sh" --out "$work/run" >"$work/run.log" 2>&1) || rc=$?
grep -q '^| libraries | pass |' "$work/run/summary.md" || fail "libraries: $(cat "$work/run/summary.md")"
if nvidia-smi -L >/dev/null 2>&1; then
  echo "PASS: CUDA build packed; a GPU is present, and the bundle's run exited with $rc ($work/run/summary.md)"
  exit 0
fi
[[ $rc == 1 ]] || fail "the bundle's run without a GPU exited with $rc, not 1"
grep -q '^| device | FAIL | no CUDA device' "$work/run/summary.md" || fail "device: $(cat "$work/run/summary.md")"
echo "PASS: CUDA build packed ($(du -h "$work/bundle.tgz" | cut -f1)); the bundle's run stops without a GPU"
