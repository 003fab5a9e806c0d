"""Planning of the GAN stage: targets and input/params functions of rules/gan.smk."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from deepchrome2.plots import registry as figures

GAN_DIR = "results/gan/{gset}"


@dataclass
class GanPlan:
    """One GAN per configured cell (or one pooled over them), its classifier and its inputs."""

    config: Mapping[str, Any]

    @property
    def section(self) -> Mapping[str, Any]:
        return self.config["gan"]

    @property
    def cells(self) -> list[str]:
        return list(self.section["cells"])

    @property
    def classifier(self) -> str:
        return str(self.section["classifier"])

    @property
    def enabled(self) -> bool:
        """On unless ``gan.cells`` is empty; and the GAN's fidelity and optimization maps need
        a class model."""
        return bool(self.cells) and self.config.get("target", "class") == "class"

    @property
    def simulated(self) -> bool:
        return self.config["source"] == "simulate"

    def sets(self) -> list[str]:
        """One GAN per configured cell, or one pooled over them."""
        return ["pooled"] if self.section["pooled"] else self.cells

    def cells_of(self, wildcards: Any) -> list[str]:
        """params: the cells of one GAN."""
        return self.cells if wildcards.gset == "pooled" else [wildcards.gset]

    def features(self, wildcards: Any) -> list[str]:
        return [f"results/features/{c}.npz" for c in self.cells_of(wildcards)]

    def labels(self, wildcards: Any) -> list[str]:
        return [f"results/labels/{c}.tsv" for c in self.cells_of(wildcards)]

    def classifiers(self, wildcards: Any) -> list[str]:
        arch = self.classifier
        return [f"results/models/{arch}/{c}/model.pt" for c in self.cells_of(wildcards)]

    def classifier_model(self) -> str:
        """The classifier of one cell (wildcard {cell}), whose optimization map the GAN's
        class means are compared with."""
        return f"results/models/{self.classifier}/{{cell}}/model.pt"

    def data_input(self, wildcards: Any) -> dict[str, Any]:
        """Checkpoint, samples and the real genes of a GAN's cells (plus truth when simulating)."""
        gan = GAN_DIR.format(gset=wildcards.gset)
        inputs: dict[str, Any] = {
            "checkpoint": f"{gan}/gan.pt",
            "generated": f"{gan}/generated.npz",
            "features": self.features(wildcards),
            "labels": self.labels(wildcards),
            "split": "results/splits/genes.tsv",
        }
        if self.simulated:
            inputs["truth"] = f"{self.config['simulate']['outdir']}/truth/class_profiles.npz"
        return inputs

    def quality_input(self, wildcards: Any) -> dict[str, Any]:
        return {**self.data_input(wildcards), "classifiers": self.classifiers(wildcards)}

    def optmap_input(self, wildcards: Any) -> dict[str, Any]:
        gan = GAN_DIR.format(gset=wildcards.gset)
        return {
            "checkpoint": f"{gan}/gan.pt",
            "generated": f"{gan}/generated.npz",
            "optmaps": [f"results/gan/{c}/optmap.npz" for c in self.cells_of(wildcards)],
        }

    def history_input(self, wildcards: Any) -> dict[str, str]:
        return {"history": f"{GAN_DIR.format(gset=wildcards.gset)}/history.tsv"}

    def quality_tables(self) -> list[str]:
        return [f"{GAN_DIR.format(gset=g)}/quality.tsv" for g in self.sets()]

    def targets(self) -> list[str]:
        """Checkpoints, the quality table and every GAN figure as PDF and PNG."""
        if not self.enabled:
            return []
        out = [f"{GAN_DIR.format(gset=g)}/gan.pt" for g in self.sets()]
        out.append("results/tables/gan_quality.tsv")
        return out + figures.targets("gan", self)

    # ---- figures (deepchrome2.plots.registry) ----
    figure_constraints: ClassVar[dict[str, str]] = {}

    @property
    def figure_wildcards(self) -> dict[str, list[str]]:
        return {"gset": self.sets()}

    def figure_params(self, wildcards: Any) -> dict[str, Any]:
        return {"cells": self.cells_of(wildcards)}
