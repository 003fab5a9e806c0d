"""rule plot_ours_vs_paper: per-cell test AUROC, ours against DeepChrome 2.0's."""

from deepchrome2.plots.paper import ours_vs_paper
from deepchrome2.runner import run_step


def main(smk):
    ours_vs_paper(
        smk.input.metrics, smk.input.reference, smk.output.pdf, smk.output.png, smk.params.order
    )


run_step(snakemake, main)
