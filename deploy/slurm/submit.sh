#!/usr/bin/env bash
# Submits a DeepLite sweep to Slurm: a job array of N tasks, each running its shard of the units, and an assembly job
# that runs when all of them succeeded. Prints the two job ids and writes them to OUT/slurm-jobs.env (for requeue.sh).
#
#   DEEPLITE=/shared/deeplite/DeepLite.Experiments deploy/slurm/submit.sh --shards 8 --preset full --out /shared/hw1 all
#
# Options: --shards N (default 8), --preset quick|full (quick), --seed S (1), --out DIR (required, on the shared
# filesystem), --cpus-per-task C (2), --partition P, --time T (per task), --checkpoint-every SECONDS (60: how much
# work a preempted or cancelled task can lose), --wait (block until the assembly ends and exit with its code), then
# the experiment ids or 'all'. Other sbatch options go in SBATCH_* variables as usual.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=8 preset=quick seed=1 out="" cpus=2 extra=() wait="" checkpoint=60
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cpus-per-task) cpus=$2; shift 2 ;;
    --partition) extra+=(--partition "$2"); shift 2 ;;
    --time) extra+=(--time "$2"); shift 2 ;;
    --checkpoint-every) checkpoint=$2; shift 2 ;;
    --wait) wait=1; shift ;;
    --) shift; break ;;
    -*) echo "submit.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "submit.sh: name the experiments (ids or 'all')" >&2; exit 2; }
[ -n "$out" ] || { echo "submit.sh: --out DIR is required (a folder every node sees)" >&2; exit 2; }
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards must be a positive number, not '$shards'" >&2; exit 2; }
: "${DEEPLITE:=deeplite}"
mkdir -p "$out/slurm-logs"
out=$(cd "$out" && pwd)

export DEEPLITE DEEPLITE_IDS="$*" DEEPLITE_PRESET="$preset" DEEPLITE_SEED="$seed" DEEPLITE_OUT="$out" DEEPLITE_CHECKPOINT_EVERY="$checkpoint"
array=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" --cpus-per-task="$cpus" "${extra[@]}" \
  --output="$out/slurm-logs/units-%A_%a.log" "$here/deeplite-units.sbatch")
array=${array%%;*}
assembly=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --cpus-per-task=1 "${extra[@]}" \
  --output="$out/slurm-logs/assemble-%j.log" "$here/deeplite-assemble.sbatch")
assembly=${assembly%%;*}
printf 'ARRAY_JOB=%s\nASSEMBLY_JOB=%s\nSHARDS=%s\n' "$array" "$assembly" "$shards" > "$out/slurm-jobs.env"
echo "Submitted job array $array ($shards tasks) and assembly job $assembly (after all succeed)."
echo "Results: $out (logs in $out/slurm-logs); watch with: squeue -j $array,$assembly"
if [ -n "$wait" ]; then
  while [ -n "$(squeue -h -j "$array,$assembly" 2>/dev/null)" ]; do sleep 2; done
  state=$(scontrol show job "$assembly" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1)
  code=$(scontrol show job "$assembly" 2>/dev/null | sed -n 's/.*ExitCode=\([0-9]*\):.*/\1/p' | head -n 1)
  echo "Assembly job $assembly: ${state:-unknown}"
  [ "$state" = COMPLETED ] && exit 0
  exit "${code:-1}"
fi
