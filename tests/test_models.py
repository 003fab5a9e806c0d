"""Tests of the architecture registry and of every architecture."""

from __future__ import annotations

import pytest
import torch

from deepchrome2 import models

# Trainable parameters with 5 marks x 100 bins; derivations in each module's docstring.
PARAMS = {
    "linear": 12,
    "logistic": 1_002,
    "deepchrome": 644_177,
}
TORCH_ARCHS = sorted(PARAMS)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_registry_lists_modules() -> None:
    names = models.available()
    assert names == sorted(names)
    assert set(TORCH_ARCHS) <= set(names)
    assert all(not n.startswith("_") for n in names)


def test_unknown_architecture_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown architecture 'nope'; valid: ") as err:
        models.get("nope")
    for name in models.available():
        assert name in str(err.value)


def test_unknown_hparam_rejected() -> None:
    with pytest.raises(ValueError, match="unknown hyperparameter.*'deepchrome'.*n_filters"):
        models.build("deepchrome", 5, 100, n_filter=3)


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_parameter_count(name: str) -> None:
    model = models.build(name, 5, 100)
    assert models.kind(name) == "torch"
    assert models.n_parameters(model) == PARAMS[name]


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_forward_shape_and_input_check(name: str) -> None:
    model = models.build(name, 5, 100).eval()
    out = model(torch.randn(7, 5, 100))
    assert out.shape == (7, 2) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    with pytest.raises(ValueError, match=r"expects input \(batch, 5, 100\)"):
        model(torch.randn(7, 5, 99))


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_other_shapes_honoured(name: str) -> None:
    model = models.build(name, 3, 60).eval()
    assert model(torch.randn(4, 3, 60)).shape == (4, 2)
    with pytest.raises(ValueError):
        model(torch.randn(4, 5, 100))


@pytest.mark.parametrize("name", TORCH_ARCHS)
def test_construction_deterministic(name: str) -> None:
    torch.manual_seed(123)
    a = models.build(name, 5, 100).state_dict()
    torch.manual_seed(123)
    b = models.build(name, 5, 100).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_build_records_hparams() -> None:
    model = models.build("deepchrome", 5, 100, n_filters=8)
    assert model.arch == "deepchrome"
    assert model.hparams == {**models.defaults("deepchrome"), "n_filters": 8}
    assert models.n_parameters(model) < PARAMS["deepchrome"]


def test_linear_is_mean_over_bins() -> None:
    model = models.build("linear", 5, 100)
    x = torch.randn(3, 5, 100)
    shuffled = x[:, :, torch.randperm(100)]
    assert torch.allclose(model(x), model(shuffled), atol=1e-6)
    expected = x.mean(2) @ model.fc.weight.T + model.fc.bias
    assert torch.allclose(model(x), expected, atol=1e-6)


def test_n_parameters_counts_only_trainable() -> None:
    model = models.build("logistic", 5, 100)
    model.fc.bias.requires_grad_(False)
    assert models.n_parameters(model) == 1_000
