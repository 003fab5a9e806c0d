"""Downloads (deepchrome2.download, rules/download.smk) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig
import pytest
import yaml
from _http_server import Faults, serve
from _smk import REPO, merge, snakemake

from deepchrome2.config import cells as cfg_cells
from deepchrome2.download import (
    CHECKSUM_COLUMNS,
    Record,
    download,
    main,
    read_checksums,
    record_or_verify,
    sha256sum,
    verify,
)
from deepchrome2.errors import InputError

BW = "E003-H3K4me3.fc.signal.bigwig"


def write_bigwig(path: Path, value: float = 1.5) -> None:
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader([("chr1", 10_000)])
    bw.addEntries(["chr1", "chr1"], [0, 100], ends=[100, 200], values=[value, 2 * value])
    bw.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Folder served over HTTP: one bigWig and a gzipped table, under Roadmap's names."""
    root = tmp_path / "site"
    root.mkdir()
    write_bigwig(root / BW)
    table = "gene_id\tE003\nENSG1\t1.5\n"
    (root / "57epigenomes.RPKM.pc.gz").write_bytes(gzip.compress(table.encode()))
    (root / "page.bigwig").write_text("<html>not found</html>")
    return root


def leftovers(folder: Path) -> list[str]:
    """Files in ``folder`` other than the checksum file (temporary or partial downloads)."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name != "checksums.tsv")


def test_install_records_then_verifies(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / BW
    sums = tmp_path / "res" / "checksums.tsv"
    with serve(site) as (url, faults):
        assert download(f"{url}/{BW}", out, sums, retries=0) == "recorded"
        assert out.read_bytes() == (site / BW).read_bytes()
        out.unlink()
        assert download(f"{url}/{BW}", out, sums, retries=0) == "verified"
    assert faults.gets[BW] == 2
    recs = read_checksums(sums)
    assert list(recs) == [str(out)]
    assert recs[str(out)].bytes == (site / BW).stat().st_size
    assert sums.read_text().splitlines()[0].split("\t") == list(CHECKSUM_COLUMNS)


def test_changed_upstream_file_fails_verification(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / BW
    sums = tmp_path / "res" / "checksums.tsv"
    with serve(site) as (url, _):
        download(f"{url}/{BW}", out, sums, retries=0)
        out.unlink()
        write_bigwig(site / BW, value=9.0)
        with pytest.raises(InputError, match="differs from .* recorded for") as err:
            download(f"{url}/{BW}", out, sums, retries=0)
    assert err.value.path == f"{url}/{BW}"
    assert not out.exists() and leftovers(out.parent) == []


def test_gz_is_decompressed(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / "57epigenomes.RPKM.pc"
    with serve(site) as (url, _):
        download(f"{url}/57epigenomes.RPKM.pc.gz", out, tmp_path / "res" / "sums.tsv", retries=0)
    assert out.read_text() == "gene_id\tE003\nENSG1\t1.5\n"
    assert leftovers(out.parent) == ["57epigenomes.RPKM.pc", "sums.tsv"]


def test_truncated_download_is_retried_then_fails_cleanly(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / BW
    match = r"failed after 3 attempt\(s\).*IncompleteRead"
    with (
        serve(site, Faults(truncate={BW})) as (url, faults),
        pytest.raises(InputError, match=match),
    ):
        download(f"{url}/{BW}", out, tmp_path / "res" / "checksums.tsv", retries=2, backoff=0)
    assert faults.gets[BW] == 3
    assert leftovers(out.parent) == []
    assert read_checksums(tmp_path / "res" / "checksums.tsv") == {}


def test_truncated_gzip_is_rejected(site: Path, tmp_path: Path) -> None:
    data = (site / "57epigenomes.RPKM.pc.gz").read_bytes()
    (site / "cut.gz").write_bytes(data[: len(data) - 12])  # consistent length, cut stream
    out = tmp_path / "res" / "cut"
    with serve(site) as (url, _), pytest.raises(InputError, match="not a valid gzip file"):
        download(f"{url}/cut.gz", out, tmp_path / "res" / "checksums.tsv", retries=0)
    assert leftovers(out.parent) == []


def test_404_fails_at_once(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / "E999-H3K4me3.fc.signal.bigwig"
    with serve(site) as (url, faults), pytest.raises(InputError, match="HTTP 404"):
        download(f"{url}/{out.name}", out, tmp_path / "res" / "checksums.tsv", retries=3)
    assert faults.gets[out.name] == 0
    assert leftovers(out.parent) == []


def test_dropped_connection_is_retried(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / BW
    with serve(site, Faults(fail_first={BW: 2})) as (url, faults):
        download(f"{url}/{BW}", out, tmp_path / "res" / "checksums.tsv", retries=2, backoff=0)
    assert faults.gets[BW] == 3
    assert out.read_bytes() == (site / BW).read_bytes()


def test_non_bigwig_body_is_rejected(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / "page.bigwig"
    with serve(site) as (url, _), pytest.raises(InputError, match="not a bigWig"):
        download(f"{url}/page.bigwig", out, tmp_path / "res" / "checksums.tsv", retries=0)
    assert leftovers(out.parent) == []


def test_verify_finds_changed_and_missing_files(tmp_path: Path, capsys) -> None:
    sums = tmp_path / "checksums.tsv"
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    for p in (a, b):
        p.write_bytes(b"data")
        record_or_verify(sums, Record(str(p), sha256sum(p), 4, "http://x/" + p.name))
    assert verify(sums) == [] and main(["verify", str(sums)]) == 0
    a.write_bytes(b"DATA")
    b.unlink()
    problems = verify(sums)
    assert problems[0].startswith(f"{a}: sha256") and problems[1] == f"{b}: missing"
    assert main(["verify", str(sums)]) == 1
    assert "0 of 2 files match" in capsys.readouterr().out


def test_bad_checksum_file_is_named(tmp_path: Path) -> None:
    sums = tmp_path / "checksums.tsv"
    sums.write_text("path\thash\n")
    with pytest.raises(InputError, match="header must be") as err:
        read_checksums(sums)
    assert err.value.path == str(sums)


# --- the workflow: real-data mode against the local server --------------------------------

ROADMAP = yaml.safe_load((REPO / "config" / "roadmap.yaml").read_text())


@pytest.fixture(scope="module")
def simulated(tiny_run: SimpleNamespace) -> tuple[Path, dict]:
    """The tiny simulated cohort and its data-stage products (conftest's shared run)."""
    return tiny_run.dir, tiny_run.cfg


@pytest.fixture(scope="module")
def roadmap_site(simulated: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated files under the names Roadmap publishes them by (tables gzipped)."""
    work, cfg = simulated
    sim = work / cfg["simulate"]["outdir"]
    site = tmp_path_factory.mktemp("site")
    for bw in (sim / "bigwig").glob("*.fc.signal.bigwig"):
        shutil.copy(bw, site / bw.name)
    for src, name in [
        ("57epigenomes.RPKM.pc", "57epigenomes.RPKM.pc.gz"),
        ("gencode.annotation.gtf", "gen10.long.gtf.gz"),
    ]:
        (site / name).write_bytes(gzip.compress((sim / src).read_bytes()))
    return site


def roadmap_config(url: str, cells: list[str], base: dict, work: Path) -> dict:
    """config/roadmap.yaml on top of the tiny config, with every URL on the local server: the
    sample sheet's rows for ``cells`` and the simulated marks, under Roadmap's file names."""
    dl = dict(ROADMAP["download"], retries=1, backoff=0)
    for key in ("rpkm_url", "gtf_url"):
        dl[key] = f"{url}/{Path(ROADMAP['download'][key]).name}"
    sheet = pd.read_csv(REPO / ROADMAP["files"]["samples"], sep="\t", dtype=str)
    template = Path(sheet["bigwig"].iloc[0]).name.replace("E003-H3K4me3", "{cell}-{mark}")
    rows = [
        (c, m, f"{url}/{template.format(cell=c, mark=m)}") for c in cells for m in base["marks"]
    ]
    work.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["cell", "mark", "bigwig"]).to_csv(
        work / "samples.tsv", sep="\t", index=False
    )
    files = dict(ROADMAP["files"], samples=str(work / "samples.tsv"))
    # the GAN and interpretation stages' cells must be cohort cells
    gan, interpret = {"cells": cells[:1]}, {"cells": cells[:1]}
    over = {"source": "files", "files": files, "download": dl, "gan": gan, "interpret": interpret}
    return merge(base, over)


def test_workflow_downloads_and_matches_simulated(
    simulated: tuple[Path, dict], roadmap_site: Path, tmp_path: Path
) -> None:
    sim_work, base = simulated
    cells = cfg_cells(base)[:1]
    targets = [
        f"results/{d}/{c}.{x}" for c in cells for d, x in [("features", "npz"), ("labels", "tsv")]
    ]
    with serve(roadmap_site) as (url, faults):
        cfg = roadmap_config(url, cells, base, tmp_path)
        res = snakemake(tmp_path, cfg, "--cores", "2", *targets)
        assert res.returncode == 0, res.stderr[-3000:]
        # Everything present: a second run downloads nothing.
        again = snakemake(tmp_path, cfg, "--cores", "2", *targets)
        assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    marks = base["marks"]
    expected = {f"{c}-{m}.fc.signal.bigwig" for c in cells for m in marks}
    assert {n for n, k in faults.gets.items() if k} == expected | {
        "57epigenomes.RPKM.pc.gz",
        "gen10.long.gtf.gz",
    }
    assert all(faults.gets[n] == 1 for n in expected)
    res_dir = tmp_path / "resources" / "roadmap"
    sums = read_checksums(res_dir / "checksums.tsv")
    assert len(sums) == len(expected) + 2
    assert verify(res_dir / "checksums.tsv", root=tmp_path) == []
    for c in cells:
        with (
            np.load(sim_work / f"results/features/{c}.npz") as a,
            np.load(tmp_path / f"results/features/{c}.npz") as b,
        ):
            for key in ("X", "genes", "marks", "bin_starts"):
                np.testing.assert_array_equal(a[key], b[key])
        assert (sim_work / f"results/labels/{c}.tsv").read_text() == (
            tmp_path / f"results/labels/{c}.tsv"
        ).read_text()


def test_workflow_downloads_bigwigs_beside_local_tables(
    simulated: tuple[Path, dict], roadmap_site: Path, tmp_path: Path
) -> None:
    """bigWigs by URL with the user's own expression table and GTF: without rpkm_url and
    gtf_url, only the bigWigs are fetched and the tables are read where files: puts them."""
    sim_work, base = simulated
    cells = cfg_cells(base)[:1]
    sim = sim_work / base["simulate"]["outdir"]
    targets = [f"results/features/{cells[0]}.npz", f"results/labels/{cells[0]}.tsv"]
    with serve(roadmap_site) as (url, faults):
        cfg = roadmap_config(url, cells, base, tmp_path)
        for key in ("rpkm_url", "gtf_url"):
            del cfg["download"][key]
        cfg["files"]["rpkm"] = str(sim / "57epigenomes.RPKM.pc")
        cfg["files"]["gtf"] = str(sim / "gencode.annotation.gtf")
        res = snakemake(tmp_path, cfg, "--cores", "2", *targets)
    assert res.returncode == 0, res.stderr[-3000:]
    fetched = {n for n, k in faults.gets.items() if k}
    assert fetched == {f"{cells[0]}-{m}.fc.signal.bigwig" for m in base["marks"]}
    with (
        np.load(sim_work / targets[0]) as a,
        np.load(tmp_path / targets[0]) as b,
    ):
        np.testing.assert_array_equal(a["X"], b["X"])
    assert (sim_work / targets[1]).read_text() == (tmp_path / targets[1]).read_text()


def test_workflow_truncated_download_fails_cleanly(
    simulated: tuple[Path, dict], roadmap_site: Path, tmp_path: Path
) -> None:
    _, base = simulated
    cell = cfg_cells(base)[0]
    name = f"{cell}-H3K4me3.fc.signal.bigwig"
    with serve(roadmap_site, Faults(truncate={name})) as (url, faults):
        cfg = roadmap_config(url, [cell], base, tmp_path)
        res = snakemake(tmp_path, cfg, "--cores", "1", f"resources/roadmap/{cell}-H3K4me3.bigwig")
    assert res.returncode != 0
    assert faults.gets[name] == 2  # retries: 1
    assert re.search(
        rf"error: {re.escape(url)}/{name}: download failed after 2 attempt\(s\): .*IncompleteRead",
        res.stderr,
    ), res.stderr[-3000:]
    assert leftovers(tmp_path / "resources" / "roadmap") == []


def test_workflow_404_fails_before_any_job(
    simulated: tuple[Path, dict], roadmap_site: Path, tmp_path: Path
) -> None:
    _, base = simulated
    with serve(roadmap_site) as (url, faults):
        cfg = roadmap_config(url, ["E999"], base, tmp_path)
        res = snakemake(tmp_path, cfg, "--cores", "1", "resources/roadmap/E999-H3K4me3.bigwig")
    assert res.returncode != 0
    assert "Missing input files for rule download_bigwig" in res.stderr
    assert f"{url}/E999-H3K4me3.fc.signal.bigwig" in res.stderr
    assert sum(faults.gets.values()) == 0
    assert leftovers(tmp_path / "resources" / "roadmap") == []


def test_download_rules_lint_clean(tmp_path: Path) -> None:
    """`snakemake --lint` with config/roadmap.yaml has nothing to say about rules/download.smk."""
    cfg = merge(yaml.safe_load((REPO / "config.yaml").read_text()), ROADMAP)
    cfg["files"]["samples"] = str(REPO / ROADMAP["files"]["samples"])
    res = snakemake(tmp_path, cfg, "--lint")
    assert "download_bigwig" not in res.stdout + res.stderr, res.stdout
    assert "download.smk" not in res.stdout + res.stderr, res.stdout
