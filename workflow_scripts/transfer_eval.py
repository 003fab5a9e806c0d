"""rule transfer_eval: one per-cell model on every cell's test genes (one row per test cell)."""

from deepchrome2.crosscell.evaluate import transfer_eval
from deepchrome2.runner import run_step


def main(smk):
    transfer_eval(
        smk.input.model,
        smk.output[0],
        smk.wildcards.cell,
        smk.params.cells,
        smk.input.caches,
        smk.input.features,
        smk.input.labels,
        smk.input.split,
        device=smk.params.device,
    )


run_step(snakemake, main)
