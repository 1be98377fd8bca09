#!/usr/bin/env bash
# Runs an array task of a submitted sweep again after it was cancelled or failed (or a node died), and makes the
# assembly job wait for it: Slurm marks an afterok dependency on a cancelled task as never satisfiable, so the
# dependency is set again on every task of the array. The task resumes: finished units are read back, the unit it was
# in restarts from its checkpoint.
#
#   deploy/slurm/requeue.sh OUT TASK...      (OUT: the --out of submit.sh, which wrote OUT/slurm-jobs.env)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: requeue.sh OUT TASK..." >&2; exit 2; }
# shellcheck disable=SC1091
. "$1/slurm-jobs.env"
shift
for task in "$@"; do
  scontrol requeue "${ARRAY_JOB}_${task}"
  # A requeued job is held for a while by default (BeginTime); start it as soon as a CPU is free.
  scontrol update JobId="${ARRAY_JOB}_${task}" StartTime=now
done
tasks=$(seq -s: -f "${ARRAY_JOB}_%g" 0 $((SHARDS - 1)))
scontrol update JobId="$ASSEMBLY_JOB" Dependency="afterok:$tasks"
echo "Requeued task(s) $* of job $ARRAY_JOB; assembly job $ASSEMBLY_JOB waits for all $SHARDS tasks again."
