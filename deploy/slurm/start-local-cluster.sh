#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (Debian's slurm-wlm and munge), for the repository's Slurm test
# (ci-test.sh) and for trying the scripts here; a real cluster has its own configuration. The node is this host with
# all its CPUs, one partition; an array task gets the CPUs it asks for (--cpus-per-task), so on a 2-CPU machine two
# 1-CPU tasks run at once.
#
# Its scope, so that it leaves the machine as it found it:
#   - every file it writes is under SLURM_LOCAL_STATE (default /var/lib/deeplite-slurm): the configuration
#     (slurm.conf), a munge key and socket of its own, the daemons' logs (log/), pid files and Slurm's state;
#     nothing in /etc, /run/munge or /var/log;
#   - its daemons listen on their own ports (6917 and 6918, not Slurm's 6817/6818) and its munged on its own socket,
#     so a Slurm or munge already running here is neither used nor stopped; stop-local-cluster.sh stops only the
#     daemons whose pid files are under SLURM_LOCAL_STATE.
# Slurm's commands (sbatch, squeue, scontrol, and so submit.sh and requeue.sh) find this cluster through
#   export SLURM_CONF=$SLURM_LOCAL_STATE/slurm.conf
# which the script prints. Accounting is off (no slurmdbd): `sacct` answers "accounting storage is disabled"; use
# squeue and `scontrol show job`, which keep a finished job for MinJobAge (5 minutes) here.
# Needs root (and installs slurm-wlm and munge from Debian's packages when they are missing). Run it again to restart
# its daemons with a clean state (no jobs from an earlier start).
set -euo pipefail

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "Installing slurm-wlm and munge from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

here=$(cd "$(dirname "$0")" && pwd)
state=${SLURM_LOCAL_STATE:-/var/lib/deeplite-slurm}
"$here/stop-local-cluster.sh" # our own daemons of an earlier start, if any
host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$state"/ctld "$state"/d "$state"/log "$state"/run "$state"/munge
chmod 755 "$state"
chown munge:munge "$state"/munge
chmod 755 "$state"/munge  # clients reach the socket in it; the key inside is 0400
key=$state/munge/munge.key
[ -s "$key" ] || { dd if=/dev/urandom of="$key" bs=1 count=1024 status=none; chown munge:munge "$key"; chmod 400 "$key"; }
socket=$state/munge/munge.socket

conf=$state/slurm.conf
cat > "$conf" <<CONF
# Written by deploy/slurm/start-local-cluster.sh: one node, this machine; every file under $state.
ClusterName=deeplite-local
SlurmctldHost=$host
SlurmctldPort=6917
SlurmdPort=6918
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
# Finished jobs stay visible to scontrol for five minutes; requeue.sh replaces a task the controller forgot.
MinJobAge=300
KillWait=5
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF=$conf

runuser -u munge -- /usr/sbin/munged --key-file="$key" --socket="$socket" --pid-file="$state/munge/munged.pid" \
  --log-file="$state/munge/munged.log" --seed-file="$state/munge/munged.seed"
slurmctld -c -f "$conf"   # -c: a clean start, no jobs from an earlier one
slurmd -f "$conf"
for _ in $(seq 1 30); do
  if [[ "$(sinfo -h -o '%T' 2>/dev/null)" =~ ^(idle|mixed|allocated) ]]; then
    echo "Slurm is up: node $host, $cpus CPUs, partition debug; files under $state."
    echo "Use it with: export SLURM_CONF=$conf"
    exit 0
  fi
  sleep 1
done
echo "Slurm did not come up; see $state/log/slurmctld.log and slurmd.log" >&2
tail -n 20 "$state"/log/slurmctld.log "$state"/log/slurmd.log "$state"/munge/munged.log >&2 || true
exit 1
