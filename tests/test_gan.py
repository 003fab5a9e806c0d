"""Conditional GAN: shapes, training, divergence and bad input, distances, optimization map."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch

from deepchrome2 import models
from deepchrome2.errors import InputError
from deepchrome2.gan.data import SignalTransform
from deepchrome2.gan.model import Critic, Generator
from deepchrome2.gan.optimize import class_score, optimize_class_map
from deepchrome2.gan.quality import critic_distance
from deepchrome2.gan.summary import (
    profile_correlation,
    resampled_wasserstein,
    wasserstein_per_column,
)
from deepchrome2.gan.train import (
    DivergenceError,
    GanConfig,
    fit_gan,
    load_gan,
    sample,
    save_gan,
)

N_MARKS, N_BINS = 5, 40


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def synthetic(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene levels per mark; class 1 adds a TSS peak in mark 0, class 0 a broad domain in
    mark 4, each with a per-gene amplitude; small per-bin noise on top."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    b = np.arange(N_BINS)
    peak = np.exp(-(((b - N_BINS / 2) / 3) ** 2))
    amp = rng.gamma(4.0, 0.25, (n, 1))
    X = rng.gamma(3.0, 0.3, (n, N_MARKS, 1)) + rng.gamma(20.0, 0.01, (n, N_MARKS, N_BINS))
    X[:, 0, :] += y[:, None] * 8 * amp * peak
    X[:, 4, :] += (1 - y)[:, None] * 3 * amp
    return X.astype(np.float32), y


def small_cfg(**kw) -> GanConfig:
    base = dict(epochs=30, batch_size=50, lr=5e-4, latent_dim=8, n_critic=2, gen_width=16,
                critic_width=64, seed=3, min_genes_per_class=10)  # fmt: skip
    return GanConfig(**{**base, **kw})


def test_generator_and_critic_shapes():
    for n_bins in (100, 37):
        G, D = Generator(5, n_bins, latent_dim=16), Critic(5, n_bins)
        y = torch.tensor([0, 1, 1, 0])
        x = G(torch.randn(4, 16), y)
        assert x.shape == (4, 5, n_bins)
        assert D(x, y).shape == (4,)


def test_critic_batch_statistics_are_per_class_standard_deviations():
    """Each sample gets, per mark, the spread of its own class in the batch: the standard
    deviation over samples of each bin (averaged over bins) and that of the mark's mean."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (12, N_MARKS, N_BINS)) * rng.uniform(0.5, 2, (1, N_MARKS, 1))
    y = np.array([0, 1] * 6)
    x[y == 1] *= 3  # class 1 spreads three times as wide
    D = Critic(N_MARKS, N_BINS, batch_stats=True)
    got = D.batch_statistics(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y))
    assert got.shape == (12, 2 * N_MARKS)
    for c in (0, 1):
        xc = x[y == c]
        want = np.concatenate([xc.std(axis=0).mean(axis=1), xc.mean(axis=2).std(axis=0)])
        assert np.allclose(got[y == c].numpy(), want[None, :], rtol=1e-4)
    assert (got[1, :N_MARKS] > 2.5 * got[0, :N_MARKS]).all()


def test_batch_statistics_let_the_critic_tell_a_collapsed_batch():
    """With batch statistics, a sample scores differently among copies of itself than among
    varied samples of its class; without them its score is its own."""
    torch.manual_seed(0)
    x = torch.randn(8, N_MARKS, N_BINS)
    y = torch.zeros(8, dtype=torch.long)
    collapsed = x[:1].expand(8, -1, -1)
    with torch.no_grad():
        for batch_stats, differs in ((True, True), (False, False)):
            D = Critic(N_MARKS, N_BINS, width=32, batch_stats=batch_stats)
            varied, alone = D(x, y)[0], D(collapsed, y)[0]
            assert (not torch.isclose(varied, alone, rtol=1e-4, atol=1e-6)) == differs


def test_gan_with_critic_batch_statistics_trains_and_round_trips(tmp_path):
    """The option reaches the critic, training stays finite, and a checkpoint brings the
    same critic back (its first layer reads the 2 x marks statistics too)."""
    X, y = synthetic(120)
    gan = fit_gan(X, y, small_cfg(epochs=2, critic_batch_stats=True), device="cpu")
    assert gan.critic.batch_stats
    assert gan.critic.body[1].in_features == N_MARKS * N_BINS + 2 * N_MARKS
    assert np.isfinite(gan.history[["critic_loss", "wasserstein"]].to_numpy()).all()
    save_gan(tmp_path / "gan.pt", gan)
    again = load_gan(tmp_path / "gan.pt")
    assert again.critic.batch_stats
    Zx = torch.as_tensor(SignalTransform.fit(X).forward(X[:10]))
    yx = torch.as_tensor(y[:10])
    with torch.no_grad():
        assert torch.equal(again.critic(Zx, yx), gan.critic(Zx, yx))


def test_generator_has_no_edge_artifacts():
    """A constant internal signal stays constant up to the first and last bins: the
    convolutions pad by replicating edges (zero padding pulls the edge bins toward 0)."""
    G = Generator(5, 100, latent_dim=16)
    with torch.no_grad():
        for m in G.modules():
            if isinstance(m, torch.nn.Conv1d):
                m.weight.fill_(0.01)
                m.bias.zero_()
        G.fc[0].weight.zero_()
        G.fc[0].bias.fill_(1.0)
        x = G(torch.randn(3, 16), torch.tensor([0, 1, 0]))
    assert torch.allclose(x, x[:, :, 50:51].expand_as(x))


def residual_lag1(Z: np.ndarray) -> float:
    """Mean over marks of the correlation of neighbouring bins, each gene's mean removed."""
    r = Z - Z.mean(axis=2, keepdims=True)
    return float(
        np.mean([np.corrcoef(r[:, m, :-1].ravel(), r[:, m, 1:].ravel())[0, 1] for m in range(5)])
    )


def test_noise_channels_reach_every_bin():
    """The random input holds the latent vector and then one noise value per channel and bin;
    the same latent vector with other noise gives another profile, and without noise channels
    the input is the latent vector alone."""
    gen = torch.Generator().manual_seed(0)
    assert Generator(5, 100, latent_dim=8).draw(4, gen).shape == (4, 8)
    for n_bins in (100, 37):
        G = Generator(5, n_bins, latent_dim=8, noise_channels=3)
        z = G.draw(4, gen)
        assert z.shape == (4, 8 + 3 * 4 * G.base)
        y = torch.tensor([0, 1, 1, 0])
        other = torch.cat([z[:, :8], G.draw(4, gen)[:, 8:]], dim=1)
        with torch.no_grad():
            a, b = G(z, y), G(other, y)
        assert a.shape == (4, 5, n_bins)
        # every bin of every mark moves with the noise
        assert ((a - b).abs() > 0).all()


def test_noise_channels_give_bin_to_bin_texture():
    """Real profiles carry independent noise per bin; a generator fed a latent vector only
    makes them smooth. Neighbouring bins' correlation (gene means removed) of the synthetic
    data is 0.17; over GAN seeds 1-5 at 30 epochs the generated samples had 0.88-0.95 without
    noise channels and 0.33-0.44 with 4 (0.50-0.56 at 60 epochs)."""
    X, y = synthetic()
    lag = {}
    for k in (0, 4):
        gan = fit_gan(X, y, small_cfg(noise_channels=k), device="cpu")
        lag[k] = residual_lag1(sample(gan, 200, seed=5, transformed=True)[0])
    assert lag[0] > 0.8, lag
    assert lag[4] < 0.65, lag


def test_checkpoint_of_another_generator_is_an_input_error(tmp_path):
    X, y = synthetic(120)
    gan = fit_gan(X, y, small_cfg(epochs=1, noise_channels=2), device="cpu")
    save_gan(tmp_path / "gan.pt", gan)
    again = load_gan(tmp_path / "gan.pt")
    assert again.config.noise_channels == 2
    assert np.array_equal(sample(again, 5, seed=2)[0], sample(gan, 5, seed=2)[0])
    ck = torch.load(tmp_path / "gan.pt", weights_only=True)
    ck["config"]["noise_channels"] = 0  # the networks no longer match the config
    torch.save(ck, tmp_path / "old.pt")
    with pytest.raises(InputError, match=r"old\.pt.*rerun rule train_gan"):
        load_gan(tmp_path / "old.pt")


def test_transform_round_trip():
    X, _ = synthetic(60)
    t = SignalTransform.fit(X)
    Z = t.forward(X)
    assert np.allclose(Z.mean(axis=(0, 2)), 0, atol=1e-4)
    assert np.allclose(t.inverse(Z), X, rtol=1e-4, atol=1e-4)


def test_training_reduces_fresh_critic_distance(tmp_path):
    X, y = synthetic()
    # 150 epochs: at 60, GAN seeds 1-6 gave W1 ratios up to 0.65 and critic ratios up to 0.68;
    # at 150 the largest were 0.51 and 0.49 and the smallest peak ratio 6.2 (docs/benchmarks.md)
    cfg = small_cfg(epochs=150)
    untrained = fit_gan(X, y, small_cfg(epochs=0), device="cpu")
    trained = fit_gan(X, y, cfg, device="cpu")
    assert len(trained.history) == cfg.epochs
    Zr = trained.transform.forward(X)
    dists, w1 = [], []
    for gan in (untrained, trained):
        Zf, yf = sample(gan, len(y) // 2, seed=5, transformed=True)
        # both generators are judged in the same (trained GAN's) transformed space
        Zf = trained.transform.forward(gan.transform.inverse(Zf))
        dists.append(critic_distance(Zr, y, Zf, yf, steps=100, seed=0))
        w1.append(np.mean([wasserstein_per_column(Zf[yf == c], Zr[y == c]).mean() for c in (0, 1)]))
    # a fresh critic (same seed and steps for both) separates trained samples less well
    assert dists[1] < 0.65 * dists[0], dists
    assert w1[1] < 0.7 * w1[0], w1
    # class structure is learnt: mark 0 peaks at the TSS for class 1 only
    Xg, yg = sample(trained, 200, seed=1)
    mid = N_BINS // 2
    assert Xg[yg == 1][:, 0, mid].mean() > 3 * Xg[yg == 0][:, 0, mid].mean()
    # checkpoint round trip gives identical samples
    save_gan(tmp_path / "gan.pt", trained)
    again = load_gan(tmp_path / "gan.pt")
    assert np.array_equal(sample(again, 5, seed=2)[0], sample(trained, 5, seed=2)[0])


def test_checkpoint_from_before_the_batch_statistics_option_loads(tmp_path):
    """A checkpoint whose config has no ``critic_batch_stats`` key (written before the option
    existed) loads with the critic it was trained with, one sample at a time."""
    X, y = synthetic(120)
    gan = fit_gan(X, y, small_cfg(epochs=1), device="cpu")
    save_gan(tmp_path / "gan.pt", gan)
    ck = torch.load(tmp_path / "gan.pt", weights_only=True)
    del ck["config"]["critic_batch_stats"]
    torch.save(ck, tmp_path / "old.pt")
    old = load_gan(tmp_path / "old.pt")
    assert not old.critic.batch_stats
    assert np.array_equal(sample(old, 5, seed=2)[0], sample(gan, 5, seed=2)[0])


def test_training_is_deterministic():
    X, y = synthetic(120)
    a = fit_gan(X, y, small_cfg(epochs=2), device="cpu")
    b = fit_gan(X, y, small_cfg(epochs=2), device="cpu")
    assert a.history.equals(b.history)


def test_weight_average_leaves_training_alone_and_averages_the_generator():
    """``ema`` changes only which generator is kept: the same losses epoch by epoch, and a
    generator whose weights lie between the final and the earlier ones."""
    X, y = synthetic(120)
    plain = fit_gan(X, y, small_cfg(epochs=4), device="cpu")
    averaged = fit_gan(X, y, small_cfg(epochs=4, ema=0.9), device="cpu")
    assert averaged.history.equals(plain.history)
    start = fit_gan(X, y, small_cfg(epochs=0), device="cpu").generator  # the initial weights
    final = torch.nn.utils.parameters_to_vector(plain.generator.parameters())
    avg = torch.nn.utils.parameters_to_vector(averaged.generator.parameters())
    init = torch.nn.utils.parameters_to_vector(start.parameters())
    assert not torch.equal(avg, final)
    # an average of the trajectory sits nearer the end than the start, but not on it
    assert 0 < (avg - final).norm() < (init - final).norm()
    # a long memory on a short run: the warm-up keeps the average off the initial weights
    slow = fit_gan(X, y, small_cfg(epochs=4, ema=0.999), device="cpu").generator
    slow = torch.nn.utils.parameters_to_vector(slow.parameters())
    assert (slow - final).norm() < (slow - init).norm()
    # with almost no memory the average is the final generator
    tiny = fit_gan(X, y, small_cfg(epochs=4, ema=1e-9), device="cpu").generator
    assert torch.allclose(torch.nn.utils.parameters_to_vector(tiny.parameters()), final, atol=1e-6)


def test_divergence_names_epoch():
    X, y = synthetic(120)
    with pytest.raises(DivergenceError, match=r"non-finite loss at epoch \d+"):
        fit_gan(X, y, small_cfg(epochs=50, lr=1e30), device="cpu", source="cellX.npz")


def test_too_few_genes_of_a_class():
    X, y = synthetic(120)
    y = y.copy()
    y[:] = 0
    y[:5] = 1
    with pytest.raises(InputError, match="only 5 training genes of class 1"):
        fit_gan(X, y, small_cfg(), device="cpu", source="cellX.npz")


def test_wasserstein_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(37, 3, 4)), rng.gamma(2.0, size=(52, 3, 4))
    ours = wasserstein_per_column(a, b)
    ref = np.array(
        [[scipy.stats.wasserstein_distance(a[:, i, j], b[:, i, j]) for j in range(4)]
         for i in range(3)]
    )  # fmt: skip
    assert np.allclose(ours, ref)
    assert np.allclose(wasserstein_per_column(a, a), 0)


def test_resampled_real_distance_is_the_sampling_floor():
    """Partitions of one pool estimate the W1 that independent samples of those sizes give:
    compared with fresh draws from the generating distributions (scipy), per column."""
    rng = np.random.default_rng(4)

    # column 0 normal, column 1 a mixture with a rare, distant mode
    def draw(n: int) -> np.ndarray:
        rare = rng.random(n) < 0.1
        return np.stack(
            [rng.normal(size=n), np.where(rare, rng.normal(3, 1, n), 0.1 * rng.normal(size=n))], 1
        )

    floor = resampled_wasserstein(draw(20000), 300, 500, n_resamples=200, seed=0)
    fresh = []
    for _ in range(400):
        a, b = draw(300), draw(500)
        fresh.append([scipy.stats.wasserstein_distance(a[:, j], b[:, j]) for j in range(2)])
    fresh = np.mean(fresh, axis=0)
    assert floor.shape == (2,)
    assert np.allclose(floor, fresh, rtol=0.15)  # 0.92-1.05 of it over seeds 0-7
    with pytest.raises(ValueError, match="cannot draw samples of 300 and 500 from 700"):
        resampled_wasserstein(draw(700), 300, 500)


def test_profile_correlation():
    t = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    r = profile_correlation(np.array([[2.0, 4.0, 6.0], [1.0, 2.0, 3.0]]), t)
    assert np.allclose(r, [1.0, -1.0])


def _train_deepchrome(X: np.ndarray, y: np.ndarray) -> torch.nn.Module:
    torch.manual_seed(0)
    Z = torch.from_numpy(SignalTransform.fit(X).forward(X))
    Y = torch.from_numpy(y)
    net = models.build("deepchrome", N_MARKS, N_BINS)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for _ in range(60):
        idx = torch.randint(0, len(Y), (64,))
        loss = torch.nn.functional.cross_entropy(net(Z[idx]), Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()


def test_optimization_map_raises_class_score():
    X, y = synthetic(300)
    net = _train_deepchrome(X, y)
    maps = []
    for c in (0, 1):
        m, start, end = optimize_class_map(net, N_MARKS, N_BINS, c, l2=0.01, steps=150, lr=0.05)
        assert m.shape == (N_MARKS, N_BINS)
        assert end > start + 1.0
        with torch.no_grad():
            assert float(class_score(net, torch.from_numpy(m)[None], c)) == pytest.approx(end)
        maps.append(m)
    mid = N_BINS // 2
    # the class-1 map puts more mark-0 signal at the TSS than the class-0 map
    assert maps[1][0, mid - 2 : mid + 3].mean() > maps[0][0, mid - 2 : mid + 3].mean()
