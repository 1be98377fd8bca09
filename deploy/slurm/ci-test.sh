#!/usr/bin/env bash
# The Slurm test .ci/run calls: on a one-node Slurm started here (start-local-cluster.sh), a quick sweep of a few
# experiments is submitted as a job array of 4 shards plus the dependent assembly (submit.sh --wait, in the
# background), and three things go wrong on purpose:
#   1. a shard is cancelled while still pending: `submit.sh --wait` must return at once (exit 1) naming it, since the
#      assembly can now never start;
#   2. the shard training hw1-3-1's MLP is cancelled mid-unit, once that unit saved a checkpoint, and requeued at once:
#      its second attempt must resume the unit from the checkpoint;
#   3. another running shard's console is killed (SIGKILL): the task fails.
# The pending and the failed shard are then requeued with one requeue.sh (the pending one, which Slurm forgot, is
# submitted again as a job of its own); the assembly must complete and every results.csv equal, byte for byte, that
# of a one-process run of the same ids and seed. The cluster's daemons are stopped at the end.
#
#   DEEPLITE="dotnet path/DeepLite.Experiments.dll" deploy/slurm/ci-test.sh [REFERENCE_DIR]
#
# REFERENCE_DIR: results of a one-process 'run' of the same ids at the quick preset, seed 1 (e.g. .ci/run's quick run
# of all); without it, the one-process run is made here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${DEEPLITE:?set DEEPLITE to the console command}"
export DEEPLITE
export SLURM_CONF=${SLURM_LOCAL_STATE:-/var/lib/deeplite-slurm}/slurm.conf
ids=(hw1-1-1 hw1-2-1 hw1-2-3 hw1-3-1 hw1-3-2)
shards=4
work=$(mktemp -d /tmp/deeplite-slurm.XXXXXX)
chmod 755 "$work"
trap '"$here/stop-local-cluster.sh"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; tail -n 20 "$out"/slurm-logs/*.log >&2 2>/dev/null || true; exit 1; }
. "$here/sweep-lib.sh" # job_state, state_live

"$here/start-local-cluster.sh"

reference=${1:-}
if [ -z "$reference" ]; then
  reference=$work/one-process
  $DEEPLITE run "${ids[@]}" --preset quick --seed 1 --out "$reference" > "$work/one-process.log"
fi

# Which shard trains hw1-3-1's MLP (the unit cancelled mid-run): plan prints each shard's units.
unit_key=hw1-3-1/mlp-784-256-128-10
mlp_shard=$($DEEPLITE plan "${ids[@]}" --preset quick --seed 1 --shards $shards | awk -v u="$unit_key" '/^Shard [0-9]+\//{split($2, a, "/"); s=a[1]} $1 == u {print s}')
[ -n "$mlp_shard" ] || fail "plan did not list $unit_key"
pending=$shards; [ "$pending" = "$mlp_shard" ] && pending=$((shards - 1))

out=$work/sharded
"$here/submit.sh" --hold --wait --shards $shards --cpus-per-task 1 --checkpoint-every 0 --preset quick --seed 1 --out "$out" "${ids[@]}" \
  > "$work/submit.log" 2>&1 &
waiter=$!
for _ in $(seq 1 100); do [ -f "$out/slurm-jobs.env" ] && break; sleep 0.1; done
[ -f "$out/slurm-jobs.env" ] || fail "submit.sh wrote no slurm-jobs.env: $(cat "$work/submit.log")"
. "$out/slurm-jobs.env"

# 1. Cancel a shard while it is pending (held), then let the sweep start.
scancel "${ARRAY_JOB}_$pending"
scontrol release "$ARRAY_JOB"
scontrol release "$ASSEMBLY_JOB"
echo "1. Shard $pending cancelled while pending."

# 2. Cancel the shard training hw1-3-1's MLP once that unit saved a checkpoint (the tasks save one after every
#    epoch here) and before it finished; requeue it at once.
unit="$out/hw1-3-1/runs/mlp-784-256-128-10"
for _ in $(seq 1 2400); do
  [ -f "$unit.checkpoint.safetensors" ] && break
  sleep 0.05
done
[ -f "$unit.checkpoint.safetensors" ] || fail "hw1-3-1's unit saved no checkpoint"
victim=${ARRAY_JOB}_$mlp_shard
grep -q "hw1-3-1 mlp-784-256-128-10: started" "$out/slurm-logs/units-shard-$mlp_shard.log" \
  || fail "shard $mlp_shard's log does not show hw1-3-1's MLP started"
scancel "$victim"
for _ in $(seq 1 100); do [ "$(job_state "$victim")" = CANCELLED ] && break; sleep 0.2; done
sleep 2 # the task's processes are gone (KillWait) before its files are looked at
# A unit is finished when its record (.json, written last) exists.
[ -f "$unit.json" ] && mid_unit=no || mid_unit=yes
echo "2. Shard $mlp_shard cancelled while running (mid-unit: $mid_unit); requeueing it."
"$here/requeue.sh" "$out" "$mlp_shard"

# 3. Kill the console of another running shard: its task fails. (Should one finish in the instant before the kill,
#    the other is taken.)
failed=""
for _ in $(seq 1 300); do
  for k in $(seq 1 $shards); do
    [ "$k" = "$pending" ] || [ "$k" = "$mlp_shard" ] || [ "$(job_state "${ARRAY_JOB}_$k")" != RUNNING ] || {
      pid=$(grep -o 'pid [0-9]*$' "$out/slurm-logs/units-shard-$k.log" | tail -n 1 | cut -d' ' -f2)
      kill -9 "$pid" 2>/dev/null || continue
      for _ in $(seq 1 100); do state_live "$(job_state "${ARRAY_JOB}_$k")" || break; sleep 0.2; done
      [ "$(job_state "${ARRAY_JOB}_$k")" = FAILED ] && { failed=$k; break 2; }
    }
  done
  sleep 0.2
done
[ -n "$failed" ] || fail "no third shard was running to be killed"
echo "3. Shard $failed's console killed (pid $pid): FAILED."

# submit.sh --wait returned (exit 1) as soon as the assembly could never start (step 1), naming the shard.
for _ in $(seq 1 300); do kill -0 "$waiter" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$waiter" 2>/dev/null; then kill "$waiter"; fail "submit.sh --wait did not return after shard $pending's cancel"; fi
waited=0; wait "$waiter" || waited=$?
[ "$waited" = 1 ] && grep -q "shard $pending/$shards" "$work/submit.log" \
  || fail "submit.sh --wait should exit 1 naming shard $pending/$shards; it exited $waited: $(cat "$work/submit.log")"
echo "1. (continued) submit.sh --wait had returned (exit 1), naming shard $pending: $(grep "shard $pending/$shards" "$work/submit.log")"
"$here/sweep-state.sh" "$out"

# The pending-cancelled shard and the failed one, requeued together; then wait for the assembly (at most 15 minutes).
"$here/requeue.sh" "$out" "$pending" "$failed" | tee "$work/requeue.log"
grep -q "Shard $pending .* submitted again as job" "$work/requeue.log" || fail "shard $pending (cancelled while pending) was not submitted again"
grep -q "Shard $failed .* requeued" "$work/requeue.log" || fail "shard $failed (failed) was not requeued in place"
timeout 900 "$here/sweep-state.sh" --wait "$out" || fail "the sweep did not complete after the requeues"

for k in "$mlp_shard" "$failed" "$pending"; do
  attempts=$(grep -c "^[0-9T:+-]* shard $k/$shards: job" "$out/slurm-logs/units-shard-$k.log" || true)
  [ "$k" = "$pending" ] && want=1 || want=2
  [ "$attempts" = "$want" ] || fail "shard $k ran $attempts time(s), not $want"
done
second=$(awk '/ shard '"$mlp_shard"'\/'"$shards"': job .*restart 1/{on=1} on' "$out/slurm-logs/units-shard-$mlp_shard.log")
if [ "$mid_unit" = yes ] && [[ "$second" != *"mlp-784-256-128-10: resuming from its checkpoint"* ]]; then
  fail "shard $mlp_shard was cancelled mid-unit but its second attempt did not resume the unit from its checkpoint"
fi

mismatch=0
for id in "${ids[@]}"; do
  if cmp -s "$reference/$id/results.csv" "$out/$id/results.csv"; then
    echo "  $id: results.csv identical to the one-process run ($(wc -c < "$out/$id/results.csv") bytes)"
  else
    echo "FAIL: $id: results.csv differs from the one-process run" >&2
    mismatch=1
  fi
done
[ $mismatch = 0 ] || exit 1
resumed=$(grep -o 'resuming from its checkpoint after epoch [0-9]*' <<< "$second" || echo 'did not resume a unit (it had finished before the cancel landed)')
echo "Shard $mlp_shard's second attempt: hw1-3-1's unit $resumed."
echo "Slurm test passed: 4 shards (shard $pending cancelled while pending and submitted again, shard $mlp_shard cancelled mid-run" \
  "and requeued, shard $failed failed and requeued) and the dependent assembly."
rm -rf "$work"
