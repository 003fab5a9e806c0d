"""rule prediction_agreement: per-gene agreement between architectures on each cell."""

from deepchrome2.predict.agreement import prediction_agreement
from deepchrome2.runner import run_step


def main(smk):
    prediction_agreement(smk.input, smk.params.architectures, smk.params.cells, smk.output[0])


run_step(snakemake, main)
