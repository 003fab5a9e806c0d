"""What the models learned and what the input looks like: deepTools-compatible BED and
matrices, class-optimization maps, attention and attribution.

Targets, inputs and params come from INTERPRET (deepchrome2.interpret.workflow, made in
rules/common.smk); the figures are generated from the figure registry (rules/figures.smk).
"""


rule tss_windows_bed:
    input:
        "results/annotation/tss_windows.tsv",
    output:
        "results/annotation/tss_windows.bed",
    log:
        "logs/interpret/tss_windows_bed.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/tss_windows_bed.py"


rule deeptools_matrix:
    input:
        features="results/features/{cell}.npz",
        labels="results/labels/{cell}.tsv",
        windows="results/annotation/tss_windows.tsv",
    output:
        "results/deeptools/{cell}.mat.gz",
    log:
        "logs/interpret/deeptools_matrix_{cell}.log",
    benchmark:
        "benchmarks/interpret/deeptools_matrix_{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        window=config["window"],
    script:
        "../workflow_scripts/deeptools_matrix.py"


rule class_optmap:
    input:
        classifier="results/models/{arch}/{cell}/model.pt",
    output:
        "results/interpret/{arch}/{cell}/optmap_{method}.npz",
    log:
        "logs/interpret/optmap_{arch}_{cell}_{method}.log",
    benchmark:
        "benchmarks/interpret/optmap_{arch}_{cell}_{method}.tsv"
    wildcard_constraints:
        arch=INTERPRET.optmap_archs,
        method=INTERPRET.optmap_methods,
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        seed=INTERPRET.optmap["seed"],
    script:
        "../workflow_scripts/class_optmap.py"


rule attention_maps:
    input:
        unpack(INTERPRET.attention_maps_input),
    output:
        npz="results/interpret/attentivechrome/{cell}/attention.npz",
        table=report(
            "results/tables/attention_{cell}.tsv",
            caption="../report/table_attention.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
    log:
        "logs/interpret/attention_{cell}.log",
    benchmark:
        "benchmarks/interpret/attention_{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    script:
        "../workflow_scripts/attention_maps.py"


rule attribution_maps:
    input:
        classifier="results/models/{arch}/{cell}/model.pt",
        features="results/features/{cell}.npz",
        labels="results/labels/{cell}.tsv",
        split="results/splits/genes.tsv",
    output:
        "results/interpret/{arch}/{cell}/attribution.npz",
    log:
        "logs/interpret/attribution_{arch}_{cell}.log",
    benchmark:
        "benchmarks/interpret/attribution_{arch}_{cell}.tsv"
    wildcard_constraints:
        arch=INTERPRET.attribution_constraint,
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        steps=INTERPRET.section["attribution"]["steps"],
        max_genes=INTERPRET.section["attribution"]["max_genes"],
        seed=INTERPRET.section["attribution"]["seed"],
    script:
        "../workflow_scripts/attribution_maps.py"


rule attribution_table:
    input:
        unpack(INTERPRET.attribution_table_input),
    output:
        report(
            "results/tables/attribution.tsv",
            caption="../report/table_attribution.rst",
            category="Interpretation",
        ),
    log:
        "logs/interpret/attribution_table.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cells=INTERPRET.attribution_table_cells,
    script:
        "../workflow_scripts/attribution_table.py"
