"""rule class_optmap: both class-optimization maps of one method for a trained classifier."""

from deepchrome2.interpret.optmap import class_optmap
from deepchrome2.runner import run_step


def main(smk):
    class_optmap(smk.input.classifier, smk.output[0], smk.wildcards.method, smk.params.seed)


run_step(snakemake, main)
