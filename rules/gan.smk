"""Conditional GAN of histone signal per expression class: training, samples, quality, figures."""


rule train_gan:
    input:
        features=gan_features,
        labels=gan_labels,
        split="results/splits/genes.tsv",
    output:
        checkpoint="results/gan/{gset}/gan.pt",
        history="results/gan/{gset}/history.tsv",
    log:
        "logs/gan/train_{gset}.log",
    benchmark:
        "benchmarks/gan/train_{gset}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: GAN["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        gan=GAN,
        device=config["device"],
    script:
        "../workflow_scripts/train_gan.py"


rule generate_gan:
    input:
        checkpoint="results/gan/{gset}/gan.pt",
    output:
        "results/gan/{gset}/generated.npz",
    log:
        "logs/gan/generate_{gset}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_per_class=GAN["n_generated"],
        seed=GAN["seed"],
    script:
        "../workflow_scripts/generate_gan.py"


rule gan_optimize_map:
    input:
        classifier=f"results/models/{GAN_CLASSIFIER}/{{cell}}/model.pt",
    output:
        "results/gan/{cell}/optmap.npz",
    log:
        "logs/gan/optmap_{cell}.log",
    benchmark:
        "benchmarks/gan/optmap_{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        l2=GAN["optimize"]["l2"],
        steps=GAN["optimize"]["steps"],
        lr=GAN["optimize"]["lr"],
        seed=GAN["seed"],
    script:
        "../workflow_scripts/optimize_map.py"


rule gan_quality_set:
    input:
        unpack(gan_quality_inputs),
    output:
        "results/gan/{gset}/quality.tsv",
    log:
        "logs/gan/quality_{gset}.log",
    benchmark:
        "benchmarks/gan/quality_{gset}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        cells=gan_cells_param,
        min_genes_per_class=GAN["min_genes_per_class"],
    script:
        "../workflow_scripts/gan_quality.py"


rule gan_quality:
    input:
        expand("results/gan/{gset}/quality.tsv", gset=gan_sets()),
    output:
        report(
            "results/tables/gan_quality.tsv",
            caption="../report/table_gan_quality.rst",
            category="GAN",
        ),
    log:
        "logs/gan/quality_table.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/gan_quality_table.py"


rule plot_gan_samples:
    input:
        unpack(gan_data),
    output:
        pdf=report(
            "results/figures/gan_samples_{gset}.pdf",
            caption="../report/gan_samples.rst",
            category="GAN",
            subcategory="{gset}",
        ),
        png=report(
            "results/figures/gan_samples_{gset}.png",
            caption="../report/gan_samples.rst",
            category="GAN",
            subcategory="{gset}",
        ),
    log:
        "logs/gan/plot_samples_{gset}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        name="samples",
        cells=gan_cells_param,
    script:
        "../workflow_scripts/plot_gan.py"


rule plot_gan_profiles:
    input:
        unpack(gan_data),
    output:
        pdf=report(
            "results/figures/gan_profiles_{gset}.pdf",
            caption="../report/gan_profiles.rst",
            category="GAN",
            subcategory="{gset}",
        ),
        png=report(
            "results/figures/gan_profiles_{gset}.png",
            caption="../report/gan_profiles.rst",
            category="GAN",
            subcategory="{gset}",
        ),
    log:
        "logs/gan/plot_profiles_{gset}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        name="profiles",
        cells=gan_cells_param,
    script:
        "../workflow_scripts/plot_gan.py"


rule plot_gan_marks:
    input:
        unpack(gan_data),
    output:
        pdf=report(
            "results/figures/gan_marks_{gset}.pdf",
            caption="../report/gan_marks.rst",
            category="GAN",
            subcategory="{gset}",
        ),
        png=report(
            "results/figures/gan_marks_{gset}.png",
            caption="../report/gan_marks.rst",
            category="GAN",
            subcategory="{gset}",
        ),
    log:
        "logs/gan/plot_marks_{gset}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        name="marks",
        cells=gan_cells_param,
    script:
        "../workflow_scripts/plot_gan.py"


rule plot_gan_optmap:
    input:
        unpack(gan_optmap_inputs),
    output:
        pdf=report(
            "results/figures/gan_optmap_{gset}.pdf",
            caption="../report/gan_optmap.rst",
            category="GAN",
            subcategory="{gset}",
        ),
        png=report(
            "results/figures/gan_optmap_{gset}.png",
            caption="../report/gan_optmap.rst",
            category="GAN",
            subcategory="{gset}",
        ),
    log:
        "logs/gan/plot_optmap_{gset}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        name="optmap",
        cells=gan_cells_param,
    script:
        "../workflow_scripts/plot_gan.py"


rule plot_gan_loss:
    input:
        history="results/gan/{gset}/history.tsv",
    output:
        pdf=report(
            "results/figures/gan_loss_{gset}.pdf",
            caption="../report/gan_loss.rst",
            category="GAN",
            subcategory="{gset}",
        ),
        png=report(
            "results/figures/gan_loss_{gset}.png",
            caption="../report/gan_loss.rst",
            category="GAN",
            subcategory="{gset}",
        ),
    log:
        "logs/gan/plot_loss_{gset}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="loss",
        cells=gan_cells_param,
    script:
        "../workflow_scripts/plot_gan.py"
