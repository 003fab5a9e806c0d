"""rule predict_new_cell: one trained model on one cell without expression data."""

from deepchrome2.predict.apply import predict_new_cell
from deepchrome2.runner import run_step


def main(smk):
    predict_new_cell(
        smk.input.model,
        smk.input.features,
        smk.input.split,
        smk.output[0],
        smk.params.device,
        smk.params.track,
    )


run_step(snakemake, main)
