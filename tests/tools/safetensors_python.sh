#!/usr/bin/env bash
# ctest SafetensorsPython: revive's safetensors files read in Python, and a file written in Python
# read by revive (tests/tools/safetensors_python_check.py). Makes a virtual environment in the build
# folder with safetensors from PyPI (and numpy; Debian's python3-numpy and python3-torch are used
# when installed). Exits 77, which ctest reports as skipped, when no virtual environment can be made
# or PyPI cannot be reached.
# Usage: safetensors_python.sh REVIVE_BINARY WORK_DIR
set -euo pipefail
revive=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
# Debian's interpreter first: its python3-torch, when installed, lets the check use safetensors.torch.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3 || true)
[ -n "$python" ] || { echo "SKIP: no python3"; exit 77; }
mkdir -p "$work"
venv="$work/venv"
if ! "$venv/bin/python" -c "import safetensors, numpy" 2>/dev/null; then
  rm -rf "$venv"
  if ! "$python" -m venv --system-site-packages "$venv" >"$work/venv.log" 2>&1; then
    echo "SKIP: '$python -m venv' failed (install python3-venv):"; cat "$work/venv.log"; exit 77
  fi
  if ! timeout 180 "$venv/bin/pip" install --quiet --disable-pip-version-check --timeout 10 --retries 1 \
       safetensors numpy >"$work/pip.log" 2>&1; then
    echo "SKIP: cannot install safetensors and numpy from PyPI:"; tail -n 5 "$work/pip.log"; exit 77
  fi
fi
run="$work/run"
rm -rf "$run"
"$revive" train --dataset synthetic --model cnn --epochs 1 --batch 32 --threads 2 --no-progress --out "$run"
"$venv/bin/python" "$here/safetensors_python_check.py" --revive "$revive" --run "$run"
