"""What the models learned and what the input looks like: deepTools-compatible BED and
matrices, the per-cell signal heatmap, class-optimization maps, attention and attribution.
"""


include: "interpret_common.smk"


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


rule plot_signal_heatmap:
    input:
        "results/deeptools/{cell}.mat.gz",
    output:
        pdf=report(
            "results/figures/signal_heatmap_{cell}.pdf",
            caption="../report/signal_heatmap.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
        png=report(
            "results/figures/signal_heatmap_{cell}.png",
            caption="../report/signal_heatmap.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
    log:
        "logs/interpret/signal_heatmap_{cell}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    script:
        "../workflow_scripts/plot_signal_heatmap.py"


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
        arch=OPTMAP_ARCHS,
        method=OPTMAP_METHODS,
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        seed=OPTMAP["seed"],
    script:
        "../workflow_scripts/class_optmap.py"


rule plot_optmap:
    input:
        optmap_files,
    output:
        pdf=report(
            "results/figures/optmap_{arch}_{cell}.pdf",
            caption="../report/optmap.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
        png=report(
            "results/figures/optmap_{arch}_{cell}.png",
            caption="../report/optmap.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
    log:
        "logs/interpret/plot_optmap_{arch}_{cell}.log",
    wildcard_constraints:
        arch=OPTMAP_ARCHS,
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        methods=OPTMAP["methods"],
    script:
        "../workflow_scripts/plot_optmap.py"


rule attention_maps:
    input:
        unpack(attention_inputs),
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


rule plot_attention:
    input:
        "results/interpret/attentivechrome/{cell}/attention.npz",
    output:
        pdf=report(
            "results/figures/attention_{cell}.pdf",
            caption="../report/attention.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
        png=report(
            "results/figures/attention_{cell}.png",
            caption="../report/attention.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
    log:
        "logs/interpret/plot_attention_{cell}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/plot_attention.py"


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
        arch="|".join(ATTRIBUTION_ARCHS) or "none",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        steps=ATTRIBUTION["steps"],
        max_genes=ATTRIBUTION["max_genes"],
        seed=ATTRIBUTION["seed"],
    script:
        "../workflow_scripts/attribution_maps.py"


rule attribution_table:
    input:
        unpack(attribution_table_inputs),
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
        cells=attribution_table_cells,
    script:
        "../workflow_scripts/attribution_table.py"


rule plot_attribution:
    input:
        attribution_maps,
    output:
        pdf=report(
            "results/figures/attribution_{cell}.pdf",
            caption="../report/attribution.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
        png=report(
            "results/figures/attribution_{cell}.png",
            caption="../report/attribution.rst",
            category="Interpretation",
            subcategory="{cell}",
        ),
    log:
        "logs/interpret/plot_attribution_{cell}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/plot_attribution.py"
