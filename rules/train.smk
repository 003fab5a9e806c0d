"""Training every architecture on every cell, then tables and figures over the results."""

from deepchrome2.training import config_check as train_config

train_config.check_architectures(config)

ARCHS = config["train"]["architectures"]


wildcard_constraints:
    arch="|".join(ARCHS),


def arch_settings(wildcards):
    """Optimization settings of one architecture (train defaults + per-arch overrides)."""
    return train_config.arch_settings(config, wildcards.arch)


def arch_hparams(wildcards):
    """Hyperparameter overrides of one architecture."""
    return train_config.arch_hparams(config, wildcards.arch)


def all_train_metrics():
    return expand("results/models/{arch}/{cell}/metrics.json", arch=ARCHS, cell=CELLS)


def all_train_histories():
    return expand("results/models/{arch}/{cell}/history.tsv", arch=ARCHS, cell=CELLS)


def has_finding1():
    """Finding 1 compares deepchrome with linear: both must be trained."""
    return "linear" in ARCHS and "deepchrome" in ARCHS


def with_oracle(wildcards):
    """Metrics of every job, plus the simulator's oracle AUROC table when simulating."""
    inputs = {"metrics": all_train_metrics()}
    if SOURCE == "simulate":
        inputs["oracle"] = "results/tables/oracle_auroc.tsv"
    return inputs


def with_histories(wildcards):
    return {"metrics": all_train_metrics(), "histories": all_train_histories()}


def oracle_only(wildcards):
    return {
        "metrics": all_train_metrics(),
        "oracle": "results/tables/oracle_auroc.tsv",
    }


def figure_names():
    names = ["auroc_by_architecture", "training_curves"]
    if has_finding1():
        names.append("linear_vs_deepchrome")
    if SOURCE == "simulate":
        names.append("auroc_vs_oracle")
    return names


def train_targets():
    """Models of every architecture x cell, the summary tables and the figures."""
    targets = all_train_metrics()
    targets += ["results/tables/per_cell_auroc.tsv", "results/tables/architectures.tsv"]
    if has_finding1():
        targets.append("results/tables/finding1_linear_vs_cnn.tsv")
    targets += expand(
        "results/figures/{name}.{ext}", name=figure_names(), ext=["pdf", "png"]
    )
    return targets


rule train:
    input:
        features="results/features/{cell}.npz",
        labels="results/labels/{cell}.tsv",
        split="results/splits/genes.tsv",
    output:
        model="results/models/{arch}/{cell}/model.pt",
        metrics="results/models/{arch}/{cell}/metrics.json",
        history="results/models/{arch}/{cell}/history.tsv",
    log:
        "logs/train/{arch}/{cell}.log",
    benchmark:
        "benchmarks/train/{arch}/{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: config["train"]["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        settings=arch_settings,
        hparams=arch_hparams,
        transform=config["train"]["transform"],
        device=config["device"],
    script:
        "../workflow_scripts/train.py"


rule training_tables:
    input:
        unpack(with_oracle),
    output:
        per_cell="results/tables/per_cell_auroc.tsv",
        architectures="results/tables/architectures.tsv",
    log:
        "logs/summarize/training_tables.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        architectures=ARCHS,
        cells=CELLS,
    script:
        "../workflow_scripts/summarize_training.py"


rule finding1:
    input:
        metrics=expand(
            "results/models/{arch}/{cell}/metrics.json",
            arch=["deepchrome", "linear"],
            cell=CELLS,
        ),
    output:
        "results/tables/finding1_linear_vs_cnn.tsv",
    log:
        "logs/summarize/finding1.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        a="deepchrome",
        b="linear",
    script:
        "../workflow_scripts/summarize_finding1.py"


rule plot_auroc_by_architecture:
    input:
        metrics=all_train_metrics(),
    output:
        pdf=report(
            "results/figures/auroc_by_architecture.pdf",
            caption="../report/auroc_by_architecture.rst",
            category="per-cell",
        ),
        png=report(
            "results/figures/auroc_by_architecture.png",
            caption="../report/auroc_by_architecture.rst",
            category="per-cell",
        ),
    log:
        "logs/plots/auroc_by_architecture.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="auroc_by_architecture",
        order=ARCHS,
    script:
        "../workflow_scripts/plot_per_cell.py"


rule plot_linear_vs_deepchrome:
    input:
        metrics=expand(
            "results/models/{arch}/{cell}/metrics.json",
            arch=["linear", "deepchrome"],
            cell=CELLS,
        ),
    output:
        pdf=report(
            "results/figures/linear_vs_deepchrome.pdf",
            caption="../report/linear_vs_deepchrome.rst",
            category="per-cell",
        ),
        png=report(
            "results/figures/linear_vs_deepchrome.png",
            caption="../report/linear_vs_deepchrome.rst",
            category="per-cell",
        ),
    log:
        "logs/plots/linear_vs_deepchrome.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="linear_vs_deepchrome",
        order=["linear", "deepchrome"],
    script:
        "../workflow_scripts/plot_per_cell.py"


rule plot_training_curves:
    input:
        unpack(with_histories),
    output:
        pdf=report(
            "results/figures/training_curves.pdf",
            caption="../report/training_curves.rst",
            category="per-cell",
        ),
        png=report(
            "results/figures/training_curves.png",
            caption="../report/training_curves.rst",
            category="per-cell",
        ),
    log:
        "logs/plots/training_curves.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="training_curves",
        order=ARCHS,
    script:
        "../workflow_scripts/plot_per_cell.py"


rule plot_auroc_vs_oracle:
    input:
        unpack(oracle_only),
    output:
        pdf=report(
            "results/figures/auroc_vs_oracle.pdf",
            caption="../report/auroc_vs_oracle.rst",
            category="per-cell",
        ),
        png=report(
            "results/figures/auroc_vs_oracle.png",
            caption="../report/auroc_vs_oracle.rst",
            category="per-cell",
        ),
    log:
        "logs/plots/auroc_vs_oracle.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="auroc_vs_oracle",
        order=ARCHS,
    script:
        "../workflow_scripts/plot_per_cell.py"
