#!/usr/bin/env bash
# The README's main command: installs missing packages, builds revive, then runs `revive "$@"`
# (default: `revive train`, a small CNN on Fashion-MNIST for 3 epochs on the CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
build=${REVIVE_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target revive_cli >/dev/null
[ $# -eq 0 ] && set -- train
exec "$build/bin/revive" "$@"
