"""rule paper_comparison: our mean AUROC per setting beside DeepChrome 2.0's."""

from deepchrome2.runner import run_step
from deepchrome2.training.summary import paper_comparison


def main(smk):
    paper_comparison(
        smk.input.metrics, smk.input.reference, smk.output[0], smk.params.architectures
    )


run_step(snakemake, main)
