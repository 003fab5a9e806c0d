"""What the models learned and what the input looks like: deepTools-compatible matrices, the
per-cell signal heatmap and class-optimization maps."""

from deepchrome2.interpret.config_check import (
    check_interpret_config,
    torch_architectures,
)

INTERPRET = config["interpret"]
INTERPRET_CELLS = check_interpret_config(config, CELLS)
OPTMAP = INTERPRET["optmap"]
# deepTools outputs need genomic windows, which a DeepChrome CSV archive does not have
HAS_WINDOWS = SOURCE != "deepchrome_csv"
ATTENTION = (
    INTERPRET["attention"] and "attentivechrome" in config["train"]["architectures"]
)
ATTRIBUTION = INTERPRET["attribution"]
ATTRIBUTION_ARCHS = torch_architectures(config, ATTRIBUTION["architectures"])
OPTMAP_METHODS = "|".join(OPTMAP["methods"])
OPTMAP_ARCHS = "|".join(OPTMAP["architectures"])


def interpret_targets():
    """The BED, matrices and heatmaps (when windows exist) and the optimization-map figures."""
    targets = []
    if HAS_WINDOWS:
        targets.append("results/annotation/tss_windows.bed")
        targets += expand("results/deeptools/{cell}.mat.gz", cell=INTERPRET_CELLS)
        if INTERPRET["heatmap"]:
            targets += expand(
                "results/figures/signal_heatmap_{cell}.{ext}",
                cell=INTERPRET_CELLS,
                ext=["pdf", "png"],
            )
    targets += expand(
        "results/figures/optmap_{arch}_{cell}.{ext}",
        arch=OPTMAP["architectures"],
        cell=INTERPRET_CELLS,
        ext=["pdf", "png"],
    )
    if ATTENTION:
        targets += expand(
            "results/figures/attention_{cell}.{ext}",
            cell=INTERPRET_CELLS,
            ext=["pdf", "png"],
        )
        targets += expand("results/tables/attention_{cell}.tsv", cell=INTERPRET_CELLS)
    if ATTRIBUTION_ARCHS:
        targets += expand(
            "results/figures/attribution_{cell}.{ext}",
            cell=INTERPRET_CELLS,
            ext=["pdf", "png"],
        )
        targets.append("results/tables/attribution.tsv")
    return targets


def interpret_truth():
    """The simulator's class profiles, when the cohort is simulated."""
    if SOURCE == "simulate":
        return {"truth": f"{SIM_DIR}/truth/class_profiles.npz"}
    return {}


def attention_inputs(wildcards):
    return {
        "classifier": f"results/models/attentivechrome/{wildcards.cell}/model.pt",
        "features": f"results/features/{wildcards.cell}.npz",
        "labels": f"results/labels/{wildcards.cell}.tsv",
        "split": "results/splits/genes.tsv",
        **interpret_truth(),
    }


def attribution_maps(wildcards):
    return expand(
        "results/interpret/{arch}/{cell}/attribution.npz",
        arch=ATTRIBUTION_ARCHS,
        cell=wildcards.cell,
    )


def attribution_table_inputs(wildcards):
    maps = expand(
        "results/interpret/{arch}/{cell}/attribution.npz",
        cell=INTERPRET_CELLS,
        arch=ATTRIBUTION_ARCHS,
    )
    return {"maps": maps, **interpret_truth()}


def attribution_table_cells(wildcards):
    return [c for c in INTERPRET_CELLS for _ in ATTRIBUTION_ARCHS]


def optmap_files(wildcards):
    return expand(
        "results/interpret/{arch}/{cell}/optmap_{method}.npz",
        arch=wildcards.arch,
        cell=wildcards.cell,
        method=OPTMAP["methods"],
    )


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
