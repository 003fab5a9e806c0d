"""Adapter: rule oracle_auroc -> deepchrome2.data.simulate.reference.oracle_auroc."""

from pathlib import Path

from deepchrome2.data.simulate.reference import oracle_auroc
from deepchrome2.runner import run_step


def main(smk):
    labels = dict(zip(smk.params.cells, smk.input.labels, strict=True))
    truth = Path(smk.input.activity).parent
    oracle_auroc(smk.params.sim, smk.params.window, truth, labels, smk.input.split, smk.output[0])


run_step(snakemake, main)
