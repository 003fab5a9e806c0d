"""rules plot_*: one per-cell results figure, as PDF and PNG."""

from deepchrome2.plots.per_cell import plot_figure
from deepchrome2.runner import run_step


def main(smk):
    plot_figure(
        smk.params.name,
        smk.input.metrics,
        smk.output.pdf,
        smk.output.png,
        oracle=getattr(smk.input, "oracle", None),
        order=smk.params.order,
        metric=smk.params.metric,
    )


run_step(snakemake, main)
