"""config/dc2.yaml: the DeepChrome archive downloaded from a real local HTTP server, unpacked
into the CSV source layout, and the paper's configuration planned."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from pathlib import Path

import pytest
import yaml
from _http_server import serve
from _smk import REPO, merge, snakemake, tiny_config
from conftest import TOY_DIR, error_lines

from deepchrome2.data.deepchrome_archive import unpack_deepchrome_archive
from deepchrome2.download import download, read_checksums
from deepchrome2.errors import InputError

SPLITS = ("train", "valid", "test")
DC2 = yaml.safe_load((REPO / "config" / "dc2.yaml").read_text())


def make_archive(path: Path, cells: dict[str, tuple[str, ...]], top: str = "data") -> Path:
    """A tar.gz in the archive's layout: ``{top}/{cell}/classification/{split}.csv`` holding
    the DeepChrome toy split, for the given splits of each cell, plus a README."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in [(f"{top}/README.txt", b"DeepChrome data\n")] + [
            (f"{top}/{cell}/classification/{s}.csv", (TOY_DIR / f"{s}.csv").read_bytes())
            for cell, splits in cells.items()
            for s in splits
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def csvs(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_unpack_writes_the_configured_cells(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "data.tar.gz", {"E003": SPLITS, "E004": SPLITS})
    root = tmp_path / "csv"
    unpack_deepchrome_archive(archive, root, ["E003"])
    assert csvs(root) == [f"E003/classification/{s}.csv" for s in ("test", "train", "valid")]
    for s in SPLITS:
        got = (root / "E003" / "classification" / f"{s}.csv").read_bytes()
        assert got == (TOY_DIR / f"{s}.csv").read_bytes()


def test_unpack_missing_cell_or_split_writes_nothing(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "data.tar.gz", {"E003": SPLITS, "E004": ("train", "valid")})
    root = tmp_path / "csv"
    with pytest.raises(InputError, match=r"data\.tar\.gz: no complete .* for cells E004, E999"):
        unpack_deepchrome_archive(archive, root, ["E003", "E004", "E999"])
    assert not root.exists() or csvs(root) == []


def test_unpack_rejects_a_corrupt_archive(tmp_path: Path) -> None:
    good = make_archive(tmp_path / "good.tar.gz", {"E003": SPLITS})
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match=r"bad\.tar\.gz: not a readable tar archive"):
        unpack_deepchrome_archive(bad, tmp_path / "csv", ["E003"])
    assert not (tmp_path / "csv").exists() or csvs(tmp_path / "csv") == []


def test_published_checksum_is_checked(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    archive = make_archive(site / "data.tar.gz", {"E003": SPLITS})
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    out, sums = tmp_path / "dl" / "data.tar.gz", tmp_path / "dl" / "checksums.tsv"
    with serve(site) as (url, _):
        with pytest.raises(InputError, match=rf"md5 {md5} differs from the published 0+"):
            download(f"{url}/data.tar.gz", out, sums, retries=0, expected="md5:" + "0" * 32)
        assert not out.exists() and not sums.exists()
        download(f"{url}/data.tar.gz", out, sums, retries=0, expected=f"md5:{md5}")
    assert out.read_bytes() == archive.read_bytes()  # kept as downloaded, not gunzipped
    assert read_checksums(sums)[str(out)].sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


# k-based sets need more than two cells; these tests ask for data-stage targets only.
# A two-cell archive cannot hold the paper's sets, so the small runs pick theirs by correlation.
SMALL_CROSSCELL = dict(DC2["crosscell"], experiments=["exclusive_all"], sets="correlation")


def dc2_config(url: str, cells: list[str], **over: object) -> dict:
    """config/dc2.yaml on top of the tiny config, the archive on the local server."""
    archive = dict(DC2["deepchrome_csv"]["archive"], url=f"{url}/data.tar.gz", retries=1, backoff=0)
    csv = dict(DC2["deepchrome_csv"], cells=cells, archive=archive)
    return merge(merge(tiny_config(), DC2), {"deepchrome_csv": csv, **over})


def test_workflow_downloads_and_unpacks_the_archive(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    make_archive(site / "data.tar.gz", {"E003": SPLITS, "E004": SPLITS, "E005": SPLITS})
    targets = ["results/features/E003.npz", "results/features/E004.npz", "results/splits/genes.tsv"]
    work = tmp_path / "work"
    with serve(site) as (url, faults):
        cfg = dc2_config(url, ["E003", "E004"], crosscell=SMALL_CROSSCELL)
        res = snakemake(work, cfg, "--cores", "2", *targets)
        assert res.returncode == 0, res.stderr[-3000:]
        again = snakemake(work, cfg, "--cores", "2", *targets)
        assert "Nothing to be done" in again.stdout + again.stderr
    assert faults.gets["data.tar.gz"] == 1
    root = work / "resources" / "deepchrome_csv"
    assert csvs(root) == sorted(
        f"{c}/classification/{s}.csv" for c in ("E003", "E004") for s in SPLITS
    )
    for target in targets:
        assert (work / target).stat().st_size > 0
    sums = read_checksums(work / "resources/downloads/deepchrome/checksums.tsv")
    assert list(sums) == ["resources/downloads/deepchrome/data.tar.gz"]


def test_workflow_cell_missing_from_archive_fails_cleanly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    make_archive(site / "data.tar.gz", {"E003": SPLITS})
    work = tmp_path / "work"
    with serve(site) as (url, _):
        cfg = dc2_config(url, ["E003", "E004"], crosscell=SMALL_CROSSCELL)
        res = snakemake(work, cfg, "--cores", "1", "results/splits/genes.tsv")
    assert res.returncode != 0
    lines = error_lines(res.stderr)
    assert any(
        re.search(r"data\.tar\.gz: no complete .* for cells E004$", line) for line in lines
    ), res.stderr[-3000:]
    root = work / "resources" / "deepchrome_csv"
    assert not root.exists() or csvs(root) == []


def test_dc2_config_plans_the_papers_runs(tmp_path: Path) -> None:
    """The full config/dc2.yaml (55 cells) dry-runs: one download, one unpack, every cell's
    import, and the paper's nine per-cell architectures on every cell with the dc2 recipe."""
    site = tmp_path / "site"
    site.mkdir()
    make_archive(site / "data.tar.gz", {"E003": SPLITS})
    cells = DC2["deepchrome_csv"]["cells"]
    assert len(cells) == 55
    with serve(site) as (url, _):
        cfg = dc2_config(url, cells)
        res = snakemake(tmp_path / "work", cfg, "-n", "--quiet", "rules")
    assert res.returncode == 0, res.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", res.stdout, flags=re.M))
    assert counts["download_deepchrome_archive"] == "1"
    assert counts["unpack_deepchrome_archive"] == "1"
    assert counts["import_deepchrome_csv"] == "55"
    assert counts["train"] == str(9 * 55)
    # the paper's 386 cross-cell runs: 20 with empty training sets, 366 over 339 distinct sets,
    # one pooled job each for the one cross-cell architecture (deepchrome_avgpool)
    assert cfg["crosscell"]["architectures"] == ["deepchrome_avgpool"]
    assert counts["train_crosscell"] == "339"
    assert cfg["train"]["recipe"] == "dc2"
