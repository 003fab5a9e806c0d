"""Data stage: TSS windows, binned features, labels and the shared gene split."""

if SOURCE == "deepchrome_csv":

    rule import_deepchrome_csv:
        input:
            DATA.archive_csvs,
        output:
            features="results/features/{cell}.npz",
            labels="results/labels/{cell}.tsv",
        log:
            "logs/import_deepchrome_csv/{cell}.log",
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=2000,
        params:
            root=config["deepchrome_csv"]["root"],
            marks=MARKS,
            window=config["window"],
        script:
            "../workflow_scripts/import_deepchrome_csv.py"

    rule import_deepchrome_split:
        input:
            DATA.all_archive_csvs(),
        output:
            "results/splits/genes.tsv",
        log:
            "logs/import_deepchrome_split.log",
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=1000,
        params:
            cells=CELLS,
        script:
            "../workflow_scripts/import_deepchrome_split.py"

else:

    rule tss_windows:
        input:
            gtf=DATA.gtf_path(),
            rpkm=DATA.rpkm_path(),
            bigwigs=DATA.all_bigwigs(),
        output:
            "results/annotation/tss_windows.tsv",
        log:
            "logs/tss_windows.log",
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=2000,
        params:
            cells=CELLS,
            gene_types=config["gene_types"],
            window=config["window"],
            gene_id=DATA.gene_id_column,
        script:
            "../workflow_scripts/tss_windows.py"

    rule bin_signals:
        input:
            windows="results/annotation/tss_windows.tsv",
            bigwigs=DATA.cell_bigwigs,
        output:
            "results/features/{cell}.npz",
        log:
            "logs/bin_signals/{cell}.log",
        benchmark:
            "benchmarks/bin_signals/{cell}.tsv"
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            marks=MARKS,
            window=config["window"],
        script:
            "../workflow_scripts/bin_signals.py"

    rule labels:
        input:
            rpkm=DATA.rpkm_path(),
            windows="results/annotation/tss_windows.tsv",
        output:
            "results/labels/{cell}.tsv",
        log:
            "logs/labels/{cell}.log",
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=1000,
        params:
            gene_id=DATA.gene_id_column,
        script:
            "../workflow_scripts/labels.py"

    rule split_genes:
        input:
            windows="results/annotation/tss_windows.tsv",
        output:
            "results/splits/genes.tsv",
        log:
            "logs/split_genes.log",
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=1000,
        params:
            proportions=config["split"]["proportions"],
            seed=config["split"]["seed"],
        script:
            "../workflow_scripts/split_genes.py"


rule export_deepchrome_csv:
    input:
        features="results/features/{cell}.npz",
        labels="results/labels/{cell}.tsv",
        split="results/splits/genes.tsv",
    output:
        expand(
            "results/deepchrome_csv/{{cell}}/classification/{split}.csv",
            split=SPLITS,
        ),
    log:
        "logs/export_deepchrome_csv/{cell}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../workflow_scripts/export_deepchrome_csv.py"
