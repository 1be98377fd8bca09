#!/usr/bin/env bash
# Runs shards of a submitted sweep again after they failed or were cancelled (running or still pending), or a node
# died, and makes the assembly wait for them. A shard resumes: its finished units are read back, the unit it was in
# restarts from its checkpoint.
#
#   deploy/slurm/requeue.sh OUT K...      (OUT: the --out of submit.sh; K: shard numbers, 1..N as in its log's name)
#
# A task Slurm still knows is requeued in place (scontrol requeue: same job id, its log gets the next attempt). A task
# it does not know any more (one cancelled while pending, which Slurm drops from the array; or one that ended longer
# than MinJobAge ago) is submitted again as a job of its own running that shard (recorded in OUT/slurm-jobs.env,
# logging to the same units-shard-K.log). The assembly's dependency is then set to the shards not yet completed: Slurm
# never releases an afterok dependency on a cancelled or failed task by itself. An assembly job that already ended
# (or was cancelled) is submitted again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: requeue.sh OUT K... (K: shard numbers 1..N)" >&2; exit 2; }
# shellcheck source=sweep-lib.sh
. "$here/sweep-lib.sh"
load_sweep "$1"
shift
for k in "$@"; do
  [[ "$k" =~ ^[1-9][0-9]*$ ]] && [ "$k" -le "$SHARDS" ] || { echo "requeue.sh: shard '$k' is not one of 1..$SHARDS" >&2; exit 2; }
done

export DEEPLITE DEEPLITE_IDS DEEPLITE_PRESET DEEPLITE_SEED DEEPLITE_OUT DEEPLITE_CHECKPOINT_EVERY DEEPLITE_CONFIG
for k in "$@"; do
  job=$(shard_job "$k")
  state=$(job_state "$job")
  if state_live "$state"; then
    echo "Shard $k ($job) is $state: left as it is."
  elif [ -n "$state" ] && scontrol requeue "$job" 2>/dev/null; then
    # A requeued job is held for a while by default (BeginTime); start it two seconds from now. Not at once: slurmd
    # revokes the ended run's credential, to the second, and a relaunch within that second is refused ("Job
    # credential revoked") and ends FAILED again (seen once in CI: shard 3 allocated 57 ms after its requeue).
    scontrol update JobId="$job" StartTime=now+2
    # The controller applies a requeue asynchronously: a job that had ended shows its old state for a moment. Wait
    # until it is pending (or running), so that what follows (the assembly's dependency, sweep-state.sh) sees it so.
    for _ in $(seq 1 50); do state_live "$(job_state "$job")" && break; sleep 0.2; done
    echo "Shard $k ($job, $state) requeued; now $(job_state "$job")."
  else
    new=$(sbatch --parsable --export=ALL,DEEPLITE_SHARD="$k/$SHARDS" --job-name=deeplite-units --cpus-per-task="$CPUS" \
      "${SBATCH_EXTRA[@]}" --output="$DEEPLITE_OUT/slurm-logs/units-shard-$k.log" "$here/deeplite-units.sbatch")
    new=${new%%;*}
    record_sweep "SHARD_JOB_$k" "$new"
    echo "Shard $k ($job, ${state:-unknown to the controller}) submitted again as job $new."
  fi
done

# The assembly waits for every shard not completed yet; it is held while a shard that ended without completing was not
# requeued (it would otherwise start without that shard's units).
waits=()
for k in $(seq 1 "$SHARDS"); do
  job=$(shard_job "$k")
  state=$(job_state "$job")
  [ "$state" = COMPLETED ] || [ -z "$state" ] || waits+=("$job")
done
dependency=""
[ ${#waits[@]} -eq 0 ] || dependency="afterok:$(IFS=:; echo "${waits[*]}")"
if [ "$(job_state "$ASSEMBLY_JOB")" = PENDING ]; then
  scontrol update JobId="$ASSEMBLY_JOB" Dependency="$dependency"
else
  new=$(sbatch --parsable --hold --export=ALL ${dependency:+--dependency="$dependency"} --cpus-per-task=1 "${SBATCH_EXTRA[@]}" \
    --output="$DEEPLITE_OUT/slurm-logs/assemble.log" "$here/deeplite-assemble.sbatch")
  new=${new%%;*}
  echo "Assembly job $ASSEMBLY_JOB had ended ($(job_state "$ASSEMBLY_JOB")); submitted again as job $new."
  record_sweep ASSEMBLY_JOB "$new"
fi
broken=$(broken_shards)
if [ -n "$broken" ]; then
  scontrol hold "$ASSEMBLY_JOB"
  echo "Assembly job $ASSEMBLY_JOB held: these shards ended without completing and were not requeued:"
  describe_broken "$broken"
  echo "Requeue them too ($0 $DEEPLITE_OUT $(cut -d' ' -f1 <<< "$broken" | paste -sd' ')); that releases the assembly."
else
  scontrol release "$ASSEMBLY_JOB" 2>/dev/null || true # held by an earlier requeue.sh, or not held at all
  echo "Assembly job $ASSEMBLY_JOB waits for ${#waits[@]} shard job(s)."
fi
