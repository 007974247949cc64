#!/usr/bin/env bash
# The README's test command: installs missing packages, builds revive and runs the whole test suite.
# REVIVE_BUILD_DIR picks the build folder (default build), REVIVE_CMAKE_FLAGS adds configure flags.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh python3-venv  # the Python safetensors interop test's virtual environment
build=${REVIVE_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${REVIVE_CMAKE_FLAGS:-} >/dev/null
cmake --build "$build" -j"$jobs"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
