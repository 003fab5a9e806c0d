"""Adapter: rule simulate_cohort -> deepchrome2.data.steps.simulate_cohort."""

from pathlib import Path

from deepchrome2.data.steps import simulate_cohort
from deepchrome2.runner import run_step


def main(smk):
    simulate_cohort(smk.params.sim, smk.params.window, Path(smk.output.rpkm).parent)


run_step(snakemake, main)
