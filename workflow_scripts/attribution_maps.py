"""rule attribution_maps: integrated gradients of one model on a cell's test genes."""

from deepchrome2.interpret.maps import attribution_maps
from deepchrome2.runner import run_step


def main(smk):
    inp = smk.input
    attribution_maps(inp.classifier, inp.features, inp.labels, inp.split, smk.wildcards.cell,
                      smk.output[0], **smk.params)  # fmt: skip


run_step(snakemake, main)
