#!/usr/bin/env bash
# Installs the Debian packages revive builds against, when any is missing (needs root or sudo).
# Arguments name extra packages a script needs besides these (tools/fuzz.sh: clang, ...).
set -euo pipefail
need=(cmake g++ make libdnnl-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libgtest-dev libbenchmark-dev
      libcpptoml-dev openmpi-bin libopenmpi-dev dataset-fashion-mnist "$@")
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "revive: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
