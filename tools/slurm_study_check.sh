#!/usr/bin/env bash
# A study as a Slurm array job on a one-node cluster started here, checked against the same study
# run as one process (docs/studies.md shows the job script this imitates).
#
#   tools/slurm_study_check.sh [--build DIR] [--shards N]
#
# Needs Debian's slurm-wlm and munge (`apt-get install slurm-wlm munge`) and root: it starts munged
# (with a key made on first use), slurmctld and slurmd for this host in a temporary folder,
# submits `revive study ... --shard $SLURM_ARRAY_TASK_ID/N` as `sbatch --array=0-(N-1)`, waits for
# the array, writes the report with `revive study --report`, and compares report.csv and runs.csv
# (times aside) and every run's model with the one-process study's. It stops the daemons it
# started. A minute or two on 2 cores; not part of the default test run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
shards=2
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "slurm_study_check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
revive=$build/bin/revive
[ -x "$revive" ] || { echo "slurm_study_check.sh: no $revive (build first)" >&2; exit 1; }
for tool in slurmctld slurmd sbatch squeue munged; do
  command -v "$tool" >/dev/null || { echo "slurm_study_check.sh: $tool is missing (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "slurm_study_check.sh: run as root (it starts munged, slurmctld and slurmd)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/revive_slurm.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# munge: the key, once per machine, then the daemon unless one answers already.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
  [ -f /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
  chmod 400 /etc/munge/munge.key
  su -s /bin/sh munge -c munged
fi

host=$(hostname -s)
mkdir -p "$dir/state" "$dir/spool"
cat >"$dir/slurm.conf" <<EOF
ClusterName=revive-check
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
slurmctld -D >"$dir/slurmctld.out" 2>&1 &
pids+=($!)
sleep 2
slurmd -D >"$dir/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 30); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %t | grep -q idle || { echo "slurm_study_check.sh: the node never became idle (see $dir)" >&2; exit 1; }

study=(study --dataset synthetic --model cnn --epochs 2 --batch 32 --limit-train 256 --limit-test 128 --threads 1
       --device cpu --no-progress --no-plots --seeds 2 --variant none --variant "we --we-preset reference")
echo "slurm_study_check.sh: one process" >&2
"$revive" "${study[@]}" --out "$dir/one" >"$dir/one.log" 2>&1

# The array job, as docs/studies.md writes it: shard = the array task id.
quoted=$(printf '%q ' "$revive" "${study[@]}")
cat >"$dir/study.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=revive-study
#SBATCH --array=0-$((shards - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$dir/shard-%a.log
$quoted --shard "\$SLURM_ARRAY_TASK_ID/$shards" --out $dir/array
EOF
job=$(sbatch --parsable "$dir/study.sbatch")
echo "slurm_study_check.sh: array job $job, $shards shards" >&2
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -j "$job" 2>/dev/null)" ] || { echo "slurm_study_check.sh: job $job still queued after 10 min" >&2; exit 1; }
"$revive" study --no-plots --report "$dir/array" >"$dir/report.log" 2>&1

# Times aside (columns naming seconds, reactivation or overhead, as tests/tools/study_test.cpp
# drops them), the merged report and every model equal the one-process study's.
without_times() {
  python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, c in enumerate(rows[0]) if "seconds" not in c and "reactivation" not in c and c != "overhead"]
for r in rows:
    print(",".join(r[i] for i in keep if i < len(r)))' "$1"
}
same=1
for f in report.csv runs.csv; do
  if ! diff <(without_times "$dir/one/$f") <(without_times "$dir/array/$f") >/dev/null; then
    echo "slurm_study_check.sh: $f differs" >&2
    same=0
  fi
done
while IFS= read -r model; do
  cmp -s "$dir/one/$model" "$dir/array/$model" || { echo "slurm_study_check.sh: $model differs" >&2; same=0; }
done < <(cd "$dir/one" && find . -name model.safetensors | sort)
if [ "$same" = 1 ]; then
  echo "slurm_study_check.sh: ok: the array job's report and models equal the one-process study's ($dir)"
else
  echo "slurm_study_check.sh: FAILED (logs and folders in $dir)" >&2
  exit 1
fi
