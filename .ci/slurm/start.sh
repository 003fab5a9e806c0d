#!/usr/bin/env bash
# Start a one-node Slurm cluster on localhost: munged, slurmctld and slurmd.
#
# Writes /etc/slurm/slurm.conf (refusing to overwrite one this script did not write), with the
# node line from `slurmd -C`, proctrack/linuxproc, task/none, no cgroups and no accounting
# database. MinJobAge=3600 keeps finished jobs visible to squeue/scontrol for an hour (the
# profile's squeue status check needs at least 120 s; the Slurm test reads the records).
# Daemon PIDs go to $SLURM_CI_DIR/pids for stop.sh. Waits until the node is idle.
# Needs root and the packages from install.sh.
#
# Environment:
#   SLURM_CI_DIR       state, spool and log folder (default /var/tmp/deepchrome-slurm)
#   SLURM_CI_GPU       1 (default): the node declares one placeholder GPU GRES backed by
#                      /dev/null, so that jobs the profile sends with `sbatch --gpus=1` (the
#                      `gpu` resource of the training rules) can be scheduled on a machine
#                      without a GPU; such a job finds no CUDA device and runs on the CPU
#                      (device: auto). 0: declare no GPU.
#   SLURM_CI_WAIT      seconds to wait for the node to become idle (default 60)
set -euo pipefail

start_ns=$(date +%s%N)
dir=${SLURM_CI_DIR:-/var/tmp/deepchrome-slurm}
gpu=${SLURM_CI_GPU:-1}
wait_s=${SLURM_CI_WAIT:-60}
conf=/etc/slurm/slurm.conf
marker="# Written by deepchrome2 .ci/slurm/start.sh"

if [[ $(id -u) -ne 0 ]]; then
    echo "start.sh: must run as root" >&2
    exit 1
fi
if [[ -f $conf ]] && ! grep -qF "$marker" "$conf"; then
    echo "start.sh: $conf exists and was not written by this script; not touching it" >&2
    exit 1
fi
if [[ -s $dir/pids ]]; then
    echo "start.sh: $dir/pids exists; run .ci/slurm/stop.sh first" >&2
    exit 1
fi

mkdir -p "$dir"/{state,spool,log} /etc/slurm /run/munge
: >"$dir/pids"
# If anything below fails, stop the daemons this script started (and only those).
up=0
trap '[[ $up == 1 ]] || SLURM_CI_DIR=$dir "$(dirname "$0")/stop.sh" >&2' EXIT

# --- MUNGE (authentication between the Slurm daemons and clients) ---
if [[ ! -s /etc/munge/munge.key ]]; then
    mungekey --create --keyfile /etc/munge/munge.key
fi
chown -R munge:munge /etc/munge /run/munge
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
mkdir -p /var/log/munge /var/lib/munge
chown munge:munge /var/log/munge /var/lib/munge
runuser -u munge -- /usr/sbin/munged
cat /run/munge/munged.pid >>"$dir/pids"
munge -n | unmunge >/dev/null

# --- slurm.conf: one node, described by slurmd -C ---
host=$(hostname -s)
node_line=$(slurmd -C | head -n1)
gres_node=""
gres_types=""
if [[ $gpu == 1 ]]; then
    # Slurm 22.05's gres/gpu plugin needs a device file; /dev/null stands in for it.
    gres_node=" Gres=gpu:1"
    gres_types="GresTypes=gpu"
    printf '%s\nNodeName=%s Name=gpu File=/dev/null\n' "$marker" "$host" >/etc/slurm/gres.conf
else
    rm -f /etc/slurm/gres.conf
fi
cat >"$conf" <<CONF
$marker
ClusterName=deepchrome-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$gres_types
$node_line NodeAddr=127.0.0.1$gres_node State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# --- daemons ---
slurmctld -i
for _ in $(seq 50); do [[ -s $dir/slurmctld.pid ]] && break; sleep 0.1; done
cat "$dir/slurmctld.pid" >>"$dir/pids"
slurmd
for _ in $(seq 50); do [[ -s $dir/slurmd.pid ]] && break; sleep 0.1; done
cat "$dir/slurmd.pid" >>"$dir/pids"

# --- wait until the node accepts jobs ---
deadline=$((SECONDS + wait_s))
state=""
while ((SECONDS < deadline)); do
    state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 0.5
done
if [[ $state != idle ]]; then
    echo "start.sh: node $host not idle after ${wait_s}s (state: '${state:-none}')" >&2
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    exit 1
fi
up=1
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
echo "slurm up: node $host idle, daemons $(tr '\n' ' ' <"$dir/pids")(${elapsed_ms} ms)"
