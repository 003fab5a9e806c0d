"""Planning of the interpretation stage: targets and input/params functions of
rules/interpret.smk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deepchrome2.interpret.config_check import interpret_cells, torch_architectures
from deepchrome2.plots import registry as figures

MAPS = "results/interpret/{arch}/{cell}"


@dataclass
class InterpretPlan:
    """The cells and models to interpret, and the inputs of each interpretation rule."""

    config: Mapping[str, Any]
    cohort_cells: Sequence[str]

    def __post_init__(self) -> None:
        self.section = self.config["interpret"]
        self.cells = interpret_cells(self.config, list(self.cohort_cells))
        self.optmap = self.section["optmap"]
        self.attribution_archs = torch_architectures(
            dict(self.config), self.section["attribution"]["architectures"]
        )

    enabled = True  # every part has its own switch

    @property
    def simulated(self) -> bool:
        return self.config["source"] == "simulate"

    @property
    def has_windows(self) -> bool:
        """deepTools outputs need genomic windows, which a DeepChrome CSV archive lacks."""
        return self.config["source"] != "deepchrome_csv"

    @property
    def heatmap(self) -> bool:
        return self.has_windows and bool(self.section["heatmap"])

    @property
    def attention(self) -> bool:
        return bool(self.section["attention"]) and (
            "attentivechrome" in self.config["train"]["architectures"]
        )

    @property
    def attribution(self) -> bool:
        return bool(self.attribution_archs)

    @property
    def class_maps(self) -> bool:
        """Class-optimization maps need class models: off for a regression target."""
        return self.config.get("target", "class") == "class"

    @property
    def optmap_archs(self) -> str:
        """Wildcard constraint: the architectures with optimization maps."""
        return "|".join(self.optmap["architectures"])

    @property
    def optmap_methods(self) -> str:
        """Wildcard constraint: the optimization-map methods."""
        return "|".join(self.optmap["methods"])

    @property
    def attribution_constraint(self) -> str:
        """Wildcard constraint: the architectures with attribution maps ("none" if none)."""
        return "|".join(self.attribution_archs) or "none"

    def truth(self) -> dict[str, str]:
        """The simulator's class profiles, when the cohort is simulated."""
        if self.simulated:
            return {"truth": f"{self.config['simulate']['outdir']}/truth/class_profiles.npz"}
        return {}

    def attention_maps_input(self, wildcards: Any) -> dict[str, str]:
        cell = wildcards.cell
        return {
            "classifier": f"results/models/attentivechrome/{cell}/model.pt",
            "features": f"results/features/{cell}.npz",
            "labels": f"results/labels/{cell}.tsv",
            "split": "results/splits/genes.tsv",
            **self.truth(),
        }

    def attribution_maps(self, cell: str) -> list[str]:
        return [f"{MAPS}/attribution.npz".format(arch=a, cell=cell) for a in self.attribution_archs]

    def attribution_table_input(self, wildcards: Any) -> dict[str, Any]:
        maps = [m for c in self.cells for m in self.attribution_maps(c)]
        return {"maps": maps, **self.truth()}

    def attribution_table_cells(self, wildcards: Any) -> list[str]:
        """params: the cell of each attribution map, in input order."""
        return [c for c in self.cells for _ in self.attribution_archs]

    def optmaps(self, arch: str, cell: str) -> list[str]:
        return [
            f"{MAPS}/optmap_{m}.npz".format(arch=arch, cell=cell) for m in self.optmap["methods"]
        ]

    def targets(self) -> list[str]:
        """The BED and matrices (when windows exist), the figures and the tables."""
        out = []
        if self.has_windows:
            out.append("results/annotation/tss_windows.bed")
            out += [f"results/deeptools/{c}.mat.gz" for c in self.cells]
        out += figures.targets("interpret", self)
        if self.attention:
            out += [f"results/tables/attention_{c}.tsv" for c in self.cells]
        if self.attribution:
            out.append("results/tables/attribution.tsv")
        return out

    # ---- figures (deepchrome2.plots.registry) ----
    @property
    def figure_wildcards(self) -> dict[str, list[str]]:
        return {"cell": self.cells, "arch": list(self.optmap["architectures"])}

    @property
    def figure_constraints(self) -> dict[str, str]:
        return {"arch": self.optmap_archs}

    def figure_params(self, wildcards: Any) -> dict[str, Any]:
        return {"methods": list(self.optmap["methods"])}

    def matrix_input(self, wildcards: Any) -> dict[str, str]:
        return {"matrix": f"results/deeptools/{wildcards.cell}.mat.gz"}

    def optmap_input(self, wildcards: Any) -> dict[str, list[str]]:
        return {"maps": self.optmaps(wildcards.arch, wildcards.cell)}

    def attention_input(self, wildcards: Any) -> dict[str, str]:
        return {"attention": f"results/interpret/attentivechrome/{wildcards.cell}/attention.npz"}

    def attribution_input(self, wildcards: Any) -> dict[str, list[str]]:
        return {"maps": self.attribution_maps(wildcards.cell)}
