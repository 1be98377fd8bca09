#!/usr/bin/env bash
# Functions shared by requeue.sh and sweep-state.sh (sourced, not run): the jobs of a sweep that submit.sh wrote to
# OUT/slurm-jobs.env, and their states as the controller knows them.

# Reads OUT/slurm-jobs.env into this shell (ARRAY_JOB, ASSEMBLY_JOB, SHARDS, the settings, SHARD_JOB_K replacements).
load_sweep() {
  sweep_out=$1
  [ -f "$sweep_out/slurm-jobs.env" ] || { echo "$sweep_out/slurm-jobs.env not found: give the --out of submit.sh" >&2; exit 2; }
  # shellcheck disable=SC1091
  . "$sweep_out/slurm-jobs.env"
}

# The job that runs shard K now: the array's task K, or the job requeue.sh submitted in its place.
shard_job() {
  local var="SHARD_JOB_$1"
  echo "${!var:-${ARRAY_JOB}_$1}"
}

# A job's state (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, ...), or nothing when the controller does not know it:
# a task cancelled while pending (Slurm drops it from the array's record) or a job ended longer than MinJobAge ago.
job_state() {
  { scontrol show job "$1" 2>/dev/null || true; } | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1
}

# The reason a pending job waits (Dependency, DependencyNeverSatisfied, Resources, ...).
job_reason() {
  { scontrol show job "$1" 2>/dev/null || true; } | sed -n 's/.* Reason=\([A-Za-z_]*\).*/\1/p' | head -n 1
}

# Whether a state is one a job leaves by itself (it will run, or is running).
state_live() {
  case "$1" in PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|REQUEUE_HOLD|REQUEUE_FED|RESIZING|SUSPENDED|STAGE_OUT|SIGNALING) return 0 ;; *) return 1 ;; esac
}

# Sets VAR=VALUE in OUT/slurm-jobs.env (replacing an earlier value), written whole by a rename.
record_sweep() {
  local file="$sweep_out/slurm-jobs.env"
  { grep -v "^$1=" "$file" || true; printf '%s=%q\n' "$1" "$2"; } > "$file.tmp"
  mv "$file.tmp" "$file"
  printf -v "$1" '%s' "$2"
}

# The shards that ended without completing, one "K STATE" per line: failed, cancelled, timed out, ..., or UNKNOWN: not
# known to the controller (cancelled while pending, or ended more than MinJobAge ago) and its log does not end with
# the console's "units are stored".
broken_shards() {
  local k state last
  for k in $(seq 1 "$SHARDS"); do
    state=$(job_state "$(shard_job "$k")")
    if [ -z "$state" ]; then
      last=$(grep -E "This shard's units are stored|^[0-9T:+-]+ shard $k/" "$DEEPLITE_OUT/slurm-logs/units-shard-$k.log" 2>/dev/null | tail -n 1 || true)
      [[ "$last" == *"units are stored"* ]] || echo "$k UNKNOWN"
    elif ! state_live "$state" && [ "$state" != COMPLETED ]; then
      echo "$k $state"
    fi
  done
}

# "shard K/N (job): STATE; log ..." for each line of broken_shards, indented.
describe_broken() {
  local k state
  while read -r k state; do
    [ "$state" = UNKNOWN ] && state="not running and not finished (unknown to the controller: cancelled while pending, or ended more than MinJobAge ago)"
    echo "  shard $k/$SHARDS ($(shard_job "$k")): $state; log $DEEPLITE_OUT/slurm-logs/units-shard-$k.log"
  done <<< "$1"
}
