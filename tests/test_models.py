"""Tests of the architecture registry and of every architecture."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from torch.nn import functional

from deepchrome2 import models

ALL = [
    "attentivechrome",
    "deepchrome",
    "deepchrome_maxpool",
    "deepchrome_strided",
    "linear",
    "logistic",
    "mlp",
    "random_forest",
    "transformer",
]
# Trainable parameters with 5 marks x 100 bins; the arithmetic is in each module's docstring.
PARAMS = {
    "attentivechrome": 15_058,
    "deepchrome": 644_177,
    "deepchrome_maxpool": 112_927,
    "deepchrome_strided": 362_927,
    "linear": 12,
    "logistic": 1_002,
    "mlp": 3_843_351,
    "transformer": 70_146,
}
TORCH_ARCHS = sorted(PARAMS)


@pytest.fixture(autouse=True)
def _seed_and_one_thread() -> Iterator[None]:
    """Seed, and use one intra-op thread: these tiny batches gain nothing from more, and on a
    busy machine OpenMP's spin-waiting makes small LSTM steps far slower with two."""
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def separable(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noise plus, for label 1, a promoter peak of the first mark in the middle bins."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 5, 100)).astype(np.float32)
    X[:, 0, 40:60] += 1.5 * y[:, None]
    return X, y


# --- registry -------------------------------------------------------------------------------


def test_available_lists_all_nine() -> None:
    assert models.available() == ALL


def test_kinds() -> None:
    assert {n: models.kind(n) for n in ALL} == {
        n: ("sklearn" if n == "random_forest" else "torch") for n in ALL
    }


def test_modules_follow_the_contract() -> None:
    for name in ALL:
        module = models.get(name)
        assert name == module.NAME
        assert isinstance(module.DEFAULTS, dict)
        assert module.__doc__ and len(module.__doc__.split()) > 40


def test_unknown_architecture_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown architecture 'nope'; valid: ") as err:
        models.get("nope")
    assert str(err.value).endswith("valid: " + ", ".join(ALL))
    with pytest.raises(ValueError, match="unknown architecture"):
        models.build("nope", 5, 100)


def test_unknown_hparam_rejected() -> None:
    with pytest.raises(ValueError, match="unknown hyperparameter.*'deepchrome'.*n_filters"):
        models.build("deepchrome", 5, 100, n_filter=3)


def test_build_records_hparams() -> None:
    model = models.build("deepchrome", 5, 100, n_filters=8)
    assert model.arch == "deepchrome"
    assert model.hparams == {**models.defaults("deepchrome"), "n_filters": 8}
    # conv 5*10*8 + 8, then 8*18 -> 625 -> 125 -> 2
    assert models.n_parameters(model) == 408 + 144 * 625 + 625 + 78_250 + 252


# --- torch architectures --------------------------------------------------------------------


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_parameter_count(name: str) -> None:
    assert models.n_parameters(models.build(name, 5, 100)) == PARAMS[name]


def test_parameter_counts_of_documented_alternatives() -> None:
    paper_sizes = models.build("attentivechrome", 5, 100, bin_hidden=32, mark_hidden=16)
    assert models.n_parameters(paper_sizes) == 55_714
    assert models.n_parameters(models.build("transformer", 5, 100, pooling="cls")) == 70_274
    assert models.n_parameters(models.build("transformer", 5, 100, patch=1)) == 73_986


def test_n_parameters_counts_only_trainable() -> None:
    model = models.build("logistic", 5, 100)
    model.fc.bias.requires_grad_(False)
    assert models.n_parameters(model) == 1_000


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_forward_backward(name: str) -> None:
    model = models.build(name, 5, 100).train()
    out = model(torch.randn(7, 5, 100))
    assert out.shape == (7, 2) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    functional.cross_entropy(out, torch.randint(0, 2, (7,))).backward()
    for pname, param in model.named_parameters():
        assert param.grad is not None, f"{pname} gets no gradient"


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_input_shape_checked(name: str) -> None:
    model = models.build(name, 5, 100)
    with pytest.raises(ValueError, match=r"expects input \(batch, 5, 100\), got \(7, 5, 99\)"):
        model(torch.randn(7, 5, 99))
    with pytest.raises(ValueError, match=r"got \(5, 100\)"):
        model(torch.randn(5, 100))


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_other_shapes_honoured(name: str) -> None:
    model = models.build(name, 3, 60).eval()
    assert (model.n_marks, model.n_bins) == (3, 60)
    assert model(torch.randn(4, 3, 60)).shape == (4, 2)
    with pytest.raises(ValueError):
        model(torch.randn(4, 5, 100))


def test_parameter_counts_follow_input_shape() -> None:
    # linear: 3 marks -> Linear(3, 2); logistic: Linear(3*60, 2)
    assert models.n_parameters(models.build("linear", 3, 60)) == 8
    assert models.n_parameters(models.build("logistic", 3, 60)) == 362
    # deepchrome: conv 3*10*50 + 50, (60 - 9) // 5 = 10 positions -> 500 -> 625 -> 125 -> 2
    assert models.n_parameters(models.build("deepchrome", 3, 60)) == (
        1_550 + 500 * 625 + 625 + 78_250 + 252
    )


def test_too_few_bins_rejected() -> None:
    with pytest.raises(ValueError, match="kernel_size 10 is longer than n_bins 8"):
        models.build("deepchrome", 5, 8)
    with pytest.raises(ValueError, match="patch must be a positive divisor of n_bins=101"):
        models.build("transformer", 5, 101)


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_construction_deterministic(name: str) -> None:
    torch.manual_seed(123)
    a = models.build(name, 5, 100).state_dict()
    torch.manual_seed(123)
    b = models.build(name, 5, 100).state_dict()
    torch.manual_seed(124)
    c = models.build(name, 5, 100).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_linear_is_mean_over_bins() -> None:
    model = models.build("linear", 5, 100)
    x = torch.randn(3, 5, 100)
    shuffled = x[:, :, torch.randperm(100)]
    assert torch.allclose(model(x), model(shuffled), atol=1e-6)
    expected = x.mean(2) @ model.fc.weight.T + model.fc.bias
    assert torch.allclose(model(x), expected, atol=1e-6)


def test_maxpool_variant_ignores_position_of_a_lone_peak() -> None:
    model = models.build("deepchrome_maxpool", 5, 100).eval()
    x = torch.zeros(2, 5, 100)
    x[0, 0, 20:30] = 3.0
    x[1, 0, 60:70] = 3.0
    out = model(x)
    assert torch.allclose(out[0], out[1], atol=1e-6)


def test_attention_weights() -> None:
    model = models.build("attentivechrome", 5, 100)
    x = torch.randn(6, 5, 100)
    att = model.attention(x)
    assert att["bin"].shape == (6, 5, 100) and att["mark"].shape == (6, 5)
    assert torch.allclose(att["bin"].sum(dim=2), torch.ones(6, 5), atol=1e-5)
    assert torch.allclose(att["mark"].sum(dim=1), torch.ones(6), atol=1e-5)
    assert (att["bin"] > 0).all() and (att["mark"] > 0).all()
    assert not att["bin"].requires_grad
    # the last forward (training or not) leaves its weights on the model
    model(x[:2])
    assert model.last_attention["bin"].shape == (2, 5, 100)
    assert torch.allclose(model.last_attention["bin"], att["bin"][:2], atol=1e-6)


def test_attention_weights_depend_on_input() -> None:
    model = models.build("attentivechrome", 5, 100)
    x = torch.randn(2, 5, 100)
    x[1] = x[0]
    x[1, :, 50:] += 2.0
    att = model.attention(x)["bin"]
    assert not torch.allclose(att[0], att[1])


# --- random forest --------------------------------------------------------------------------


def test_random_forest_fits_separable_data() -> None:
    X, y = separable(240)
    model = models.build("random_forest", 5, 100, n_estimators=30)
    assert models.n_parameters(model) == 0
    model.fit(X[:160], y[:160])
    proba = model.predict_proba(X[160:])
    assert proba.shape == (80, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X[160:]) == y[160:]).mean() >= 0.9
    assert models.n_parameters(model) > 30


def test_random_forest_seeded() -> None:
    X, y = separable(120, seed=1)
    X_test, _ = separable(40, seed=2)

    def proba(seed: int) -> np.ndarray:
        model = models.build("random_forest", 5, 100, n_estimators=10, seed=seed)
        return model.fit(X, y).predict_proba(X_test)

    assert np.array_equal(proba(7), proba(7))
    assert not np.array_equal(proba(7), proba(8))


def test_random_forest_summaries() -> None:
    model = models.build("random_forest", 2, 10, n_windows=3)
    X = np.arange(20, dtype=np.float32).reshape(1, 2, 10)
    # windows of 4, 3 and 3 bins
    assert np.allclose(model.summarize(X), [[1.5, 5.0, 8.0, 11.5, 15.0, 18.0]])


def test_random_forest_bad_input() -> None:
    model = models.build("random_forest", 5, 100, n_estimators=5)
    X, y = separable(20)
    with pytest.raises(RuntimeError, match="call fit"):
        model.predict_proba(X)
    with pytest.raises(ValueError, match=r"expects X of shape \(n, 5, 100\), got \(20, 5, 99\)"):
        model.fit(X[:, :, :99], y)
    with pytest.raises(ValueError, match="both classes"):
        model.fit(X, np.zeros(20, dtype=int))
    with pytest.raises(ValueError, match="n_windows must be between 1 and n_bins=100"):
        models.build("random_forest", 5, 100, n_windows=101)
