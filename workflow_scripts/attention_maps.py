"""rule attention_maps: AttentiveChrome's attention on a cell's test genes, per class."""

from deepchrome2.interpret.maps import attention_maps
from deepchrome2.runner import run_step


def main(smk):
    inp = smk.input
    attention_maps(inp.classifier, inp.features, inp.labels, inp.split, smk.wildcards.cell,
                    smk.output.npz, smk.output.table, truth=inp.get("truth"))  # fmt: skip


run_step(snakemake, main)
