#!/usr/bin/env bash
# Builds the CPU test suite with AddressSanitizer + UndefinedBehaviorSanitizer (-DREVIVE_SANITIZE=ON,
# in build-asan) and runs it. Any ASan, UBSan or LeakSanitizer report fails the test that hit it.
# Usage: tools/sanitize.sh [--all]
# By default the tests that cannot show the sanitizers anything the others do not are left out
# (unbuilt or not run; the lists below say which and why); --all builds and runs every test.
# REVIVE_ASAN_BUILD_DIR picks the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
case ${1:-} in
  --all) all=1 ;;
  "") ;;
  *) echo "usage: tools/sanitize.sh [--all]" >&2; exit 2 ;;
esac
tools/deps.sh
build=${REVIVE_ASAN_BUILD_DIR:-build-asan}
jobs=$(nproc 2>/dev/null || echo 2)

# Test sources not built (tests/CMakeLists.txt, REVIVE_TEST_EXCLUDE):
# - cuda/: this build has no CUDA, so they skip; the errors without a device are checked by
#   kernels/device_runtime_test.
# - tools/{fg,we}_train_test: a whole CLI run per method on FashionMNIST. tools/resume_test runs
#   every method through the same CLI, trainer, reactivation steps and checkpoints on synthetic
#   data, and data/idx_test (and the fuzzer) reads the IDX files.
# - tools/plot_study_test: runs Python only.
unbuilt='^(cuda/|tools/(fg|we)_train_test$|tools/plot_study_test$)'
# Tests not run (ctest -E), for the same reason: the code they run, on a bigger model or dataset,
# is run by the tests next to them on a smaller one.
# - KrTrain's FashionMNIST run: as tools/{fg,we}_train_test above.
# - Resume after SIGINT: a FashionMNIST run stopped by the signal's flag; the stop, checkpoint and
#   resume are Resume.InterruptedMidEpochThenResumedEqualsUninterrupted's (--stop-after-steps).
# - WE's and KR's fast-against-reference checks on ResNet-32/56/110 and MobileNetV2: ResNet-20's
#   and MobileNetV1's tables are of the same kinds (plain, 1x1 and depthwise), fewer of them.
repeats='KrTrain\.FashionMnist.*|Resume\.Sigint.*|Models/WeReferenceZoo\..*/"(resnet(32|56|110)|mobilenetv2)"'
repeats+='|KrModels\.FastPathEqualsReference(ResNet(32|56|110)|MobileNetV2)'
# Never run here: the Python interop test adds nothing (Python is not instrumented; the CLI tests
# run revive under the sanitizers) but a second virtual environment and download.
not_here='SafetensorsPython'
if [ "$all" = 1 ]; then
  unbuilt=''
  skip="^($not_here|MpiFg\..*)$"
else
  skip="^($not_here|$repeats|MpiFg\..*)$"
fi

# -Og -g1 rather than Debug's -O0 -g: it compiles no slower, its objects are smaller and its tests
# run faster; -g1 keeps the file:line of every frame a report prints.
# ccache, where installed, keeps the objects between runs, and between clones: paths below the
# source folder are hashed relative to it, and the debug information names them relative to it.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-Og -g1 -fdebug-prefix-map=$PWD=." \
      -DREVIVE_SANITIZE=ON -DREVIVE_CUDA=OFF -DREVIVE_WERROR=ON -DREVIVE_BUILD_BENCHMARKS=OFF \
      -DREVIVE_TEST_EXCLUDE="$unbuilt" "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs"
# oneDNN's JIT code is not instrumented, which ASan handles (it only misses bugs inside it).
# LeakSanitizer stays on; tools/lsan.supp lists the third-party leaks it may ignore, and why.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j"$jobs" -E "$skip"
# Open MPI's ranks leak what its plugins allocate, and the plugins are unloaded before the leak
# check, so their frames have no module a suppression could name: the MPI tests run without
# LeakSanitizer (ASan and UBSan stay on).
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" ctest --test-dir "$build" --output-on-failure -j"$jobs" -R '^MpiFg\.'
