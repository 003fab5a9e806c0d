"""Class-optimization maps: DeepChrome's procedure (dc) and our ascent, on a model whose
answer is known."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from deepchrome2 import models
from deepchrome2.errors import InputError
from deepchrome2.gan.optimize import load_optmap
from deepchrome2.interpret.optmap import METHODS, class_maps, class_optmap, deepchrome_class_map
from deepchrome2.training.artifact import TrainedModel, save_trained
from deepchrome2.training.transform import Transform

N_MARKS, N_BINS = 4, 30
REGION = slice(10, 20)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class KnownLinear(nn.Module):
    """Class-1 log-odds = sum of mark 0 over REGION minus the sum of mark 1 (every bin)."""

    def __init__(self) -> None:
        super().__init__()
        w = torch.zeros(N_MARKS, N_BINS)
        w[0, REGION] = 1.0
        w[1, :] = -1.0
        self.register_buffer("w", w)
        self.bias = nn.Parameter(torch.zeros(()))  # one parameter, as every trained model has

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = (x * self.w).sum(dim=(1, 2)) + self.bias
        return torch.stack([-s / 2, s / 2], dim=1)


def known_model(kind: str = "none") -> TrainedModel:
    t = Transform(kind)
    if kind != "none":
        t.fit(np.random.default_rng(0).gamma(2.0, 1.0, (50, N_MARKS, N_BINS)))
    net = KnownLinear().eval()
    return TrainedModel("deepchrome", net, t, [f"m{i}" for i in range(N_MARKS)], N_BINS)


def test_dc_map_follows_deepchrome_procedure_on_a_known_model():
    tm = known_model()
    m1, start, end = deepchrome_class_map(tm, 1, seed=3)
    # clamped to [0, 1] and divided by the maximum
    assert m1.shape == (N_MARKS, N_BINS) and m1.min() >= 0 and m1.max() == pytest.approx(1.0)
    assert end > start  # log p(class 1) went up
    # the positive evidence saturates, the negative evidence is clamped to 0
    assert m1[0, REGION].min() > 0.99
    assert m1[1].max() < 0.05
    # inputs the model ignores only feel the L2 penalty: RMSprop's normalised steps leave them
    # oscillating about 0, below the saturated evidence (largest 0.52 over seeds 0-3)
    ignored = np.r_[m1[0, :10], m1[0, 20:], m1[2:].ravel()]
    assert ignored.max() < 0.7
    m0, _, _ = deepchrome_class_map(tm, 0, seed=3)
    assert m0[1].min() > 0.99 and m0[0, REGION].max() < 0.05
    # seeded: a rerun is identical, another seed starts elsewhere
    again, _, _ = deepchrome_class_map(tm, 1, seed=3)
    np.testing.assert_array_equal(again, m1)


def test_dc_map_reads_raw_signal_through_the_models_transform():
    tm = known_model("log1p_standardize")
    res = class_maps(tm, "dc", seed=0)
    maps = res["maps"]
    assert res["l2"] == 0.009 and res["steps"] == 1000 and res["lr"] == 0.1
    assert maps.min() >= 0 and np.allclose(maps.max(axis=(1, 2)), 1.0)
    # U[0,1] lies far below the training signal: in z units mark 1 (30 bins) outweighs mark 0's
    # region (10 bins), so the model starts sure of class 1 and class 0's log p rises from
    # about -30 (seeds 0-4: -24 to -32, ending at -0.5); class 0's map puts mark 1 at the top
    assert res["score_end"][0] > res["score_start"][0] + 10
    assert res["score_end"][1] >= res["score_start"][1] - 1e-3
    assert maps[0, 1].min() > 0.99 and maps[0, 0, REGION].max() < 0.05


def test_ascent_map_is_unscaled_in_transformed_space():
    res = class_maps(known_model(), "ascent", seed=0)
    m1 = res["maps"][1]
    # no clamp or scaling: the negative evidence goes below 0, the positive well above 1
    assert m1[1].max() < 0 and m1[0, REGION].min() > 1
    assert METHODS["ascent"].space != METHODS["dc"].space


def test_optmap_files_write_the_method_and_reject_bad_input(tmp_path):
    clf = tmp_path / "model.pt"
    torch.manual_seed(0)
    net = models.build("deepchrome", N_MARKS, N_BINS).eval()
    t = Transform().fit(np.random.default_rng(0).gamma(2.0, 1.0, (50, N_MARKS, N_BINS)))
    save_trained(clf, TrainedModel("deepchrome", net, t, ["a", "b", "c", "d"], N_BINS,
                                   hparams=dict(net.hparams)))  # fmt: skip
    out = tmp_path / "dc.npz"
    class_optmap(clf, out, "dc", seed=1)
    om = load_optmap(out)
    assert str(om["method"]) == "dc" and om["maps"].shape == (2, N_MARKS, N_BINS)
    assert float(om["l2"]) == 0.009 and om["maps"].min() >= 0 and om["maps"].max() <= 1
    with pytest.raises(InputError, match="unknown class-optimization method 'nope'"):
        class_optmap(clf, tmp_path / "x.npz", "nope")
    assert not (tmp_path / "x.npz").exists()
    with pytest.raises(InputError, match="model.pt: classifier not found|not found"):
        class_optmap(tmp_path / "missing" / "model.pt", tmp_path / "y.npz", "dc")
