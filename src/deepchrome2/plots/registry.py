"""The figure registry: every figure of the workflow, one entry each.

An entry names the stage whose planning object supplies the figure's inputs, parameters and
wildcard values, the function that draws it, and when it is drawn. rules/figures.smk generates
one rule ``plot_<name>`` per entry, and each stage's targets list the entries of that stage, so
adding a figure is one module with a ``draw_*`` function plus one line here (a caption file
``report/<name>.rst`` is optional: without one, the draw function's docstring is the caption).

This module imports no plotting code: ``draw`` is ``"module:function"`` under
deepchrome2.plots, imported only by the job that draws the figure.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

PathLike = str | os.PathLike[str]
FORMATS = ("pdf", "png")
OUTDIR = "results/figures"
# the report category of each stage's figures
CATEGORIES = {
    "data": "data",
    "training": "per-cell",
    "crosscell": "cross-cell",
    "gan": "GAN",
    "interpret": "Interpretation",
}


@dataclass(frozen=True)
class FigureJob:
    """What a draw function gets: the rule's inputs, its parameters and wildcards, and the
    PDF and PNG paths to write."""

    input: Mapping[str, Any]
    params: Mapping[str, Any]
    wildcards: Mapping[str, str]
    pdf: PathLike
    png: PathLike


@dataclass(frozen=True)
class Figure:
    """One figure: drawn by ``draw`` from the inputs the stage plan's ``inputs`` method gives."""

    stage: str  # a key of CATEGORIES: the planning object that serves the figure
    draw: str  # "module:function" in deepchrome2.plots; the function takes a FigureJob
    inputs: str  # the stage plan's method: wildcards -> {input name: path or paths}
    file: str = ""  # file name stem under results/figures; default the figure's name.
    # It may hold {metric} (the target's metric) and the stage's wildcards ({arch}, {cell}...).
    when: str = ""  # the stage plan's bool attribute that turns the figure on; "" = always
    subcategory: str = ""  # the report subcategory, e.g. "{cell}"
    mem_mb: int = 1000

    def draw_function(self) -> Callable[[FigureJob], None]:
        """The draw function, imported."""
        module, _, function = self.draw.partition(":")
        return getattr(importlib.import_module(f"deepchrome2.plots.{module}"), function)


# name -> figure; rule plot_<name> draws it. Stage by stage, in the order of the workflow.
FIGURES: dict[str, Figure] = {
    "mark_profiles": Figure("data", "data:draw_mark_profiles", "mark_profile_inputs", mem_mb=2000),
    "auroc_by_architecture": Figure("training", "per_cell:draw_auroc_by_architecture",
                                    "metrics_input", file="{metric}_by_architecture"),
    "training_curves": Figure("training", "per_cell:draw_training_curves", "curves_input"),
    "linear_vs_deepchrome": Figure("training", "per_cell:draw_linear_vs_deepchrome",
                                   "pair_input", when="has_finding1"),
    "auroc_vs_oracle": Figure("training", "per_cell:draw_auroc_vs_oracle", "oracle_input",
                              file="{metric}_vs_oracle", when="simulated"),
    "ours_vs_paper": Figure("training", "paper:draw_ours_vs_paper", "paper_input",
                            when="has_paper"),
    "roc": Figure("training", "predictions:draw_roc", "roc_input", file="roc_{cell}",
                  when="class_target"),
    "crosscell_heatmap": Figure("crosscell", "crosscell:draw_crosscell_heatmap",
                                "matrix_input", file="crosscell_heatmap_{arch}"),
    "crosscell_experiments": Figure("crosscell", "crosscell:draw_crosscell_experiments",
                                    "experiments_input"),
    "crosscell_within_vs_exclusive": Figure("crosscell",
                                            "crosscell:draw_crosscell_within_vs_exclusive",
                                            "experiments_input", when="has_finding3"),
    "gan_samples": Figure("gan", "gan:draw_gan_samples", "data_input", file="gan_samples_{gset}",
                          subcategory="{gset}", mem_mb=2000),
    "gan_profiles": Figure("gan", "gan:draw_gan_profiles", "data_input",
                           file="gan_profiles_{gset}", subcategory="{gset}", mem_mb=2000),
    "gan_marks": Figure("gan", "gan:draw_gan_marks", "data_input", file="gan_marks_{gset}",
                        subcategory="{gset}", mem_mb=2000),
    "gan_optmap": Figure("gan", "gan:draw_gan_optmap", "optmap_input", file="gan_optmap_{gset}",
                         subcategory="{gset}", mem_mb=2000),
    "gan_loss": Figure("gan", "gan:draw_gan_loss", "history_input", file="gan_loss_{gset}",
                       subcategory="{gset}"),
    "signal_heatmap": Figure("interpret", "interpret:draw_signal_heatmap", "matrix_input",
                             file="signal_heatmap_{cell}", when="heatmap",
                             subcategory="{cell}", mem_mb=3000),
    "optmap": Figure("interpret", "interpret:draw_optmap", "optmap_input",
                     file="optmap_{arch}_{cell}", when="class_maps", subcategory="{cell}",
                     mem_mb=2000),
    "attention": Figure("interpret", "interpret:draw_attention", "attention_input",
                        file="attention_{cell}", when="attention", subcategory="{cell}",
                        mem_mb=2000),
    "attribution": Figure("interpret", "interpret:draw_attribution", "attribution_input",
                          file="attribution_{cell}", when="attribution", subcategory="{cell}",
                          mem_mb=2000),
}  # fmt: skip


def stem(name: str, plan: Any) -> str:
    """The file name stem of figure ``name``, with the plan's metric filled in."""
    pattern = FIGURES[name].file or name
    return pattern.replace("{metric}", str(getattr(plan, "metric", "")))


def of_stage(stage: str) -> list[str]:
    """The names of the figures of ``stage``, in registry order."""
    return [name for name, fig in FIGURES.items() if fig.stage == stage]


def drawn(name: str, plan: Any) -> bool:
    """Whether the plan's config asks for figure ``name``."""
    when = FIGURES[name].when
    return not when or bool(getattr(plan, when))


def targets(stage: str, plan: Any) -> list[str]:
    """The PDF and PNG of every figure of ``stage`` that the plan draws, for each value of the
    plan's ``figure_wildcards`` (e.g. {"arch": [...]}) that the file name uses."""
    if not plan.enabled:
        return []
    values: Mapping[str, Sequence[str]] = plan.figure_wildcards
    out = []
    for name in of_stage(stage):
        if not drawn(name, plan):
            continue
        pattern = stem(name, plan)
        keys = [k for k in values if "{" + k + "}" in pattern]
        for combo in product(*(values[k] for k in keys)):
            path = pattern.format(**dict(zip(keys, combo, strict=True)))
            out += [f"{OUTDIR}/{path}.{ext}" for ext in FORMATS]
    return out


@dataclass(frozen=True)
class FigureRule:
    """What rules/figures.smk needs to write rule ``plot_<name>``."""

    name: str
    pdf: str
    png: str
    log: str
    caption: str  # path of the caption file, relative to the rules folder
    text: str  # the caption's text when no caption file exists (report/figure.rst shows it)
    category: str
    subcategory: str | None
    mem_mb: int
    inputs: Callable[[Any], dict[str, Any]]
    params: Callable[[Any], dict[str, Any]]
    constraints: dict[str, str]

    @property
    def rule(self) -> str:
        return f"plot_{self.name}"


def rules(plans: Mapping[str, Any], root: PathLike) -> list[FigureRule]:
    """One FigureRule per registry entry; ``plans`` maps each stage to its planning object,
    ``root`` is the workflow's folder (it holds report/)."""
    out = []
    for name, fig in FIGURES.items():
        if fig.stage not in plans:
            raise ValueError(
                f"figure {name}: unknown stage {fig.stage!r}; valid: {', '.join(plans)}"
            )
        plan = plans[fig.stage]
        for attr in filter(None, (fig.inputs, fig.when)):
            if not hasattr(plan, attr):
                raise ValueError(f"figure {name}: the {fig.stage} plan has no {attr!r}")
        path = f"{OUTDIR}/{stem(name, plan)}"
        caption = Path(root) / "report" / f"{name}.rst"
        has_caption = caption.exists()
        out.append(
            FigureRule(
                name=name,
                pdf=f"{path}.pdf",
                png=f"{path}.png",
                log=f"logs/plots/{stem(name, plan)}.log",
                caption=f"../report/{caption.name if has_caption else 'figure.rst'}",
                text="" if has_caption else _docstring(fig),
                category=CATEGORIES[fig.stage],
                subcategory=fig.subcategory or None,
                mem_mb=fig.mem_mb,
                inputs=getattr(plan, fig.inputs),
                params=plan.figure_params,
                constraints=dict(plan.figure_constraints),
            )
        )
    return out


def _docstring(fig: Figure) -> str:
    doc = fig.draw_function().__doc__ or ""
    return " ".join(doc.split())


def plot_figure(name: str, job: FigureJob) -> None:
    """Draw figure ``name``."""
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; valid: {', '.join(FIGURES)}")
    FIGURES[name].draw_function()(job)
