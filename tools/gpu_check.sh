#!/usr/bin/env bash
# The CUDA backend checked on a machine with a GPU, in one command (under 8 minutes on an H100):
#
#   tools/gpu_check.sh [--build-dir build-cuda] [--out DIR]   from a checkout with a CUDA build
#   tools/gpu_check.sh --pack revive-gpu-check.tar.gz         bundle a CUDA build for another machine
#   ./gpu_check.sh [--out DIR]                                inside the unpacked bundle, there
#
# What it does, each step's outcome going to DIR/summary.md (default DIR: gpu-check-<time>):
#  1. libraries: finds the CUDA runtime, cuBLAS and cuDNN the binaries need (below) and prints
#     the device, the driver, and the CUDA, cuDNN and cuBLAS versions (nvidia-smi, `revive info`);
#  2. tests: every test that exercises CUDA, with REVIVE_SYNC_AFTER_LAUNCH=1 (each launch waits
#     for its kernel: a fault names the kernel) and REVIVE_REQUIRE_CUDA=1 (a test that would skip
#     for want of a device fails instead);
#  3. sanitizer: compute-sanitizer's memcheck, racecheck, synccheck and initcheck on the tests of
#     the hand-written kernels (not cuDNN's or cuBLAS's), large-model cases filtered out;
#  4. we_bench: the WE step on the GPU against the CPU (revive_bench_we);
#  5. throughput: training images/s of ResNet-20 and MobileNetV2, 3x32x32, batch 128, eager and
#     replayed from a CUDA Graph (revive_bench_train);
#  6. we_train: 3 epochs of Weight Evolution training on synthetic data on the GPU and on the CPU,
#     their final metrics side by side.
# The exit status is 0 when every step passed. --budget SECONDS (default 450) bounds the run: a
# step that would start after the budget is spent is reported as not run.
#
# The bundle (--pack, run where the build is): the binaries (revive, the two benchmarks, the test
# executables of step 2), this script, and the shared libraries they need that a GPU machine may
# lack (oneDNN, Google Benchmark; lib/), but none of CUDA's: those must be on the GPU machine, in
# the versions the build used (its major version: libcudart.so.13 for CUDA 13, libcudnn.so.9). They
# are looked for, in this order, in $REVIVE_CUDA_LIB_DIRS (colon-separated), the dynamic loader's
# usual places, /usr/local/cuda/lib64, and the nvidia/ packages of Python's site-packages (the
# wheels PyTorch installs: nvidia-cuda-runtime, nvidia-cublas, nvidia-cudnn-cu13), and added to
# LD_LIBRARY_PATH. The GPU machine needs bash, coreutils, tar, a driver for the build's CUDA
# version, compute-sanitizer (step 3; skipped with a note when absent) and nvidia-smi; no
# compiler, oneDNN, GoogleTest, Google Benchmark or CUDA headers. The bundle's libstdc++ and glibc
# come from the GPU machine (they are not packed): it needs versions at least those of the build
# machine (Debian 12: glibc 2.36, GCC 12's libstdc++), which any current distribution has.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build_dir=""
out=""
pack_out=""
budget=450
while [[ $# -gt 0 ]]; do
  case $1 in
    --pack) pack_out=${2:?--pack needs a file name}; shift 2 ;;
    --build-dir) build_dir=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --budget) budget=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu_check.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# --- where the binaries are -------------------------------------------------------------------
if [[ -x $here/bin/revive && -f $here/tests.txt ]]; then
  bundle=1
  bin=$here/bin
  tests_list=$(cat "$here/tests.txt")
else
  bundle=0
  repo=$(cd "$here/.." && pwd)
  if [[ -z $build_dir ]]; then
    build_dir=$repo/build-cuda
    [[ -x $build_dir/bin/revive ]] || build_dir=$repo/build
  fi
  bin=$(cd "$build_dir" 2>/dev/null && pwd)/bin
  [[ -x $bin/revive ]] || { echo "gpu_check.sh: no revive binary in $build_dir/bin: build first" >&2; exit 2; }
  # Every test executable whose source may skip for want of a CUDA device: tests/a/b_test.cpp is
  # the executable a_b_test (tests/CMakeLists.txt).
  tests_list=$(cd "$repo/tests" && grep -rlE 'REVIVE_SKIP_WITHOUT_CUDA|cuda_available\(\)|cuda_device_count\(\)' --include='*_test.cpp' . |
               sed 's|^\./||; s|\.cpp$||; s|/|_|g' | sort)
fi

# Whether the binaries were built with the CUDA backend (they then link the CUDA runtime; ldd
# names it even when it is not found). (No grep -q after a pipe here: under pipefail the writer it
# stops early fails the pipeline.)
has_cuda_backend() { ldd "$bin/revive" 2>/dev/null | grep 'libcudart\.so' >/dev/null; }
# json_field LINE KEY: the value of KEY in a one-line JSON object (a string's quotes dropped).
json_field() { grep -oE "\"$2\":(\"[^\"]*\"|[^,}]*)" <<<"$1" | head -1 | cut -d: -f2- | tr -d '"'; }

# The CUDA libraries are the GPU machine's; glibc and the compiler's runtime are every machine's.
is_system_lib() {
  case $1 in
    libcuda.so*|libcudart.so*|libcublas*|libcudnn*|libnvrtc*|libnvJitLink*) return 0 ;;
    linux-vdso*|ld-linux*|libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libgcc_s.so*|libstdc++.so*) return 0 ;;
    libgomp.so*|libz.so*) return 0 ;;
  esac
  return 1
}

# --- --pack --------------------------------------------------------------------------------------
if [[ -n $pack_out ]]; then
  [[ $bundle == 0 ]] || { echo "gpu_check.sh: --pack runs in a checkout, not in a bundle" >&2; exit 2; }
  has_cuda_backend || { echo "gpu_check.sh: $bin/revive has no CUDA backend: pack a build configured with -DREVIVE_CUDA=ON" >&2; exit 2; }
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  root=$stage/revive-gpu-check
  mkdir -p "$root/bin" "$root/lib"
  binaries=(revive revive_bench_we revive_bench_train)
  for t in $tests_list; do binaries+=("$t"); done
  missing=()
  for b in "${binaries[@]}"; do
    if [[ -x $bin/$b ]]; then cp "$bin/$b" "$root/bin/"; else missing+=("$b"); fi
  done
  [[ ${#missing[@]} == 0 ]] || { echo "gpu_check.sh: not built: ${missing[*]} (build every target first)" >&2; exit 2; }
  strip --strip-unneeded "$root"/bin/* 2>/dev/null
  # The shared libraries of every binary that are neither CUDA's nor the system's base.
  ldd "$root"/bin/* 2>/dev/null | awk '/=> \// {print $1, $3}' | sort -u | while read -r name path; do
    is_system_lib "$name" || cp -L "$path" "$root/lib/$name"
  done
  printf '%s\n' $tests_list >"$root/tests.txt"
  cp "$0" "$root/gpu_check.sh"
  {
    echo "revive GPU check bundle"
    echo "commit: $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "packed: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
    echo "CUDA libraries the binaries need (from the GPU machine):"
    readelf -d "$root"/bin/* 2>/dev/null | sed -n 's/.*NEEDED.*\[\(lib\(cuda\|cublas\|cudnn\)[^]]*\)\].*/  \1/p' | sort -u
  } >"$root/MANIFEST"
  tar -C "$stage" -czf "$pack_out" revive-gpu-check || exit 1
  echo "gpu_check.sh: packed $(ls "$root/bin" | wc -l) binaries and $(ls "$root/lib" | wc -l) libraries into $pack_out ($(du -h "$pack_out" | cut -f1))"
  echo "  on the GPU machine: tar xzf $(basename "$pack_out") && revive-gpu-check/gpu_check.sh"
  exit 0
fi

# --- the run ---------------------------------------------------------------------------------------
out=${out:-$PWD/gpu-check-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
summary=$out/summary.md
start=$(date +%s)
failed=0
{
  echo "# revive GPU check"
  echo
  echo "- started: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "- binaries: $bin$([[ $bundle == 1 ]] && echo " (bundle; $(sed -n 2p "$here/MANIFEST"))")"
  echo
  echo "| step | result | detail |"
  echo "| --- | --- | --- |"
} >"$summary"
# record STEP RESULT DETAIL: one row of the table (RESULT: pass, FAIL, not run).
record() {
  echo "| $1 | $2 | $3 |" >>"$summary"
  echo "gpu_check: $1: $2 - $3"
  [[ $2 == FAIL ]] && failed=1
  return 0
}
elapsed() { echo $(( $(date +%s) - start )); }
# in_budget STEP: true when there is time left for STEP, else records it as not run.
in_budget() {
  (( $(elapsed) < budget )) && return 0
  record "$1" "not run" "the budget of $budget s was spent"
  return 1
}

[[ $bundle == 1 ]] && export LD_LIBRARY_PATH=$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# The shared libraries no loader path provides, by name.
missing_libs() { ldd "$bin"/* 2>/dev/null | awk '/=> not found/ {print $1}' | sort -u; }
# Candidate folders for a missing library, in the order of the header.
lib_dirs() {
  tr ':' '\n' <<<"${REVIVE_CUDA_LIB_DIRS:-}"
  echo /usr/local/cuda/lib64
  echo /usr/local/cuda/targets/x86_64-linux/lib
  local py sp
  for py in python3 /opt/torch/.venv/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    for sp in $("$py" -c 'import site; print(" ".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null); do
      [[ -d $sp/nvidia ]] && find "$sp/nvidia" -maxdepth 3 -type d -name lib
    done
  done
}
for name in $(missing_libs); do
  for d in $(lib_dirs); do
    if [[ -e $d/$name ]]; then
      export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
      break
    fi
  done
done
still_missing=$(missing_libs | tr '\n' ' ')
if ! has_cuda_backend; then
  record libraries FAIL "$bin/revive was built without the CUDA backend"
elif [[ -n $still_missing ]]; then
  record libraries FAIL "not found: $still_missing(set REVIVE_CUDA_LIB_DIRS to their folders)"
else
  record libraries pass "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
fi

# Device and versions.
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 || echo "nvidia-smi failed"
  "$bin/revive" info 2>&1
} >"$out/device.txt"
gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
versions=$(grep -E '^  (CUDA runtime|cuDNN|cuBLAS)' "$out/device.txt" | sed 's/^  //' | paste -sd ';' -)
if grep -q '^  cuda:0 ' "$out/device.txt"; then
  record device pass "${gpu:-?}; $versions"
else
  record device FAIL "no CUDA device seen by revive: $(grep -m1 -E 'no CUDA device|not built' "$out/device.txt" | sed 's/^ *//')"
fi
cat "$out/device.txt"

if [[ $failed == 1 ]]; then
  echo >>"$summary"
  echo "Stopped: without the libraries and a device the other steps cannot run." >>"$summary"
  echo "gpu_check: FAILED, see $summary"
  exit 1
fi

# Every test executable, 4 at a time (one GPU serves them all).
export REVIVE_SYNC_AFTER_LAUNCH=1 REVIVE_REQUIRE_CUDA=1 OMP_WAIT_POLICY=PASSIVE
if in_budget tests; then
  mkdir -p "$out/logs/tests"
  printf '%s\n' $tests_list | xargs -P 4 -I{} sh -c \
    'timeout 240 "$0/{}" --gtest_color=no --gtest_output=xml:"$1/{}.xml" >"$1/{}.log" 2>&1; echo $? >"$1/{}.rc"' \
    "$bin" "$out/logs/tests"
  n=0; bad=(); skipped=0
  for t in $tests_list; do
    n=$((n + 1))
    rc=$(cat "$out/logs/tests/$t.rc" 2>/dev/null || echo missing)
    [[ $rc == 0 ]] || bad+=("$t(rc=$rc)")
    s=$(grep -c '^\[  SKIPPED \] [A-Za-z]' "$out/logs/tests/$t.log" 2>/dev/null)
    skipped=$((skipped + ${s:-0}))
  done
  if [[ ${#bad[@]} == 0 ]]; then
    record tests pass "$n executables, REVIVE_SYNC_AFTER_LAUNCH=1 REVIVE_REQUIRE_CUDA=1; skipped test lines: $skipped (logs/tests)"
  else
    record tests FAIL "${#bad[@]} of $n failed: ${bad[*]} (logs/tests)"
  fi
fi

# The hand-written kernels' tests: the op tests of kernels/cuda/*.cu, WE's, the runtime's (fills).
sanitized=$(printf '%s\n' $tests_list | grep -E '^cuda_' |
            grep -vE '^cuda_(conv2d|training|graph_step|batch_upload|require_cuda|misaligned|we_cuda_device|cuda_graph)_test$')
sanitizer_filter='-*MobileNet*:*LongerThanTheBlockTile*:*Reactivator*:*PastOneGrid*'
if in_budget sanitizer; then
  if ! command -v compute-sanitizer >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/compute-sanitizer ]]; then
    export PATH=/usr/local/cuda/bin:$PATH
  fi
  if ! command -v compute-sanitizer >/dev/null 2>&1; then
    record sanitizer FAIL "compute-sanitizer not found (PATH, /usr/local/cuda/bin)"
  else
    mkdir -p "$out/logs/sanitizer"
    for tool in memcheck racecheck synccheck initcheck; do
      for t in $sanitized; do echo "$tool $t"; done
    done | xargs -P 8 -L 1 sh -c \
      'timeout 150 compute-sanitizer --tool "$3" --error-exitcode 99 "$0/$4" --gtest_color=no --gtest_filter="$1" \
         >"$2/$3-$4.log" 2>&1; echo $? >"$2/$3-$4.rc"' \
      "$bin" "$sanitizer_filter" "$out/logs/sanitizer"
    runs=0; bad=()
    for tool in memcheck racecheck synccheck initcheck; do
      for t in $sanitized; do
        runs=$((runs + 1))
        rc=$(cat "$out/logs/sanitizer/$tool-$t.rc" 2>/dev/null || echo missing)
        [[ $rc == 0 ]] || bad+=("$tool:$t(rc=$rc)")
      done
    done
    if [[ ${#bad[@]} == 0 ]]; then
      record sanitizer pass "$runs runs (4 tools x $(wc -w <<<"$sanitized") tests, filter $sanitizer_filter; logs/sanitizer)"
    else
      record sanitizer FAIL "${#bad[@]} of $runs runs failed (99: errors found, 124: timeout): ${bad[*]}"
    fi
  fi
fi

if in_budget we_bench; then
  # Google Benchmark exits 0 when a benchmark reports an error: look for one too.
  if "$bin/revive_bench_we" --benchmark_filter='BM_we_step_(cpu|cuda)' --benchmark_min_time=0.2 \
       --benchmark_out="$out/we_bench.json" --benchmark_out_format=json >"$out/logs/we_bench.log" 2>&1 &&
     ! grep -q 'ERROR OCCURRED' "$out/logs/we_bench.log"; then
    table=$(grep -E '^BM_we_step_(cpu|cuda)/' "$out/logs/we_bench.log" | awk '{sub("/manual_time", "", $1); printf "%s %s %s; ", $1, $2, $3}')
    record we_bench pass "mean per step: $table(we_bench.json)"
  else
    record we_bench FAIL "revive_bench_we failed or reported an error (logs/we_bench.log)"
  fi
fi

if in_budget throughput; then
  : >"$out/throughput.jsonl"
  ok=1
  for graph in "" --cuda-graph; do
    "$bin/revive_bench_train" --model resnet20 --model mobilenetv2 --device cuda --channels 3 --size 32 --batch 128 \
      --seconds 10 $graph >>"$out/throughput.jsonl" 2>>"$out/logs/throughput.log" || ok=0
  done
  detail=""
  while read -r line; do
    detail+="$(json_field "$line" model) $(json_field "$line" route) $(json_field "$line" images_per_second) img/s; "
    # A graph run whose capture failed ran eagerly: say so and fail.
    [[ $(json_field "$line" cuda_graph) == true && $(json_field "$line" route) != graph ]] && ok=0
  done <"$out/throughput.jsonl"
  if [[ $ok == 1 ]]; then
    record throughput pass "$detail(throughput.jsonl)"
  else
    record throughput FAIL "$detail a run failed or a graph was not captured (logs/throughput.log, throughput.jsonl)"
  fi
fi

if in_budget we_train; then
  ok=1
  for dev in cuda cpu; do
    rm -rf "$out/we_train_$dev"
    "$bin/revive" train --dataset synthetic --model cnn --method we --epochs 3 --batch 32 --device "$dev" \
      --no-progress --out "$out/we_train_$dev" >"$out/logs/we_train_$dev.log" 2>&1 || ok=0
  done
  last() { tail -n 1 "$out/we_train_$1/metrics.jsonl" 2>/dev/null | grep -oE '"(train_loss|test_acc)":[0-9.e+-]+' | paste -sd ' ' -; }
  if [[ $ok == 1 && -f $out/we_train_cuda/summary.json ]]; then
    record we_train pass "epoch 3: cuda $(last cuda) / cpu $(last cpu) (we_train_*/metrics.jsonl)"
  else
    record we_train FAIL "a run failed (logs/we_train_*.log)"
  fi
fi

{
  echo
  echo "- finished in $(elapsed) s: $([[ $failed == 0 ]] && echo "every step passed" || echo "FAILED")"
} >>"$summary"
echo "gpu_check: $([[ $failed == 0 ]] && echo passed || echo FAILED) in $(elapsed) s; summary: $summary"
exit $failed
