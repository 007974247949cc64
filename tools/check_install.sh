#!/usr/bin/env bash
# Installs a revive build (`cmake --install`) into a temporary prefix, builds examples/consumer
# against it as an outside project would (find_package(revive), revive::revive), and runs it. The
# build is reused as it is: nothing of revive recompiles.
#   tools/check_install.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S examples/consumer -B "$tmp/consumer" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
"$tmp/consumer/revive_consumer"
