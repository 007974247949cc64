#!/bin/bash
# revive against Debian's PyTorch, same models, batch, input and thread count, runs interleaved so
# that drifts of a shared machine hit both alike. Prints each run's JSON line, then the host (CPU
# model and oneDNN's instruction set, from revive's lines) and per model the median images/s of
# each framework, their ratio and the peak RSS of each.
#
#   benchmarks/torch/compare.sh [BUILD_DIR] [ROUNDS] [SECONDS] [MODELS...]
#   benchmarks/torch/compare.sh build 3 15 resnet20 resnet56 mobilenetv2 mobilenetv2-0.5 cnn
#
# Needs /usr/bin/python3 with python3-torch (apt-get install python3-torch).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
rounds=${2:-3}
seconds=${3:-15}
shift $(($# < 3 ? $# : 3))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(resnet20 resnet56 mobilenetv2 mobilenetv2-0.5 cnn)
bench="$build/bin/revive_bench_train"
[ -x "$bench" ] || { echo "compare.sh: $bench not found; build the benchmarks first" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for model in "${models[@]}"; do
  args=(--model "$model")
  [ "$model" = mobilenetv2-0.5 ] && args=(--model mobilenetv2 --width 0.5)
  for _ in $(seq "$rounds"); do
    "$bench" "${args[@]}" --threads 2 --batch 128 --seconds "$seconds" | tail -n 1 |
      sed "s/\"model\":\"[^\"]*\"/\"model\":\"$model\"/" | tee -a "$log"
    /usr/bin/python3 "$here/throughput.py" --model "$model" --threads 2 --batch 128 --seconds "$seconds" |
      tail -n 1 | tee -a "$log"
  done
done

/usr/bin/python3 - "$log" <<'EOF'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
print("host: " + ", ".join(dict.fromkeys(r.get("host", "?") for r in runs if r["framework"] == "revive")))
print(f"{'model':<16}{'revive img/s':>14}{'torch img/s':>13}{'ratio':>8}{'revive GiB':>12}{'torch GiB':>11}")
for model in dict.fromkeys(r["model"] for r in runs):
    def of(fw):
        rs = [r for r in runs if r["model"] == model and r["framework"].startswith(fw)]
        return statistics.median(r["images_per_second"] for r in rs), max(r["peak_rss_gib"] for r in rs)
    (rv, rm), (tv, tm) = of("revive"), of("pytorch")
    print(f"{model:<16}{rv:>14.1f}{tv:>13.1f}{rv / tv:>8.2f}{rm:>12.2f}{tm:>11.2f}")
EOF
