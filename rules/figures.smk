"""Every figure, one rule each, generated from the figure registry (deepchrome2.plots.registry).

Rule plot_<name> draws figure <name> as PDF and PNG with the inputs, params and wildcard values
of its stage's planning object (PLANS, made in rules/common.smk). A figure without a caption
file report/<name>.rst gets its draw function's docstring as caption (report/figure.rst).
"""

from deepchrome2.plots import registry as figure_registry

for fig in figure_registry.rules(PLANS, workflow.basedir):

    rule:
        name:
            fig.rule
        input:
            unpack(fig.inputs),
        output:
            pdf=report(
                fig.pdf,
                caption=fig.caption,
                category=fig.category,
                subcategory=fig.subcategory,
            ),
            png=report(
                fig.png,
                caption=fig.caption,
                category=fig.category,
                subcategory=fig.subcategory,
            ),
        log:
            fig.log,
        wildcard_constraints:
            **fig.constraints,
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=fig.mem_mb,
            runtime=10,
        params:
            figure=fig.name,
            settings=fig.params,
            caption=fig.text,
        script:
            "../workflow_scripts/plot_figure.py"
