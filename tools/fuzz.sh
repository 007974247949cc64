#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) and runs each for a bounded time,
# starting from its seed corpus in fuzz/corpus/<target>/. Fails on the first crash, leak, sanitizer
# report or uncaught exception; the input that caused it is saved in build-fuzz/crashes/<target>/.
# Usage: tools/fuzz.sh [seconds per target, default 20] [target ...]
# Inputs the fuzzer finds go to build-fuzz/corpus/<target>/ (kept between runs, never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
tools/deps.sh clang libclang-rt-14-dev
build=${REVIVE_FUZZ_BUILD_DIR:-build-fuzz}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -DREVIVE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DREVIVE_WERROR=ON >/dev/null
cmake --build "$build" -j"$jobs"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/crashes/$t"
  dict=()
  case $t in checkpoint_sidecar|run_config|safetensors) dict=(-dict=fuzz/json.dict) ;; esac
  echo "fuzz: $t for ${seconds} s" >&2
  # New inputs go to the first folder; the committed seeds are read only. 16 KiB covers a few CIFAR
  # records; -rss_limit_mb keeps a hostile size from exhausting the machine.
  if ! "$build/bin/fuzz_$t" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=10 \
       "${dict[@]}" -print_final_stats=1 -artifact_prefix="$build/crashes/$t/" "$build/corpus/$t" "fuzz/corpus/$t" \
       >"$build/crashes/$t.log" 2>&1; then
    tail -n 60 "$build/crashes/$t.log" >&2
    echo "fuzz: $t FAILED; reproducer in $build/crashes/$t/ (run: $build/bin/fuzz_$t <file>)" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$build/crashes/$t.log" | tr '\n' ' ' >&2
  echo >&2
done
echo "fuzz: ${#targets[@]} targets ran ${seconds} s each without a failure" >&2
