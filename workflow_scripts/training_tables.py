"""rule training_tables: per-cell AUROC and per-architecture summary tables."""

from deepchrome2.runner import run_step
from deepchrome2.training.summary import training_tables


def main(smk):
    training_tables(
        smk.input.metrics,
        smk.output.per_cell,
        smk.output.architectures,
        oracle=getattr(smk.input, "oracle", None),
        reference=smk.input.reference,
        **smk.params,
    )


run_step(snakemake, main)
