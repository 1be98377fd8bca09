#!/usr/bin/env bash
# Shows the state of a submitted sweep: each shard's job and state, and the assembly's. With --wait, blocks until the
# assembly job ends (exit 0 when it completed, else its exit code or 1), or until a shard failed or was cancelled
# (the assembly cannot start before it is requeued): then it names those shards and the requeue.sh command, and
# exits 1.
#
#   deploy/slurm/sweep-state.sh [--wait] OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait=""
[ "${1:-}" = --wait ] && { wait=1; shift; }
[ $# -eq 1 ] || { echo "usage: sweep-state.sh [--wait] OUT" >&2; exit 2; }
# shellcheck source=sweep-lib.sh
. "$here/sweep-lib.sh"

while true; do
  load_sweep "$1" # again each time: requeue.sh may have replaced jobs meanwhile
  assembly=$(job_state "$ASSEMBLY_JOB")
  reason=$(job_reason "$ASSEMBLY_JOB")
  if [ -z "$wait" ]; then
    for k in $(seq 1 "$SHARDS"); do job=$(shard_job "$k"); s=$(job_state "$job"); echo "shard $k/$SHARDS  job $job  ${s:-unknown to the controller}"; done
    echo "assembly    job $ASSEMBLY_JOB  ${assembly:-unknown to the controller}${reason:+ ($reason)}"
    exit 0
  fi
  broken=$(broken_shards)
  case "$assembly" in
    COMPLETED) echo "Assembly job $ASSEMBLY_JOB: COMPLETED; results in $DEEPLITE_OUT"; exit 0 ;;
    PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED)
      # A shard that ended without completing means the assembly cannot start until it is requeued (Slurm itself says
      # DependencyNeverSatisfied only once the whole array has ended). Seen twice, 2 s apart: a requeue under way
      # shows the job's old state for a moment.
      if [ -z "$broken" ]; then sleep 2; continue; fi
      sleep 2
      load_sweep "$1"
      broken=$(broken_shards)
      [ -n "$broken" ] || continue
      echo "The assembly job $ASSEMBLY_JOB cannot start: these shards ended without completing:" >&2 ;;
    "") echo "Assembly job $ASSEMBLY_JOB is unknown to the controller (ended more than MinJobAge ago?); see $DEEPLITE_OUT/slurm-logs/assemble.log" >&2; exit 1 ;;
    *)
      code=$({ scontrol show job "$ASSEMBLY_JOB" 2>/dev/null || true; } | sed -n 's/.*ExitCode=\([0-9]*\):.*/\1/p' | head -n 1)
      echo "Assembly job $ASSEMBLY_JOB: $assembly (see $DEEPLITE_OUT/slurm-logs/assemble.log)" >&2
      [ -n "$broken" ] || exit "$([ "${code:-0}" -ne 0 ] && echo "$code" || echo 1)"
      echo "These shards ended without completing:" >&2 ;;
  esac
  describe_broken "$broken" >&2
  echo "Run them again with: $here/requeue.sh $DEEPLITE_OUT $(cut -d' ' -f1 <<< "$broken" | paste -sd' ')" >&2
  exit 1
done
