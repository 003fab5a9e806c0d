"""Adapter: rule simulate_bigwigs -> deepchrome2.data.steps.simulate_bigwigs."""

from deepchrome2.data.steps import simulate_bigwigs
from deepchrome2.runner import run_step


def main(smk):
    paths = dict(zip(smk.params.marks, smk.output.bigwigs, strict=True))
    simulate_bigwigs(smk.params.sim, smk.params.window, smk.wildcards.cell, paths)


run_step(snakemake, main)
