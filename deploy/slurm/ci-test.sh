#!/usr/bin/env bash
# The Slurm test .ci/run calls: on a one-node Slurm started here, a quick sweep of a few experiments is submitted as a
# job array of 4 tasks plus the dependent assembly (submit.sh); one task is cancelled with scancel in the middle of a
# training unit and requeued (requeue.sh), and must resume that unit from its checkpoint; the assembled results.csv files must equal, byte for byte, those of a one-process run of the
# same ids and seed. The daemons are stopped at the end.
#
#   DEEPLITE="dotnet path/DeepLite.Experiments.dll" deploy/slurm/ci-test.sh [REFERENCE_DIR]
#
# REFERENCE_DIR: results of a one-process 'run' of the same ids at the quick preset, seed 1 (e.g. .ci/run's quick run
# of all); without it, the one-process run is made here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${DEEPLITE:?set DEEPLITE to the console command}"
export DEEPLITE
ids=(hw1-1-1 hw1-2-1 hw1-2-3 hw1-3-1 hw1-3-2)
work=$(mktemp -d /tmp/deeplite-slurm.XXXXXX)
chmod 755 "$work"
trap '"$here/stop-local-cluster.sh"' EXIT

"$here/start-local-cluster.sh"

reference=${1:-}
if [ -z "$reference" ]; then
  reference=$work/one-process
  $DEEPLITE run "${ids[@]}" --preset quick --seed 1 --out "$reference" > "$work/one-process.log"
fi

out=$work/sharded
"$here/submit.sh" --shards 4 --cpus-per-task 1 --checkpoint-every 0 --preset quick --seed 1 --out "$out" "${ids[@]}"
. "$out/slurm-jobs.env"

# Cancel a task mid-unit: the one training hw1-3-1's MLP, once that unit has saved a checkpoint (the tasks save one
# after every epoch here) and before it has finished.
unit="$out/hw1-3-1/runs/mlp-784-256-128-10"
for _ in $(seq 1 2400); do
  [ -f "$unit.checkpoint.safetensors" ] && break
  sleep 0.05
done
[ -f "$unit.checkpoint.safetensors" ] || { echo "FAIL: hw1-3-1's unit saved no checkpoint" >&2; exit 1; }
log=$(grep -l 'hw1-3-1 mlp-784-256-128-10: started' "$out"/slurm-logs/units-"${ARRAY_JOB}"_*.log | head -n 1)
task=${log##*_}; task=${task%.log}
victim=${ARRAY_JOB}_$task
scancel "$victim"
for _ in $(seq 1 100); do
  state=$(scontrol show job "$victim" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1)
  [ "$state" = CANCELLED ] && break
  sleep 0.2
done
sleep 2 # the task's processes are gone (KillWait) before its files are looked at
# A unit is finished when its record (.json, written last) exists.
[ -f "$unit.json" ] && mid_unit=no || mid_unit=yes
echo "Task $task cancelled (state ${state:-unknown}; mid-unit: $mid_unit); requeueing it."
"$here/requeue.sh" "$out" "$task"

# Wait for the assembly (at most 15 minutes).
for _ in $(seq 1 900); do
  [ -n "$(squeue -h -j "$ARRAY_JOB,$ASSEMBLY_JOB" 2>/dev/null)" ] || break
  sleep 1
done
state=$(scontrol show job "$ASSEMBLY_JOB" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1)
if [ "$state" != COMPLETED ]; then
  echo "FAIL: the assembly job ended $state" >&2
  tail -n 30 "$out"/slurm-logs/*.log >&2
  exit 1
fi
grep -q "attempt 2" "$log" || { echo "FAIL: task $task did not run a second time" >&2; exit 1; }
second=$(sed -n '/attempt 2/,$p' "$log")
if [ "$mid_unit" = yes ] && [[ "$second" != *"mlp-784-256-128-10: resuming from its checkpoint"* ]]; then
  echo "FAIL: task $task was cancelled mid-unit but its second attempt did not resume the unit from its checkpoint" >&2; exit 1
fi

failed=0
for id in "${ids[@]}"; do
  if cmp -s "$reference/$id/results.csv" "$out/$id/results.csv"; then
    echo "  $id: results.csv identical to the one-process run ($(wc -c < "$out/$id/results.csv") bytes)"
  else
    echo "FAIL: $id: results.csv differs from the one-process run" >&2
    failed=1
  fi
done
[ $failed = 0 ] || exit 1
reread=$(grep -c 'finished earlier, reading' <<< "$second" || true)
resumed=$(grep -o 'resuming from its checkpoint after epoch [0-9]*' <<< "$second" || echo 'did not resume a unit (it had finished before the cancel landed)')
echo "Task $task's second attempt read back $reread finished unit(s); hw1-3-1's unit: $resumed."
echo "Slurm test passed: 4 array tasks (task $task cancelled mid-run and requeued) and the dependent assembly."
rm -rf "$work"
