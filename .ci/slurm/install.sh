#!/usr/bin/env bash
# Install Debian's Slurm (slurmctld, slurmd, client tools) and MUNGE. Needs root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
echo "installed: $(slurmd -V), $(munged --version 2>&1 | head -n1)"
