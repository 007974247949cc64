#!/bin/bash
# Every benchmark of the build in one go, into one JSON file and one Markdown table:
#   - each Google Benchmark program build/bin/revive_bench_* (kernels and layers on the CPU and,
#     where a GPU is present, CUDA; the reactivation steps on the real models' filter tables, with
#     the memcpy of the same bytes as the memory-bandwidth floor);
#   - end-to-end training throughput (revive_bench_train) per model on the CPU, and on CUDA when
#     the build has it and a GPU answers;
#   - the PyTorch comparison (benchmarks/torch/compare.sh) when /usr/bin/python3 has torch.
# Every row carries the CPU model and its ISA. The default run takes a few minutes; measure on a
# quiet machine (benchmarks/RESULTS.md says how the published table was made).
#
#   tools/bench.sh [--build DIR] [--out DIR] [--min-time S] [--train-seconds S] [--models "M ..."]
#                  [--torch-rounds N] [--filter REGEX] [--no-torch]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command="tools/bench.sh $*"
build=build
out=bench-results
min_time=0.2
train_seconds=10
models="resnet20 resnet56 mobilenetv2 cnn"
torch_rounds=1
filter=""
torch=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --min-time) min_time=$2; shift 2 ;;
    --train-seconds) train_seconds=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --torch-rounds) torch_rounds=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --no-torch) torch=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
bin="$build/bin"
[ -x "$bin/revive" ] || { echo "bench.sh: $bin/revive not found: build first (tools/run.sh builds)" >&2; exit 1; }
mkdir -p "$out/raw"
raw="$out/raw"
rm -f "$raw"/*

# Google Benchmark programs: every revive_bench_* but the training-throughput one.
for prog in "$bin"/revive_bench_*; do
  name=$(basename "$prog")
  [ "$name" = revive_bench_train ] && continue
  echo "bench.sh: $name" >&2
  args=(--benchmark_min_time="$min_time" --benchmark_out="$raw/$name.json" --benchmark_out_format=json)
  [ -n "$filter" ] && args+=(--benchmark_filter="$filter")
  "$prog" "${args[@]}" >"$raw/$name.log" 2>&1 || echo "bench.sh: $name failed (see $raw/$name.log)" >&2
done

# Training throughput, revive alone (the PyTorch comparison below interleaves its own runs).
devices=(cpu)
if "$bin/revive" info 2>/dev/null | grep -q "^devices: cpu, cuda"; then devices+=(cuda); fi
for device in "${devices[@]}"; do
  for model in $models; do
    echo "bench.sh: revive_bench_train --model $model --device $device" >&2
    args=(--model "$model" --device "$device" --seconds "$train_seconds")
    [ "$device" = cpu ] && args+=(--threads "$(nproc)")
    "$bin/revive_bench_train" "${args[@]}" 2>>"$raw/train.log" | tail -n 1 >>"$raw/train.jsonl" ||
      echo "bench.sh: train $model on $device failed" >&2
  done
done

if [ "$torch" = 1 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "bench.sh: PyTorch comparison (benchmarks/torch/compare.sh)" >&2
  "$here/../benchmarks/torch/compare.sh" "$build" "$torch_rounds" "$train_seconds" $models \
    >"$raw/torch.log" 2>&1 || echo "bench.sh: the PyTorch comparison failed (see $raw/torch.log)" >&2
  grep '^{' "$raw/torch.log" >"$raw/torch.jsonl" || true
else
  echo "bench.sh: no PyTorch comparison (/usr/bin/python3 has no torch: apt-get install python3-torch)" >&2
fi

/usr/bin/python3 "$here/bench_report.py" "$raw" "$out" "$command"
