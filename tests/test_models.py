"""Tests of the architecture registry and of every architecture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn import functional

from deepchrome2 import models

# Every architecture of the registry: the tests below run on each, a new one included.
ALL = models.available()


def dense(n_in: int, n_out: int) -> int:
    """Weights and biases of ``Linear(n_in, n_out)``."""
    return n_in * n_out + n_out


def lstm(n_in: int, hidden: int) -> int:
    """One direction of a one-layer LSTM: 4 gates of input and recurrent weights, two biases."""
    return 4 * hidden * (n_in + hidden) + 2 * 4 * hidden


# Trainable parameters with 5 marks x 100 bins, from the papers' definitions.
# DeepChrome: Conv1d(5, 50, 10) -> 91 positions; pooling in windows of 5 -> 18; 900 features.
CNN_HEAD = dense(625, 125) + dense(125, 2)
CONV = 5 * 10 * 50 + 50
PARAMS = {
    # AttentiveChrome: bin BiLSTM 32 per mark + context 64, mark BiLSTM 16 + context 32, output
    "attentivechrome": 5 * (2 * lstm(1, 32) + 64) + 2 * lstm(64, 16) + 32 + dense(32, 2),
    "deepchrome": CONV + dense(50 * 18, 625) + CNN_HEAD,
    "deepchrome_avgpool": CONV + dense(50 * 18, 625) + CNN_HEAD,
    "deepchrome_globalmax": CONV + dense(50, 625) + CNN_HEAD,
    # stride 2: (100 - 10) // 2 + 1 = 46 positions, pooled to 9
    "deepchrome_strided": CONV + dense(50 * 9, 625) + CNN_HEAD,
    "linear": dense(5, 2),
    "linear_max": dense(5, 2),
    "linear_median": dense(5, 2),
    "linear_min": dense(5, 2),
    "linear_sum": dense(5, 2),
    "logistic": dense(500, 2),
    "mlp": dense(500, 2048)
    + dense(2048, 1024)
    + dense(1024, 625)
    + dense(625, 125)
    + dense(125, 2),
    "transformer": 70_146,
}
TORCH_ARCHS = [n for n in ALL if models.kind(n) == "torch"]


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


def test_published_parameter_counts() -> None:
    # the numbers DeepChrome 2.0 and its reference state for these networks
    assert PARAMS["deepchrome_avgpool"] == PARAMS["deepchrome"] == 644_177
    assert PARAMS["deepchrome_strided"] == 362_927
    assert PARAMS["mlp"] == 3_843_351
    assert PARAMS["linear"] == 12


def test_available_lists_every_module() -> None:
    folder = Path(models.__path__[0])
    assert sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")) == ALL
    assert set(PARAMS) < set(ALL) and "random_forest" in ALL


def test_kinds() -> None:
    assert {models.kind(n) for n in ALL} == set(models.KINDS)
    assert models.kind("random_forest") == "sklearn" and models.kind("deepchrome") == "torch"
    assert set(PARAMS) <= set(TORCH_ARCHS)


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
    if name not in PARAMS:
        pytest.fail(f"{name}: add its parameter count from its definition to PARAMS")
    assert models.n_parameters(models.build(name, 5, 100)) == PARAMS[name]


def test_parameter_counts_of_documented_alternatives() -> None:
    half = models.build("attentivechrome", 5, 100, bin_hidden=16, mark_hidden=8)
    assert models.n_parameters(half) == 5 * (2 * lstm(1, 16) + 32) + 2 * lstm(32, 8) + 16 + 34
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


@pytest.mark.parametrize(
    ("name", "reduce"),
    [
        ("linear", lambda x: x.mean(2)),
        ("linear_max", lambda x: x.max(2).values),
        ("linear_median", lambda x: torch.from_numpy(np.median(x.numpy(), axis=2))),
        ("linear_sum", lambda x: x.sum(2)),
        ("linear_min", lambda x: x.min(2).values),
    ],
)
def test_linear_aggregates_bins(name: str, reduce) -> None:
    model = models.build(name, 5, 100)
    x = torch.randn(3, 5, 100)
    shuffled = x[:, :, torch.randperm(100)]
    assert torch.allclose(model(x), model(shuffled), atol=1e-5)
    expected = reduce(x) @ model.fc.weight.T + model.fc.bias
    assert torch.allclose(model(x), expected, atol=1e-5)


def test_linear_aggregator_is_a_hyperparameter() -> None:
    model = models.build("linear", 5, 100, aggregator="max")
    x = torch.randn(3, 5, 100)
    assert torch.allclose(model(x), x.max(2).values @ model.fc.weight.T + model.fc.bias)
    with pytest.raises(ValueError, match="unknown aggregator 'mode'; valid: mean, max, median"):
        models.build("linear", 5, 100, aggregator="mode")
    with pytest.raises(ValueError, match="unknown aggregator 'avg'"):
        models.check_hparams("linear_max", {"aggregator": "avg"})


def layer_types(seq: torch.nn.Sequential) -> list[str]:
    return [type(m).__name__ for m in seq]


def test_mlp_layer_sequence() -> None:
    net = models.build("mlp", 5, 100).net
    # DeepChrome 2.0: 500->2048, ReLU, ->1024, Dropout, ->625, ReLU, ->125, ReLU, ->2
    assert layer_types(net) == [
        "Linear", "ReLU", "Linear", "Dropout", "Linear", "ReLU", "Linear", "ReLU", "Linear",
    ]  # fmt: skip
    shapes = [(m.in_features, m.out_features) for m in net if isinstance(m, torch.nn.Linear)]
    assert shapes == [(500, 2048), (2048, 1024), (1024, 625), (625, 125), (125, 2)]
    assert net[3].p == 0.5


@pytest.mark.parametrize(
    ("name", "pool", "stride", "features"),
    [
        ("deepchrome", "MaxPool1d", 1, 900),
        ("deepchrome_avgpool", "AvgPool1d", 1, 900),
        ("deepchrome_strided", "MaxPool1d", 2, 450),
    ],
)
def test_cnn_layer_sequences(name: str, pool: str, stride: int, features: int) -> None:
    model = models.build(name, 5, 100)
    assert layer_types(model.features) == ["Conv1d", "ReLU", pool, "Flatten", "Dropout"]
    conv, pooling = model.features[0], model.features[2]
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride) == (
        5, 50, (10,), (stride,),
    )  # fmt: skip
    assert conv.padding == (0,)
    assert (pooling.kernel_size, pooling.stride) in (((5,), (5,)), (5, 5))
    assert model.features[4].p == 0.5
    assert layer_types(model.head) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    shapes = [(m.in_features, m.out_features) for m in model.head if isinstance(m, torch.nn.Linear)]
    assert shapes == [(features, 625), (625, 125), (125, 2)]


def test_avgpool_averages_windows_of_five() -> None:
    model = models.build("deepchrome_avgpool", 5, 100).eval()
    x = torch.randn(2, 5, 100)
    conv = torch.relu(model.features[0](x))[:, :, :90]
    expected = conv.reshape(2, 50, 18, 5).mean(3).flatten(1)
    assert torch.allclose(model.features(x), expected, atol=1e-6)


def test_marks_come_from_the_input() -> None:
    for name in ("deepchrome_avgpool", "mlp", "linear_max", "attentivechrome"):
        model = models.build(name, 7, 100)
        assert model(torch.randn(2, 7, 100)).shape == (2, 2)
    assert models.n_parameters(models.build("linear_sum", 7, 100)) == dense(7, 2)
    assert models.n_parameters(models.build("mlp", 7, 100)) == PARAMS["mlp"] - dense(
        500, 2048
    ) + dense(700, 2048)


def test_globalmax_variant_ignores_position_of_a_lone_peak() -> None:
    model = models.build("deepchrome_globalmax", 5, 100).eval()
    x = torch.zeros(2, 5, 100)
    x[0, 0, 20:30] = 3.0
    x[1, 0, 60:70] = 3.0
    out = model(x)
    assert torch.allclose(out[0], out[1], atol=1e-6)


def test_global_max_pool_matches_the_adaptive_max_pool_and_shares_ties() -> None:
    """Values and gradients of torch's adaptive max-pool where the maximum is unique; a tie
    shares the gradient between the tied positions (a deterministic backward on CUDA too)."""
    pool = models.build("deepchrome_globalmax", 5, 100).features[2]
    x = torch.randn(4, 50, 91, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 50, 1, dtype=torch.float64)
    (pool(x) * w).sum().backward()
    x_ref = x.detach().clone().requires_grad_(True)
    ref = torch.nn.AdaptiveMaxPool1d(1)(x_ref)
    (ref * w).sum().backward()
    assert torch.equal(pool(x), ref)
    assert torch.equal(x.grad, x_ref.grad)
    tied = torch.tensor([[[1.0, 3.0, 0.0, 3.0]]], requires_grad=True)
    pool(tied).sum().backward()
    assert tied.grad.tolist() == [[[0.0, 0.5, 0.0, 0.5]]]


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


def test_aggregator_choices_checked_at_parse_time_match_the_model() -> None:
    """The torch-free set the config check uses is exactly the set the linear model builds."""
    from deepchrome2.models import _choices, linear

    assert _choices.HPARAM_CHOICES["aggregator"] == tuple(linear.AGGREGATORS)
