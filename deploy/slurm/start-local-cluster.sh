#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (Debian's slurm-wlm and munge): the node is this host with all its
# CPUs, one partition, each task given one CPU so that several array tasks run at once. For the repository's
# Slurm test (ci-test.sh) and for trying the scripts here; a real cluster has its own configuration.
# Needs root. Idempotent: daemons already running are restarted with this configuration.
set -euo pipefail

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "Installing slurm-wlm and munge from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

state=${SLURM_LOCAL_STATE:-/var/lib/deeplite-slurm}
host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$state"/ctld "$state"/d /var/log/slurm /run/munge /etc/slurm
chown munge:munge /run/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }

cat > /etc/slurm/slurm.conf <<CONF
# Written by deploy/slurm/start-local-cluster.sh: one node, this machine.
ClusterName=deeplite-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
# Finished jobs stay visible to scontrol for five minutes (requeue.sh reads their state).
MinJobAge=300
KillWait=5
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
rm -f /etc/slurm/cgroup.conf

pkill -x slurmctld 2>/dev/null || true
pkill -x slurmd 2>/dev/null || true
pkill -x munged 2>/dev/null || true
sleep 1
runuser -u munge -- /usr/sbin/munged
slurmctld -c          # -c: a clean start, no jobs from an earlier one
slurmd
for _ in $(seq 1 30); do
  if [[ "$(sinfo -h -o '%T' 2>/dev/null)" =~ ^(idle|mixed|allocated) ]]; then
    echo "Slurm is up: node $host, $cpus CPUs, partition debug."
    exit 0
  fi
  sleep 1
done
echo "Slurm did not come up; see /var/log/slurm/slurmctld.log and slurmd.log" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
