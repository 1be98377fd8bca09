#!/usr/bin/env bash
# Stops the cluster start-local-cluster.sh started: cancels its jobs, then stops its daemons, found by their command
# lines, which name files under SLURM_LOCAL_STATE (default /var/lib/deeplite-slurm); never another Slurm or munge on
# the machine. Its files stay (a next start reuses the key and clears the jobs).
state=${SLURM_LOCAL_STATE:-/var/lib/deeplite-slurm}
conf=$state/slurm.conf

# Its daemons: slurmctld and slurmd started with -f $conf, munged with its key under $state/munge.
ours() {
  pgrep -f "^slurmd -f $conf\$" || true
  pgrep -f "^slurmctld -c -f $conf\$" || true
  pgrep -f "^/usr/sbin/munged --key-file=$state/munge/" || true
}

pids=$(ours)
[ -n "$pids" ] || exit 0
if pgrep -f "^slurmctld -c -f $conf\$" >/dev/null; then
  # Cancel its jobs first, so that no job step outlives the daemons.
  jobs=$(SLURM_CONF=$conf timeout 10 squeue -h -o %A 2>/dev/null | sort -u)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086
    SLURM_CONF=$conf timeout 10 scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 30); do [ -z "$(SLURM_CONF=$conf timeout 5 squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
  fi
fi
# shellcheck disable=SC2086
kill $pids 2>/dev/null || true
for _ in $(seq 1 50); do [ -z "$(ours)" ] && break; sleep 0.1; done
left=$(ours)
# shellcheck disable=SC2086
[ -z "$left" ] || kill -9 $left 2>/dev/null || true
rm -f "$state"/run/*.pid
echo "Stopped the local cluster ($state)."
exit 0
