"""Planning of the data stage: input paths, targets and input functions of rules/data.smk,
rules/download.smk and rules/simulate.smk."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from deepchrome2 import config as cfg
from deepchrome2.plots import registry as figures

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class Download:
    """One download rule: ``download_<name>`` fetches ``url`` (or, for a function, the URL of
    the job's wildcards) into ``path``, recording or checking its sha256 in ``checksums``;
    ``expected`` is a published checksum (``md5:<hex>`` or ``sha256:<hex>``), "" for none."""

    name: str
    url: str | Callable[[Any], str]
    path: str
    log: str
    checksums: str
    retries: int
    backoff: float
    expected: str = ""

    def input(self, http: Callable[..., Any]) -> Any:
        """The rule's input: the URL through ``http`` (Snakemake's storage.http), or an input
        function that does so for the job's wildcards."""
        if isinstance(self.url, str):
            return http(self.url, retrieve=False)
        return partial(_http_input, http, self.url)


def _http_input(http: Callable[..., Any], url: Callable[[Any], str], wildcards: Any) -> Any:
    return http(url(wildcards), retrieve=False)


def _settings(section: Mapping[str, Any]) -> tuple[str, int, float]:
    """The checksum file, retries and back-off of a download section."""
    return section["checksums"], section["retries"], section["backoff"]


@dataclass
class DataPlan:
    """Where the data stage reads its inputs and what it writes."""

    config: Mapping[str, Any]
    cohort: cfg.Cohort

    @property
    def source(self) -> str:
        return str(self.config["source"])

    @property
    def simulated(self) -> bool:
        return self.source == "simulate"

    @property
    def cells(self) -> list[str]:
        return list(self.cohort.cells)

    @property
    def marks(self) -> list[str]:
        return list(self.cohort.marks)

    @property
    def sim_dir(self) -> str:
        return str(self.config["simulate"]["outdir"])

    @property
    def download_dir(self) -> str:
        return str(self.config.get("download", {}).get("dir", "resources/downloads"))

    @property
    def gene_id_column(self) -> str:
        return str(self.config.get("files", {}).get("gene_id_column", "gene_id"))

    def bigwig_path(self, cell: str, mark: str) -> str:
        """Path of the bigWig of one cell and mark (a sheet's URL: where it is downloaded to)."""
        if self.simulated:
            return f"{self.sim_dir}/bigwig/{cell}-{mark}.fc.signal.bigwig"
        if self.cohort.is_url(cell, mark):
            return f"{self.download_dir}/{cell}-{mark}.bigwig"
        return str(self.cohort.bigwigs[cell, mark])

    def bigwig_download_pattern(self) -> str:
        """Where the bigWig download saves a file: download.dir, or the files.bigwig pattern."""
        if cfg.uses_sheet(self.config):
            return f"{self.download_dir}/{{cell}}-{{mark}}.bigwig"
        return str(self.config["files"]["bigwig"])

    def bigwig_url(self, wildcards: Any) -> str:
        """The URL of one cell's and mark's bigWig."""
        if cfg.uses_sheet(self.config):
            return str(self.cohort.bigwigs[wildcards.cell, wildcards.mark])
        return str(self.config["download"]["bigwig_url"]).format(**wildcards)

    def all_bigwigs(self) -> list[str]:
        return [self.bigwig_path(c, m) for c in self.cells for m in self.marks]

    def cell_bigwigs(self, wildcards: Any) -> list[str]:
        return [self.bigwig_path(wildcards.cell, m) for m in self.marks]

    def rpkm_path(self) -> str:
        if self.simulated:
            return f"{self.sim_dir}/57epigenomes.RPKM.pc"
        return str(self.config["files"]["rpkm"])

    def gtf_path(self) -> str:
        if self.simulated:
            return f"{self.sim_dir}/gencode.annotation.gtf"
        return str(self.config["files"]["gtf"])

    def downloads(self) -> list[Download]:
        """What the workflow downloads: with the ``download:`` section (real-data mode), every
        bigWig given by URL, and the RPKM table and the GTF where it gives their URLs; with
        ``deepchrome_csv.archive``, the DeepChrome archive; nothing otherwise."""
        if self.source == "deepchrome_csv" and "archive" in self.config["deepchrome_csv"]:
            arc = self.config["deepchrome_csv"]["archive"]
            return [
                Download("deepchrome_archive", str(arc["url"]), str(arc["path"]),
                         "logs/download/deepchrome_archive.log", *_settings(arc),
                         expected=str(arc.get("checksum") or "")),
            ]  # fmt: skip
        if self.source != "files" or "download" not in self.config:
            return []
        url, files = self.config["download"], self.config["files"]
        settings = _settings(url)
        tables = [
            Download(name, str(url[f"{name}_url"]), str(files[name]),
                     f"logs/download/{name}.log", *settings)
            for name in ("rpkm", "gtf")
            if f"{name}_url" in url
        ]  # fmt: skip
        return [
            Download("bigwig", self.bigwig_url, self.bigwig_download_pattern(),
                     "logs/download/{cell}-{mark}.log", *settings),
            *tables,
        ]  # fmt: skip

    @property
    def archive_root(self) -> str:
        return str(self.config["deepchrome_csv"]["root"])

    def archive_csvs(self, wildcards: Any) -> list[str]:
        """The three DeepChrome CSVs of one cell of the archive."""
        return [f"{self.archive_root}/{wildcards.cell}/classification/{s}.csv" for s in SPLITS]

    def all_archive_csvs(self) -> list[str]:
        """The three DeepChrome CSVs of every cell of the archive."""
        root = self.archive_root
        return [f"{root}/{c}/classification/{s}.csv" for c in self.cells for s in SPLITS]

    def truth(self) -> dict[str, str]:
        """The simulator's noise-free class profiles, when the cohort is simulated."""
        return {"truth": f"{self.sim_dir}/truth/class_profiles.npz"} if self.simulated else {}

    def mark_profile_inputs(self, wildcards: Any) -> dict[str, Any]:
        """Features and labels of every cell, plus the simulator's truth when simulated."""
        return {
            "features": [f"results/features/{c}.npz" for c in self.cells],
            "labels": [f"results/labels/{c}.tsv" for c in self.cells],
            **self.truth(),
        }

    def targets(self) -> list[str]:
        """Outputs of the data stage for every configured cell."""
        out = [f"results/features/{c}.npz" for c in self.cells]
        out += [f"results/labels/{c}.tsv" for c in self.cells]
        out.append("results/splits/genes.tsv")
        out += figures.targets("data", self)
        if self.simulated:
            out.append("results/tables/oracle_auroc.tsv")
        if self.config.get("export_deepchrome_csv"):
            out += [
                f"results/deepchrome_csv/{c}/classification/{s}.csv"
                for c in self.cells
                for s in SPLITS
            ]
        return out

    # ---- figures (deepchrome2.plots.registry) ----
    enabled = True
    figure_wildcards: ClassVar[dict[str, list[str]]] = {}
    figure_constraints: ClassVar[dict[str, str]] = {}

    def figure_params(self, wildcards: Any) -> dict[str, Any]:
        return {"cells": self.cells}
