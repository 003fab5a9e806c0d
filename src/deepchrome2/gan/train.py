"""Seeded WGAN-GP training of the conditional GAN, checkpoints and sampling."""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch

from deepchrome2.errors import InputError
from deepchrome2.gan.data import PathLike, SignalTransform, check_class_counts, load_split_data
from deepchrome2.gan.model import Critic, Generator, gradient_penalty
from deepchrome2.io import atomic_path, write_tsv
from deepchrome2.training.loop import eager, resolve_device

log = logging.getLogger(__name__)

HISTORY_COLUMNS = ["epoch", "critic_loss", "generator_loss", "wasserstein", "gradient_penalty"]

ADAM = eager(torch.optim.Adam)  # torch.optim.Adam, without importing torch._dynamo


class DivergenceError(InputError):
    """GAN training produced a non-finite loss; names the epoch."""


@dataclass
class GanConfig:
    """Hyper-parameters of one GAN run (the ``gan:`` config section)."""

    epochs: int = 300
    batch_size: int = 64
    lr: float = 2e-4
    latent_dim: int = 32
    n_critic: int = 5
    gp_weight: float = 10.0
    seed: int = 7
    gen_width: int = 32
    noise_channels: int = 0
    critic_width: int = 256
    ema: float = 0.0
    critic_batch_stats: bool = False
    min_genes_per_class: int = 20

    @classmethod
    def from_mapping(cls, cfg: dict) -> GanConfig:
        """Take the known keys of a config mapping, ignore the rest."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in cfg.items() if k in known})


@dataclass
class TrainedGan:
    """A generator with its transform and metadata (and the critic, for diagnostics)."""

    generator: Generator
    critic: Critic
    transform: SignalTransform
    marks: list[str]
    bin_starts: np.ndarray
    config: GanConfig
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HISTORY_COLUMNS))


@dataclass
class _Wgan:
    """The two networks of a WGAN-GP, their optimizers and random stream, during training."""

    G: Generator
    D: Critic
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    gen: torch.Generator
    dev: torch.device
    cfg: GanConfig
    G_ema: Generator | None = None  # running average of G's weights (``cfg.ema`` > 0)
    step: int = 0  # critic steps so far, over all epochs
    g_steps: int = 0  # updates of the averaged generator so far

    def critic_step(self, real: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """One critic step on a batch; its loss, Wasserstein estimate and gradient penalty."""
        cfg, D = self.cfg, self.D
        noise = self.G.draw(len(real), self.gen, self.dev)
        with torch.no_grad():
            fake = self.G(noise, yb)
        d_real, d_fake = D(real, yb).mean(), D(fake, yb).mean()
        gp = gradient_penalty(D, real, fake, yb, self.gen)
        loss_d = d_fake - d_real + cfg.gp_weight * gp
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        return torch.stack([loss_d.detach(), (d_real - d_fake).detach(), gp.detach()])

    def generator_step(self, yb: torch.Tensor) -> torch.Tensor:
        """One generator step against the (frozen) critic; its loss."""
        noise = self.G.draw(len(yb), self.gen, self.dev)
        self.D.requires_grad_(False)
        loss_g = -self.D(self.G(noise, yb), yb).mean()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.D.requires_grad_(True)
        if self.G_ema is not None:
            self.update_average()
        return loss_g.detach()

    @torch.no_grad()
    def update_average(self) -> None:
        """Move the averaged generator's weights towards G's: ``w += (1 - d) * (w_G - w)``.

        The decay ``d`` is ``cfg.ema``, but at most ``(1 + k) / (10 + k)`` after ``k`` earlier
        updates, so that a short run does not keep much of the untrained generator.
        """
        decay = min(self.cfg.ema, (1 + self.g_steps) / (10 + self.g_steps))
        for avg, cur in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
            avg.lerp_(cur, 1.0 - decay)
        self.g_steps += 1

    def epoch(self, Z: torch.Tensor, Y: torch.Tensor, bs: int) -> tuple[list[float], int]:
        """One pass of the critic over the genes in batches of ``bs``, a generator step every
        ``n_critic`` critic steps; the epoch's mean critic loss, generator loss, Wasserstein
        estimate and gradient penalty, and its number of generator steps."""
        n = len(Z)
        n_batches = n // bs
        perm = torch.randperm(n, generator=self.gen, device=self.dev)
        sums = torch.zeros(3, device=self.dev)
        g_sum, g_steps = torch.zeros((), device=self.dev), 0
        for b in range(n_batches):
            idx = perm[b * bs : (b + 1) * bs]
            yb = Y[idx]
            sums += self.critic_step(Z[idx], yb)
            self.step += 1
            if self.step % self.cfg.n_critic == 0:
                g_sum += self.generator_step(yb)
                g_steps += 1
        c_loss, w_est, gp_mean = (sums / n_batches).tolist()
        g_loss = g_sum.item() / g_steps if g_steps else float("nan")
        return [c_loss, g_loss, w_est, gp_mean], g_steps


def _check_finite(row: list[float], g_steps: int, source: PathLike) -> None:
    """DivergenceError naming the epoch when a loss of ``row`` (epoch, critic, generator,
    Wasserstein estimate, gradient penalty) is NaN or infinite (the generator's only when it
    stepped in that epoch)."""
    epoch, c_loss, g_loss, w_est, gp_mean = row
    if not np.all(np.isfinite([c_loss, w_est, gp_mean])) or (g_steps and not np.isfinite(g_loss)):
        raise DivergenceError(
            source,
            f"GAN training diverged: non-finite loss at epoch {epoch} "
            f"(critic {c_loss}, generator {g_loss}); lower gan.lr or raise gan.gp_weight",
        )


def networks(cfg: GanConfig, n_marks: int, n_bins: int) -> tuple[Generator, Critic]:
    """A fresh generator and critic of ``cfg``'s sizes, for inputs of ``n_marks`` x ``n_bins``."""
    generator = Generator(
        n_marks, n_bins, cfg.latent_dim, cfg.gen_width, noise_channels=cfg.noise_channels
    )
    return generator, Critic(n_marks, n_bins, cfg.critic_width, batch_stats=cfg.critic_batch_stats)


def fit_gan(
    X: np.ndarray,
    y: np.ndarray,
    cfg: GanConfig,
    marks: Sequence[str] | None = None,
    bin_starts: np.ndarray | None = None,
    device: str = "auto",
    source: PathLike = "training data",
) -> TrainedGan:
    """Train a conditional WGAN-GP on raw signal ``X`` (genes x marks x bins) with labels ``y``.

    An epoch is one pass of the critic over the genes in batches; the generator takes one step
    per ``n_critic`` critic steps. With ``cfg.ema`` > 0 the returned (and saved) generator is
    the moving average of the trained one's weights (:meth:`_Wgan.update_average`); the critic
    is always the trained one. Raises :class:`DivergenceError` naming the epoch when a loss
    becomes NaN or infinite.
    """
    check_class_counts(y, cfg.min_genes_per_class, source, "training")
    if not np.isfinite(X).all():
        raise InputError(source, "training signal contains NaN or infinite values")
    dev = resolve_device(device)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator(device=dev).manual_seed(cfg.seed)
    n, n_marks, n_bins = X.shape
    transform = SignalTransform.fit(X)
    Z = torch.from_numpy(transform.forward(X)).to(dev)
    Y = torch.from_numpy(np.asarray(y, dtype=np.int64)).to(dev)
    G, D = (net.to(dev) for net in networks(cfg, n_marks, n_bins))
    opt_g = ADAM(G.parameters(), lr=cfg.lr, betas=(0.5, 0.9))
    opt_d = ADAM(D.parameters(), lr=cfg.lr, betas=(0.5, 0.9))
    G_ema = copy.deepcopy(G).requires_grad_(False) if cfg.ema > 0 else None
    wgan = _Wgan(G, D, opt_g, opt_d, gen, dev, cfg, G_ema)
    bs = min(cfg.batch_size, n)
    rows = []
    start = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        losses, g_steps = wgan.epoch(Z, Y, bs)
        row = [epoch, *losses]
        _check_finite(row, g_steps, source)
        rows.append(row)
        if epoch == 1 or epoch % max(1, cfg.epochs // 20) == 0 or epoch == cfg.epochs:
            log.info(
                "epoch %d/%d critic %.4f generator %.4f W %.4f gp %.4f (%.1f s)",
                *row[:1],
                cfg.epochs,
                *row[1:],
                time.perf_counter() - start,
            )
    G = G_ema if G_ema is not None else G
    G.eval()
    D.eval()
    hist = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return TrainedGan(
        G.cpu(),
        D.cpu(),
        transform,
        list(marks) if marks is not None else [f"mark{i}" for i in range(n_marks)],
        np.arange(n_bins) if bin_starts is None else np.asarray(bin_starts),
        cfg,
        hist,
    )


def save_gan(path: PathLike, gan: TrainedGan) -> None:
    """Write a checkpoint (both networks, transform, metadata) atomically."""
    final, tmp = atomic_path(path)
    torch.save(
        {
            "generator": gan.generator.state_dict(),
            "critic": gan.critic.state_dict(),
            "transform": gan.transform.state(),
            "marks": list(gan.marks),
            "bin_starts": [int(b) for b in gan.bin_starts],
            "config": asdict(gan.config),
        },
        tmp,
    )
    os.replace(tmp, final)


def load_gan(path: PathLike) -> TrainedGan:
    """Read a checkpoint written by :func:`save_gan` (networks on CPU, in eval mode)."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as err:
        raise InputError(path, "GAN checkpoint not found") from err
    except (RuntimeError, OSError, KeyError) as err:
        raise InputError(path, f"cannot read GAN checkpoint: {err}") from err
    cfg = GanConfig(**ck["config"])
    n_marks, n_bins = len(ck["marks"]), len(ck["bin_starts"])
    G, D = networks(cfg, n_marks, n_bins)
    try:
        G.load_state_dict(ck["generator"])
        D.load_state_dict(ck["critic"])
    except RuntimeError as err:
        detail = str(err).strip().splitlines()[-1].strip()
        raise InputError(
            path, f"networks do not match this version's GAN ({detail}); rerun rule train_gan"
        ) from err
    G.eval()
    D.eval()
    return TrainedGan(
        G,
        D,
        SignalTransform.from_state(ck["transform"]),
        list(ck["marks"]),
        np.asarray(ck["bin_starts"]),
        cfg,
    )


@torch.no_grad()
def sample(
    gan: TrainedGan, n_per_class: int, seed: int, transformed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n_per_class`` matrices of each class: (X genes x marks x bins, labels).

    ``X`` is raw signal (inverse-transformed) unless ``transformed``.
    """
    gen = torch.Generator().manual_seed(seed)
    y = torch.repeat_interleave(torch.arange(2), n_per_class)
    z = gan.generator.draw(len(y), gen)
    Zg = gan.generator(z, y).numpy()
    if not np.isfinite(Zg).all():
        raise RuntimeError("generator produced non-finite values")
    X = Zg if transformed else gan.transform.inverse(Zg)
    return X.astype(np.float32), y.numpy()


def train_gan(
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split: PathLike,
    checkpoint: PathLike,
    history: PathLike,
    gan_cfg: dict,
    device: str = "auto",
) -> None:
    """Snakemake step: train on the training genes of the given cells, write checkpoint+history."""
    cfg = GanConfig.from_mapping(gan_cfg)
    data = load_split_data(features, labels, split, "train", cfg.min_genes_per_class)
    log.info(
        "training GAN on %d genes (%d class 0, %d class 1) of %d cell(s), device %s",
        len(data.y),
        int((data.y == 0).sum()),
        int((data.y == 1).sum()),
        len(features),
        resolve_device(device),
    )
    gan = fit_gan(data.X, data.y, cfg, data.marks, data.bin_starts, device, features[0])
    save_gan(checkpoint, gan)
    write_tsv(history, gan.history, float_format="%.6g")


def generate_gan(checkpoint: PathLike, output: PathLike, n_per_class: int, seed: int) -> None:
    """Snakemake step: ``n_per_class`` samples of each class -> ``generated.npz``.

    Holds ``Z`` (transformed space), ``X`` (raw signal), ``y``, ``marks`` and ``bin_starts``.
    """
    gan = load_gan(checkpoint)
    Z, y = sample(gan, n_per_class, seed, transformed=True)
    final, tmp = atomic_path(output)
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            Z=Z,
            X=gan.transform.inverse(Z),
            y=y,
            marks=np.asarray(gan.marks, dtype=str),
            bin_starts=np.asarray(gan.bin_starts, dtype=np.int64),
        )
    os.replace(tmp, final)
    log.info("%d samples per class written to %s", n_per_class, output)


def load_generated(path: PathLike) -> dict[str, np.ndarray]:
    """Read ``generated.npz`` written by :func:`generate_gan`."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            out = {k: npz[k] for k in npz.files}
    except FileNotFoundError as err:
        raise InputError(path, "generated samples not found") from err
    except (OSError, ValueError) as err:
        raise InputError(path, f"cannot read generated samples: {err}") from err
    missing = {"Z", "X", "y", "marks", "bin_starts"} - set(out)
    if missing:
        raise InputError(path, f"generated samples lack {sorted(missing)}")
    out["marks"] = [str(m) for m in out["marks"]]
    return out
