"""The simulated cohort: determinism, formats, latent structure, mark profiles, learnability."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig
import pytest
from conftest import MARKS
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from deepchrome2.data.annotation import read_genes
from deepchrome2.data.expression import read_rpkm
from deepchrome2.data.simulate import (
    GRID,
    SimulationParams,
    mark_shape,
    simulate_annotation,
    simulate_bigwigs,
)
from deepchrome2.io import load_features, load_labels, load_split

GROUPS = {"ESC": ["E003", "E004"], "BLOOD": ["E062", "E034"]}


def params(seed: int = 5, n_genes: int = 60) -> SimulationParams:
    return SimulationParams(
        seed=seed, n_genes=n_genes, genome_scale=0.05, chromosomes=["chr21"], tissue_groups=GROUPS
    )


def bigwig_intervals(path: Path) -> dict[str, list]:
    bw = pyBigWig.open(str(path))
    try:
        return {c: bw.intervals(c) or [] for c in bw.chroms()}
    finally:
        bw.close()


def simulate_into(out: Path, p: SimulationParams, cell: str = "E062") -> dict[str, Path]:
    simulate_annotation(p, out)
    paths = {m: out / "bigwig" / f"{cell}-{m}.fc.signal.bigwig" for m in MARKS}
    simulate_bigwigs(p, cell, {m: str(v) for m, v in paths.items()})
    return paths


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("sim")
    a, b, c = root / "a", root / "b", root / "c"
    return SimpleNamespace(
        a=a,
        b=b,
        c=c,
        bw_a=simulate_into(a, params()),
        bw_b=simulate_into(b, params()),
        bw_c=simulate_into(c, params(seed=6)),
    )


def test_same_seed_same_bytes_and_values(twice: SimpleNamespace) -> None:
    for rel in [
        "57epigenomes.RPKM.pc",
        "gencode.annotation.gtf",
        "chrom.sizes",
        "truth/activity.tsv",
        "truth/genes.tsv",
    ]:
        assert (twice.a / rel).read_bytes() == (twice.b / rel).read_bytes(), rel
    pa, pb = (
        np.load(twice.a / "truth/class_profiles.npz"),
        np.load(twice.b / "truth/class_profiles.npz"),
    )
    np.testing.assert_array_equal(pa["profiles"], pb["profiles"])
    for m in MARKS:
        assert bigwig_intervals(twice.bw_a[m]) == bigwig_intervals(twice.bw_b[m]), m


def test_other_seed_other_cohort(twice: SimpleNamespace) -> None:
    rel = "57epigenomes.RPKM.pc"
    assert (twice.a / rel).read_bytes() != (twice.c / rel).read_bytes()
    m = "H3K4me3"
    assert bigwig_intervals(twice.bw_a[m]) != bigwig_intervals(twice.bw_c[m])


def test_files_are_in_roadmap_formats(twice: SimpleNamespace) -> None:
    cells = [c for cs in GROUPS.values() for c in cs]
    rpkm = read_rpkm(twice.a / "57epigenomes.RPKM.pc", cells)
    header = (twice.a / "57epigenomes.RPKM.pc").read_text().splitlines()[0].split("\t")
    assert header == ["gene_id", *cells]
    gtf_text = (twice.a / "gencode.annotation.gtf").read_text()
    assert 'gene_id "ENSG' in gtf_text and "gene_type" in gtf_text
    genes = read_genes(twice.a / "gencode.annotation.gtf", ["protein_coding", "lincRNA"])
    assert set(genes["gene_id"]) == set(rpkm.index)  # versions in the GTF, none in the table
    sizes = dict(line.split("\t") for line in (twice.a / "chrom.sizes").read_text().splitlines())
    for m in MARKS:
        bw = pyBigWig.open(str(twice.bw_a[m]))
        assert {c: str(s) for c, s in bw.chroms().items()} == sizes
        iv = np.array(bw.intervals("chr21"))
        bw.close()
        assert len(iv) > 0
        # piecewise constant at 25 bp, fold-enrichment-like (non-negative)
        assert (iv[:, 0] % GRID == 0).all() and (iv[:, 1] - iv[:, 0] == GRID).all()
        assert (iv[:, 2] >= 0).all()


def test_tissue_groups_shape_expression_correlation(tmp_path: Path) -> None:
    simulate_annotation(params(n_genes=800), tmp_path)
    act = pd.read_csv(tmp_path / "truth/activity.tsv", sep="\t", index_col="gene_id")
    r = np.corrcoef(act.to_numpy().T)
    names = list(act.columns)
    within = [
        r[names.index("E003"), names.index("E004")],
        r[names.index("E062"), names.index("E034")],
    ]
    between = [r[names.index(a), names.index(b)] for a in GROUPS["ESC"] for b in GROUPS["BLOOD"]]
    assert min(within) > 0.85
    assert max(between) < min(within) - 0.15
    assert min(between) > 0.3  # other groups are still somewhat correlated
    rpkm = read_rpkm(tmp_path / "57epigenomes.RPKM.pc", names)
    rho = pd.Series(np.log1p(rpkm["E003"])).corr(act["E003"], method="spearman")
    assert rho > 0.8  # RPKM follows activity, with noise


def test_mark_shapes() -> None:
    d = np.arange(-5000, 5000, 25) + 12.5
    length = np.full(d.shape, 4000.0)
    k36 = mark_shape("H3K36me3", d, length)
    assert (k36[d <= 0] == 0).all() and (k36[(d > 0) & (d < 4000)] > 0).all()
    assert (k36[d >= 4000] == 0).all()
    k4 = mark_shape("H3K4me3", d, length)
    assert abs(d[np.argmax(k4)]) < 500  # peak at the TSS
    k1 = mark_shape("H3K4me1", d, length)
    assert k1[np.abs(np.abs(d) - 2000) < 50].min() > 0.9 > k1[np.abs(d) < 50].max()
    with pytest.raises(ValueError):
        mark_shape("H3K27ac", d, length)


# ---- on the shared tiny-cohort workflow run -------------------------------------------------


def test_class_profiles(tiny_run: SimpleNamespace) -> None:
    npz = np.load(tiny_run.sim / "truth" / "class_profiles.npz")
    prof, marks, starts = npz["profiles"], list(npz["marks"]), npz["bin_starts"]
    assert prof.shape == (len(tiny_run.cells), 2, 5, 100)
    assert list(npz["cells"]) == tiny_run.cells
    near, up = np.abs(starts + 50) < 1000, starts < 0
    k4, k36, k27 = (marks.index(m) for m in ("H3K4me3", "H3K36me3", "H3K27me3"))
    for k in range(len(tiny_run.cells)):
        hi, lo = prof[k, 1], prof[k, 0]
        assert hi[k4, near].mean() > 1.3 * lo[k4, near].mean()
        # H3K36me3 follows expression downstream only (upstream: neighbours' bodies only)
        diff36 = hi[k36] - lo[k36]
        assert diff36[starts >= 2000].mean() - diff36[up].mean() > 0.5
        assert lo[k27].mean() > hi[k27].mean()  # Polycomb over repressed genes


def test_h3k36me3_only_downstream_of_isolated_genes(tmp_path: Path) -> None:
    p = SimulationParams(
        seed=6, n_genes=12, genome_scale=0.05, chromosomes=["chr1"], tissue_groups=GROUPS
    )
    simulate_annotation(p, tmp_path)
    genes = read_genes(tmp_path / "gencode.annotation.gtf", ["protein_coding", "lincRNA"])
    genes = genes.sort_values("start")
    # precondition: no gene (body + 6 kb) reaches another one's window
    assert (genes["start"].to_numpy()[1:] - genes["end"].to_numpy()[:-1] > 12_000).all()
    npz = np.load(tmp_path / "truth" / "class_profiles.npz")
    prof, starts = npz["profiles"], npz["bin_starts"]
    k36 = list(npz["marks"]).index("H3K36me3")
    # noise-free: upstream of the TSS only the baseline 1.0, downstream the body signal
    np.testing.assert_allclose(prof[:, :, k36, starts < 0], 1.0, atol=1e-6)
    body = prof[:, :, k36, starts >= 2000].mean(axis=2)  # cells x classes
    assert (body[:, 1] > 1.5).all() and (body[:, 1] > body[:, 0]).all()


def _cell_data(tiny_run: SimpleNamespace, cell: str) -> tuple:
    feats = load_features(tiny_run.dir / "results" / "features" / f"{cell}.npz")
    lab = load_labels(tiny_run.dir / "results" / "labels" / f"{cell}.tsv")
    split = load_split(tiny_run.dir / "results" / "splits" / "genes.tsv").set_index("gene_id")
    assert list(lab["gene_id"]) == list(feats.genes)
    return feats, lab, split.loc[feats.genes, "split"].to_numpy()


def test_observed_class_means_follow_the_truth(tiny_run: SimpleNamespace) -> None:
    npz = np.load(tiny_run.sim / "truth" / "class_profiles.npz")
    for k, cell in enumerate(tiny_run.cells):
        feats, lab, _ = _cell_data(tiny_run, cell)
        for m in ("H3K4me3", "H3K4me1", "H3K36me3"):
            truth = npz["profiles"][k, :, list(npz["marks"]).index(m)]
            for cls in (0, 1):
                obs = feats.X[lab["label"].to_numpy() == cls, feats.marks.index(m)].mean(0)
                assert np.corrcoef(obs, truth[cls])[0, 1] > 0.9, (cell, m, cls)
                assert np.abs(obs - truth[cls]).mean() < 0.1 * truth[cls].mean(), (cell, m, cls)


def test_logistic_regression_on_mark_means_is_good_but_below_the_oracle(
    tiny_run: SimpleNamespace,
) -> None:
    oracle = pd.read_csv(tiny_run.dir / "results/tables/oracle_auroc.tsv", sep="\t")
    oracle = oracle.set_index("cell")["oracle_auroc"]
    act = pd.read_csv(tiny_run.sim / "truth/activity.tsv", sep="\t", index_col="gene_id")
    aucs = []
    for cell in tiny_run.cells:
        feats, lab, split = _cell_data(tiny_run, cell)
        X, y = np.log1p(feats.X.mean(axis=2)), lab["label"].to_numpy()
        train, test = split != "test", split == "test"
        model = LogisticRegression(max_iter=1000).fit(X[train], y[train])
        auc = roc_auc_score(y[test], model.predict_proba(X[test])[:, 1])
        # the oracle: true activity against the labels on the test genes
        want = roc_auc_score(y[test], act.loc[feats.genes[test], cell])
        assert oracle[cell] == pytest.approx(want, abs=1e-4)
        assert 0.7 < auc < oracle[cell], cell
        aucs.append(auc)
    assert np.mean(aucs) > 0.75
