#!/usr/bin/env bash
# The cost of distribution on one machine (docs/distributed.md), two measurements:
#  1. Filter Grafting with N networks: N MPI ranks (one network each, mpirun -np N) against the N
#     networks in one process, same options; per run its wall time, the mean epoch time and the mean
#     reactivation time (metrics.jsonl: epoch_seconds, reactivation_ms; under MPI both are rank 0's
#     and include its exchange and gathers), epochs after the first (warm-up) when there are several.
#  2. A study: one process against two shards (--shard 0/2 and 1/2) started at once into one folder;
#     the wall time of each.
# The ranks (and the shards) share the threads: each gets threads / N (threads / 2). Run it alone on
# a quiet machine; the figures go to benchmarks/RESULTS.md with the command, machine and date.
#
# Usage: benchmarks/distribution_cost.sh [--build DIR] [--models N] [--threads T] [--epochs E]
#          [--model M] [--dataset D] [--data-dir DIR] [--limit-train L] [--limit-test L] [--seeds S]
#          [--out DIR]
set -euo pipefail
build=build models=2 threads=$(nproc) epochs=3 model=cnn dataset=fashion-mnist limit_train=10000 limit_test=2000
seeds=2 data_dir="" out=${TMPDIR:-/tmp}/revive_distribution_cost
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2 ;; --models) models=$2 ;; --threads) threads=$2 ;; --epochs) epochs=$2 ;;
    --model) model=$2 ;; --dataset) dataset=$2 ;; --limit-train) limit_train=$2 ;; --limit-test) limit_test=$2 ;;
    --seeds) seeds=$2 ;; --out) out=$2 ;; --data-dir) data_dir=$2 ;;
    *) echo "distribution_cost.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
revive=$build/bin/revive
[ -x "$revive" ] || { echo "distribution_cost.sh: no $revive (build first)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "distribution_cost.sh: mpirun is missing (apt-get install openmpi-bin)" >&2; exit 1; }
root=()
[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
per_rank=$(( threads / models > 0 ? threads / models : 1 ))
per_shard=$(( threads / 2 > 0 ? threads / 2 : 1 ))
rm -rf "$out"
mkdir -p "$out"
common=(--model "$model" --dataset "$dataset" --limit-train "$limit_train" --limit-test "$limit_test"
        --epochs "$epochs" --device cpu --no-progress)
[ -n "$data_dir" ] && common+=(--data-dir "$data_dir")

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# Mean epoch_seconds and reactivation_ms of a run folder, epochs after the first when several.
epoch_means() {
  python3 - "$1" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl")]
lines = lines[1:] if len(lines) > 1 else lines
mean = lambda k: sum(l[k] for l in lines) / len(lines)
print(f"epoch {mean('epoch_seconds'):.3f} s, reactivation {mean('reactivation_ms'):.2f} ms")
EOF
}

echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(mpirun --version | head -1)"
echo "FG, $models networks of $model, $epochs epochs, $limit_train train images:"
t0=$(now)
"$revive" train "${common[@]}" --method fg --models "$models" --threads "$threads" --out "$out/one" 2>"$out/one.log"
echo "  one process, $threads threads: $(since "$t0") s wall; $(epoch_means "$out/one")"
t0=$(now)
mpirun -np "$models" --oversubscribe "${root[@]}" "$revive" train "${common[@]}" --method fg --models "$models" \
  --threads "$per_rank" --out "$out/ranks" 2>"$out/ranks.log"
echo "  $models ranks, $per_rank threads each: $(since "$t0") s wall; $(epoch_means "$out/ranks")"
cmp -s "$out/one/model.safetensors" "$out/ranks/model.safetensors" && same=yes || same=no
echo "  first network's model identical: $same (expected only when the thread counts match)"

study=(study "${common[@]}" --seeds "$seeds" --variant none --variant we --no-plots)
echo "study, $seeds seeds x (none, we):"
t0=$(now)
"$revive" "${study[@]}" --threads "$threads" --out "$out/study1" >"$out/study1.log" 2>&1
echo "  one process, $threads threads: $(since "$t0") s wall"
t0=$(now)
"$revive" "${study[@]}" --threads "$per_shard" --shard 0/2 --out "$out/study2" >"$out/study2.shard1.log" 2>&1 &
first=$!
"$revive" "${study[@]}" --threads "$per_shard" --shard 1/2 --out "$out/study2" >"$out/study2.shard2.log" 2>&1 &
second=$!
wait "$first"
wait "$second"
echo "  2 shards at once, $per_shard threads each: $(since "$t0") s wall"
"$revive" study --no-plots --report "$out/study2" 2>/dev/null | grep "Runs finished" || true
