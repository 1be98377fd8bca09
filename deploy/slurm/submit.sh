#!/usr/bin/env bash
# Submits a DeepLite sweep to Slurm: a job array of N tasks, each running its shard of the units, and an assembly job
# that runs when all of them succeeded. Prints the two job ids and writes them, with what is needed to submit a task
# again, to OUT/slurm-jobs.env (for requeue.sh).
#
#   DEEPLITE=/shared/deeplite/DeepLite.Experiments deploy/slurm/submit.sh --shards 8 --preset full --out /shared/hw1 all
#
# One numbering everywhere: the array is --array=1-N, so Slurm's task K runs shard K/N (its log says "shard K/N"), is
# row K/N of `plan --shards N`, and is the K that requeue.sh takes. Its log is OUT/slurm-logs/units-shard-K.log (every
# attempt of shard K appends to it).
#
# Options (defaults in brackets):
#   --shards N            array tasks [8]
#   --preset quick|full   [quick]
#   --seed S              [1]
#   --out DIR             results folder on a filesystem every node sees (required)
#   --cpus-per-task C     CPUs (and the console's --threads) per task [2]: on a node of 2 CPUs one task runs at a time
#   --partition P, --time T (per task): passed to sbatch
#   --checkpoint-every S  seconds between a unit's checkpoints [60]: how much work a cancelled or preempted task loses
#   --config FILE         settings changed from the preset (the console's --config): copied to OUT/settings.json, which
#                         every task and the assembly read
#   --hold                submit the jobs held: nothing starts before `scontrol release ARRAY_JOB` and `... ASSEMBLY_JOB`
#   --wait                block until the assembly job ends and exit with its code; exits 1 at once, naming the shards
#                         to requeue, when a task failed or was cancelled (the assembly then can never start)
# then the experiment ids or 'all'. Other sbatch options go in SBATCH_* variables as usual.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=8 preset=quick seed=1 out="" cpus=2 extra=() hold=() wait="" checkpoint=60 config=""
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
    --config) config=$2; shift 2 ;;
    --wait) wait=1; shift ;;
    --hold) hold=(--hold); shift ;;
    --) shift; break ;;
    -*) echo "submit.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "submit.sh: name the experiments (ids or 'all')" >&2; exit 2; }
[ -n "$out" ] || { echo "submit.sh: --out DIR is required (a folder every node sees)" >&2; exit 2; }
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards must be a positive number, not '$shards'" >&2; exit 2; }
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --cpus-per-task must be a positive number, not '$cpus'" >&2; exit 2; }
: "${DEEPLITE:=deeplite}"
mkdir -p "$out/slurm-logs"
out=$(cd "$out" && pwd)
settings=""
if [ -n "$config" ]; then
  [ -f "$config" ] || { echo "submit.sh: --config $config: no such file" >&2; exit 2; }
  # A copy in the results folder: every node sees it, and the sweep keeps the settings it ran with.
  [ "$(cd "$(dirname "$config")" && pwd)/$(basename "$config")" = "$out/settings.json" ] || cp "$config" "$out/settings.json.tmp"
  [ -f "$out/settings.json.tmp" ] && mv "$out/settings.json.tmp" "$out/settings.json"
  settings="$out/settings.json"
fi

export DEEPLITE DEEPLITE_IDS="$*" DEEPLITE_PRESET="$preset" DEEPLITE_SEED="$seed" DEEPLITE_OUT="$out" DEEPLITE_CHECKPOINT_EVERY="$checkpoint" DEEPLITE_CONFIG="$settings"
array=$(sbatch --parsable --export=ALL --array="1-$shards" --cpus-per-task="$cpus" "${extra[@]}" "${hold[@]}" \
  --output="$out/slurm-logs/units-shard-%a.log" "$here/deeplite-units.sbatch")
array=${array%%;*}
assembly=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --cpus-per-task=1 "${extra[@]}" "${hold[@]}" \
  --output="$out/slurm-logs/assemble.log" "$here/deeplite-assemble.sbatch")
assembly=${assembly%%;*}
{
  printf '# Written by deploy/slurm/submit.sh; requeue.sh reads it and records the jobs it submits in place of others.\n'
  printf '%s=%q\n' ARRAY_JOB "$array" ASSEMBLY_JOB "$assembly" SHARDS "$shards" CPUS "$cpus" DEEPLITE "$DEEPLITE" \
    DEEPLITE_IDS "$DEEPLITE_IDS" DEEPLITE_PRESET "$preset" DEEPLITE_SEED "$seed" DEEPLITE_OUT "$out" DEEPLITE_CHECKPOINT_EVERY "$checkpoint" DEEPLITE_CONFIG "$settings"
  if [ ${#extra[@]} -gt 0 ]; then printf 'SBATCH_EXTRA=(%s)\n' "$(printf '%q ' "${extra[@]}")"; else echo 'SBATCH_EXTRA=()'; fi
} > "$out/slurm-jobs.env.tmp"
mv "$out/slurm-jobs.env.tmp" "$out/slurm-jobs.env"
echo "Submitted job array $array (shards 1-$shards, $cpus CPU(s) each) and assembly job $assembly (after all succeed)."
echo "Results: $out (logs in $out/slurm-logs); watch with: squeue -j $array,$assembly"
if [ -n "$wait" ]; then
  exec "$here/sweep-state.sh" --wait "$out"
fi
