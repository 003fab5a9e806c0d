#!/usr/bin/env bash
# Stop the daemons that start.sh started, by the PIDs it recorded (slurmd, slurmctld, munged).
set -uo pipefail
dir=${SLURM_CI_DIR:-/var/tmp/deepchrome-slurm}
pids_file=$dir/pids
if [[ ! -s $pids_file ]]; then
    echo "stop.sh: no $pids_file; nothing to stop"
    exit 0
fi
mapfile -t pids < <(tac "$pids_file")
for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
done
for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
done
rm -f "$pids_file"
echo "stopped: ${pids[*]}"
