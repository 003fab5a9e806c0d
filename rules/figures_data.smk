"""Data-stage figure: mark profiles around the TSS by expression class."""


rule plot_mark_profiles:
    input:
        unpack(mark_profile_inputs),
    output:
        pdf=report(
            "results/figures/mark_profiles.pdf",
            caption="../report/mark_profiles.rst",
            category="data",
        ),
        png=report(
            "results/figures/mark_profiles.png",
            caption="../report/mark_profiles.rst",
            category="data",
        ),
    log:
        "logs/plots/mark_profiles.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        cells=CELLS,
    script:
        "../workflow_scripts/plot_mark_profiles.py"
