"""DeepChrome 2.0: gene expression from histone modifications, as a Snakemake workflow."""


report: "report/workflow.rst"


include: "rules/common.smk"


if SOURCE == "simulate":

    include: "rules/simulate.smk"


include: "rules/download.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/crosscell.smk"
include: "rules/gan.smk"
include: "rules/predictions.smk"
include: "rules/interpret.smk"
include: "rules/figures.smk"


rule all:
    default_target: True
    input:
        DATA.targets(),
        TRAINING.targets(),
        CROSSCELL.targets(),
        GAN.targets(),
        PREDICT.outputs(),
        CROSSCELL.predictions,
        INTERPRET.targets(),
