"""Conditional Wasserstein GAN for histone-signal matrices (marks x bins).

Stabilisation choice: **WGAN-GP** (Gulrajani et al. 2017). The critic has no batch
normalisation (the gradient penalty is per sample) and the expression class enters it by
projection (Miyato & Koyama 2018): ``D(x, y) = w . h(x) + e_y . h(x)``. The generator takes a
latent vector and a learned class embedding and upsamples it with 1-D convolutions along the
bins, so neighbouring bins are generated jointly; the convolutions pad by replicating the
edge bins: with zero padding the generated profiles dipped or jumped in their first and
last bins. Optionally (``noise_channels`` > 0) independent standard-normal noise per bin
enters the last convolution as extra input channels: a latent vector alone makes every
generated profile smooth across bins, where real profiles carry bin-to-bin noise. The critic
is a multilayer perceptron. Optionally (``batch_stats``) it also reads statistics of the
batch per class and mark, as the minibatch standard deviation of Karras et al. (2018): a
critic that sees one sample at a time cannot tell a generator whose samples are each
plausible but too alike, or spread between genes where real ones vary within a gene. Both
networks work in the transformed space (log1p, then standardised per mark, see
:class:`deepchrome2.gan.data.SignalTransform`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

N_CLASSES = 2


class Generator(nn.Module):
    """Latent vector (and per-bin noise) + class -> (marks x bins) signal, transformed space."""

    def __init__(
        self,
        n_marks: int,
        n_bins: int,
        latent_dim: int = 32,
        width: int = 64,
        n_classes: int = 2,
        noise_channels: int = 0,
    ) -> None:
        super().__init__()
        self.n_marks, self.n_bins, self.latent_dim = n_marks, n_bins, latent_dim
        self.base = math.ceil(n_bins / 4)
        self.width = width
        self.noise_channels = noise_channels
        self.embed = nn.Embedding(n_classes, 16)
        self.fc = nn.Sequential(
            nn.Linear(latent_dim + 16, 2 * width * self.base), nn.LeakyReLU(0.2)
        )
        self.up = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv1d(2 * width, width, 5, padding=2, padding_mode="replicate"),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv1d(width, width, 5, padding=2, padding_mode="replicate"),
            nn.LeakyReLU(0.2),
        )
        self.head = nn.Conv1d(
            width + noise_channels, n_marks, 5, padding=2, padding_mode="replicate"
        )

    @property
    def input_dim(self) -> int:
        """Width of the random input per sample: the latent vector, then the per-bin noise."""
        return self.latent_dim + self.noise_channels * 4 * self.base

    def draw(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """Standard-normal input ``(n, input_dim)`` for ``n`` samples, drawn from ``generator``."""
        return torch.randn(n, self.input_dim, generator=generator, device=device)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Signal (batch, marks, bins) from random input ``z`` (:meth:`draw`) and class ``y``."""
        latent = z[:, : self.latent_dim]
        h = self.fc(torch.cat([latent, self.embed(y)], dim=1))
        h = self.up(h.view(-1, 2 * self.width, self.base))
        if self.noise_channels:
            noise = z[:, self.latent_dim :].reshape(len(z), self.noise_channels, h.shape[-1])
            h = torch.cat([h, noise], dim=1)
        return self.head(h)[:, :, : self.n_bins]


class Critic(nn.Module):
    """(marks x bins) matrix + class -> unbounded realness score (projection conditioning).

    A multilayer perceptron over the flattened matrix: the gradient penalty needs a
    double backward pass, which is several times cheaper through linear layers than through
    1-D convolutions on a CPU, and a fully connected critic sees all mark-by-bin combinations.
    """

    def __init__(
        self,
        n_marks: int,
        n_bins: int,
        width: int = 256,
        n_classes: int = 2,
        batch_stats: bool = False,
    ) -> None:
        super().__init__()
        self.n_marks, self.n_bins = n_marks, n_bins
        self.batch_stats = batch_stats
        n_stats = 2 * n_marks if batch_stats else 0
        self.body = nn.Sequential(
            nn.Flatten(),
            nn.Linear(n_marks * n_bins + n_stats, width),
            nn.LeakyReLU(0.2),
            nn.Linear(width, width),
            nn.LeakyReLU(0.2),
        )
        self.out = nn.Linear(width, 1)
        self.embed = nn.Embedding(n_classes, width)

    def batch_statistics(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per sample, two statistics of the samples of its class in the batch, per mark:
        the standard deviation over samples of each bin, averaged over the bins, and the
        standard deviation over samples of the mark's mean over bins; ``(batch, 2 * marks)``.
        """
        onehot = nn.functional.one_hot(y, self.embed.num_embeddings).to(x.dtype)
        count = onehot.sum(dim=0).clamp(min=1.0)[:, None]

        def sd_by_class(v: torch.Tensor) -> torch.Tensor:
            mean = onehot.T @ v / count
            var = onehot.T @ (v - mean[y]) ** 2 / count
            return torch.sqrt(var + 1e-8)  # the epsilon keeps the gradient finite at 0

        per_bin = sd_by_class(x.flatten(1)).view(-1, self.n_marks, self.n_bins).mean(dim=2)
        of_means = sd_by_class(x.mean(dim=2))
        return torch.cat([per_bin, of_means], dim=1)[y]

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.batch_stats:
            x = torch.cat([x.flatten(1), self.batch_statistics(x, y)], dim=1)
        h = self.body(x)
        return self.out(h).squeeze(1) + (self.embed(y) * h).sum(dim=1)


def gradient_penalty(
    critic: Critic, real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor, gen: torch.Generator
) -> torch.Tensor:
    """WGAN-GP penalty ``E[(||grad D(x_hat)|| - 1)^2]`` on real/fake interpolates of one class."""
    eps = torch.rand(real.shape[0], 1, 1, generator=gen, device=real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    score = critic(x_hat, y)
    (grad,) = torch.autograd.grad(score.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
