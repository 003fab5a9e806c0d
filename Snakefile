"""DeepChrome 2.0: gene expression from histone modifications, as a Snakemake workflow."""


include: "rules/common.smk"
include: "rules/simulate.smk"
include: "rules/download.smk"
include: "rules/data.smk"
include: "rules/train.smk"


rule all:
    default_target: True
    input:
        data_targets(),
        train_targets(),
