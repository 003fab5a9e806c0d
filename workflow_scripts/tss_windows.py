"""Adapter: rule tss_windows -> deepchrome2.data.steps.tss_windows."""

from deepchrome2.data.steps import tss_windows
from deepchrome2.runner import run_step


def main(smk):
    tss_windows(
        smk.input.gtf,
        smk.input.rpkm,
        list(smk.input.bigwigs),
        smk.params.cells,
        smk.params.gene_types,
        smk.params.window,
        smk.output[0],
        gene_id=smk.params.gene_id,
    )


run_step(snakemake, main)
