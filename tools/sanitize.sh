#!/usr/bin/env bash
# Builds the CPU test suite with AddressSanitizer + UndefinedBehaviorSanitizer (-DREVIVE_SANITIZE=ON,
# in build-asan) and runs it. Any ASan, UBSan or LeakSanitizer report fails the test that hit it.
# REVIVE_ASAN_BUILD_DIR picks the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
build=${REVIVE_ASAN_BUILD_DIR:-build-asan}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DREVIVE_SANITIZE=ON -DREVIVE_CUDA=OFF -DREVIVE_WERROR=ON \
      -DREVIVE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j"$jobs"
# oneDNN's JIT code is not instrumented, which ASan handles (it only misses bugs inside it).
# LeakSanitizer stays on; tools/lsan.supp lists the third-party leaks it may ignore, and why.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The Python interop test adds nothing here (Python is not instrumented; the CLI tests run revive
# under the sanitizers) but a second virtual environment and download.
ctest --test-dir "$build" --output-on-failure -j"$jobs" -E '^(SafetensorsPython|MpiFg\..*)$'
# Open MPI's ranks leak what its plugins allocate, and the plugins are unloaded before the leak
# check, so their frames have no module a suppression could name: the MPI tests run without
# LeakSanitizer (ASan and UBSan stay on).
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" ctest --test-dir "$build" --output-on-failure -j"$jobs" -R '^MpiFg\.'
