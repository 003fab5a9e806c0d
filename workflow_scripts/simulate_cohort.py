"""Adapter: rule simulate_cohort -> deepchrome2.data.steps.simulate_cohort."""

from deepchrome2.data.steps import simulate_cohort
from deepchrome2.runner import run_step


def main(smk):
    simulate_cohort(smk.params.sim, smk.params.window, smk.params.outdir)


run_step(snakemake, main)
