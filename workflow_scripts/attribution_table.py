"""rule attribution_table: every attribution map's share per mark and its r with the truth."""

from deepchrome2.interpret.summary import attribution_table
from deepchrome2.runner import run_step


def main(smk):
    inp = smk.input
    attribution_table(list(inp.maps), smk.params.cells, inp.get("truth"), smk.output[0])


run_step(snakemake, main)
