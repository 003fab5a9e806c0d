"""Adapter: rule tss_windows -> deepchrome2.data.steps.make_tss_windows."""

from deepchrome2.data.steps import make_tss_windows
from deepchrome2.runner import run_step


def main(smk):
    make_tss_windows(
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
