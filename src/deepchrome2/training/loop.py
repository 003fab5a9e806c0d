"""The training loop: Adam or SGD on in-memory tensors, early stopping on validation AUROC.

Batches are taken by indexing tensors that live on the device with a seeded permutation; there
is no Dataset/DataLoader. The learning rate is constant or annealed per optimizer step along a
cosine. The best epoch (highest validation AUROC) is restored at the end. The loss and the
validation metric come from the task (``deepchrome2.training.task``): for a regression target,
mean squared error and validation Pearson r.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from deepchrome2.training.task import TASKS, Task

log = logging.getLogger(__name__)

EVAL_BATCH = 4096
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "cosine")
VALID_EVERY = ("epoch", "cell")


@dataclass
class TrainSettings:
    """Optimization settings of one training run (from config ``train:`` and its recipe).

    ``schedule="cosine"`` anneals the learning rate after every optimizer step from ``lr`` to
    ``lr_min`` along ``lr_min + (lr - lr_min) * (1 + cos(pi * step / total)) / 2``, where
    ``total`` is ``max_epochs`` times the steps per epoch. ``restarts`` trains that many
    models from different seeds and keeps the one with the best validation AUROC.

    ``valid_every`` says when the model is validated: ``epoch``, after every pass over the
    training rows; ``cell``, after every ``cell_rows`` training rows (one cell's training
    genes, which a pooled job sets), or after as many rows as there are validation rows
    scored when that is more, so validating costs at most about a third of training. Where
    the training rows are one cell's, both are once per epoch. ``patience`` counts
    validations, and is never less than one epoch's: a pool of 55 cells validated after every
    cell stops once 55 validations in a row (one pass over the pool) brought no gain.
    """

    lr: float = 1e-3
    batch_size: int = 128
    max_epochs: int = 40
    patience: int = 5
    weight_decay: float = 0.0
    seed: int = 1
    optimizer: str = "adam"
    momentum: float = 0.0
    schedule: str = "constant"
    lr_min: float = 0.0
    restarts: int = 1
    valid_every: str = "epoch"
    cell_rows: int = 0  # training rows of one cell; 0: all training rows are one cell's

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {self.optimizer!r}; valid: {', '.join(OPTIMIZERS)}"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; valid: {', '.join(SCHEDULES)}")
        if self.valid_every not in VALID_EVERY:
            raise ValueError(
                f"unknown valid_every {self.valid_every!r}; valid: {', '.join(VALID_EVERY)}"
            )
        if (
            self.lr <= 0
            or self.batch_size < 1
            or self.max_epochs < 1
            or self.patience < 1
            or self.restarts < 1
            or self.cell_rows < 0
            or self.momentum < 0
            or not 0 <= self.lr_min <= self.lr
        ):
            raise ValueError(f"invalid training settings: {asdict(self)}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainSettings:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class FitResult:
    """What a training run produced besides the model itself."""

    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: float = 0  # whole epochs, or a fraction where validated within epochs
    best_valid_auroc: float = float("nan")  # the task's headline metric (AUROC for classes)
    seconds: float = 0.0
    restart: int = 0

    @property
    def epochs_run(self) -> float:
        """Epochs run: whole passes over the training rows, plus the part of the last one
        before its final validation."""
        return self.history[-1]["epoch"] if self.history else 0


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` -> CUDA when present, else CPU; ``cuda`` without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("config: device 'cuda' requested but no CUDA device is available")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"config: unknown device {device!r}; valid: auto, cpu, cuda")
    return torch.device(device)


def seed_everything(seed: int, device: torch.device | str = "cpu") -> None:
    """Seed torch and numpy; on CUDA also ask for deterministic kernels.

    CPU kernels used here are deterministic for a fixed thread count, so the (slow to
    initialise) deterministic-algorithms switch is only turned on for CUDA. There, attention
    (``transformer``) also runs on the plain-math kernel: the flash, memory-efficient and cuDNN
    kernels of ``scaled_dot_product_attention`` have no deterministic backward, and torch's
    switch only warns about them.
    """
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    if torch.device(device).type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.backends.cuda.enable_flash_sdp(False)
        torch.backends.cuda.enable_mem_efficient_sdp(False)
        torch.backends.cuda.enable_cudnn_sdp(False)
        torch.backends.cuda.enable_math_sdp(True)


@torch.inference_mode()
def predict_logits(model: nn.Module, X: torch.Tensor, batch: int = EVAL_BATCH) -> torch.Tensor:
    """Logits of ``model`` in eval mode, computed in batches."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(X[i : i + batch]) for i in range(0, len(X), batch)])
    model.train(was_training)
    return out


def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, task: Task = TASKS["class"]
) -> tuple[float, float]:
    """(loss, headline metric) of ``model`` on ``X``, ``y``: cross-entropy and AUROC for
    classes, mean squared error and Pearson r for a regression target."""
    out = predict_logits(model, X)
    loss = float(task.loss(out, y))
    return loss, task.valid_score(y.cpu().numpy(), task.outputs(out))


def _undecorated(method: Any) -> Any:
    """The function under torch's dynamo decorators (itself when it has none)."""
    return getattr(method, "__wrapped__", method)


def eager(cls: type[torch.optim.Optimizer]) -> type[torch.optim.Optimizer]:
    """``cls`` without importing ``torch._dynamo``: same arithmetic, about 1.5 CPU s less per job.

    torch.optim's ``step``, ``zero_grad``, ``add_param_group`` and the state-dict methods are
    wrapped so that ``torch.compile`` does not trace into them; the wrappers import
    ``torch._dynamo`` (as much CPU as torch itself) on the first call. Nothing here is compiled,
    so the subclass calls the wrapped functions directly, ``step`` under ``torch.no_grad()``
    as the wrapper does for a non-differentiable optimizer. Where a torch version does not wrap
    a method, the method is used as it is.
    """
    base = torch.optim.Optimizer
    step = _undecorated(cls.step)

    def eager_step(self: torch.optim.Optimizer, closure: Any = None) -> Any:
        with torch.no_grad():
            return step(self, closure)

    methods = {
        name: _undecorated(getattr(base, name))
        for name in ("zero_grad", "add_param_group", "state_dict", "load_state_dict")
    }
    methods["step"] = eager_step
    return type(cls.__name__, (cls,), {**methods, "__doc__": cls.__doc__})


EAGER_OPTIMIZERS = {"adam": eager(torch.optim.Adam), "sgd": eager(torch.optim.SGD)}


def make_optimizer(model: nn.Module, settings: TrainSettings) -> torch.optim.Optimizer:
    """Adam, or SGD with ``settings.momentum``, at ``settings.lr`` with its weight decay."""
    if settings.optimizer == "sgd":
        return EAGER_OPTIMIZERS["sgd"](
            model.parameters(),
            lr=settings.lr,
            momentum=settings.momentum,
            weight_decay=settings.weight_decay,
        )
    return EAGER_OPTIMIZERS["adam"](
        model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay
    )


def make_schedule(
    opt: torch.optim.Optimizer, settings: TrainSettings, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-step cosine annealing over ``max_epochs * steps_per_epoch`` steps, or None."""
    if settings.schedule == "constant":
        return None
    total = settings.max_epochs * steps_per_epoch
    floor = settings.lr_min / settings.lr

    def factor(step: int) -> float:
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * step / total))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def fit_torch(
    model: nn.Module,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_valid: np.ndarray,
    y_valid: np.ndarray,
    settings: TrainSettings,
    device: torch.device | str = "cpu",
    task: Task = TASKS["class"],
) -> FitResult:
    """Train ``model`` in place with early stopping; restores the best epoch.

    Inputs are already transformed float32 arrays ``(n, marks, bins)`` with 0/1 labels (or,
    for a regression ``task``, standardized float targets).
    Call :func:`seed_everything` before building the model for a reproducible run.
    """
    tracked = fit_torch_tracks(
        model, X_train, y_train, X_valid, y_valid, {"valid": None}, settings, device, task
    )
    result, state = tracked["valid"]
    model.load_state_dict(state)
    result.seconds = tracked.seconds
    log.info(
        "restored best epoch %d (valid_%s %.4f) after %d epochs, %.1f s",
        result.best_epoch,
        task.metric,
        result.best_valid_auroc,
        result.epochs_run,
        result.seconds,
    )
    return result


class TrackedFit(dict):
    """Track name -> (its :class:`FitResult`, its best epoch's state dict), and the run's
    total seconds."""

    seconds: float = 0.0


@dataclass
class _Track:
    """Early-stopping state of one track: which validation rows it scores."""

    rows: np.ndarray | None  # None: all validation rows
    result: FitResult = field(default_factory=FitResult)
    state: dict[str, torch.Tensor] | None = None
    since_best: int = 0
    done: bool = False


def train_epoch(
    model: nn.Module,
    Xt: torch.Tensor,
    yt: torch.Tensor,
    order: torch.Tensor,
    batch_size: int,
    opt: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler | None,
    task: Task,
) -> float:
    """One pass over the training rows in ``order``, a step per batch; the mean loss."""
    model.train()
    n = len(order)
    total = torch.zeros((), device=Xt.device)
    for i in range(0, n, batch_size):
        idx = order[i : i + batch_size]
        loss = task.loss(model(Xt[idx]), yt[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if schedule is not None:
            schedule.step()
        total += loss.detach() * len(idx)
    return float(total) / n


@dataclass
class _Epoch:
    """One epoch's validation pass over all validation rows."""

    epoch: float  # epochs run at this validation (whole when it ends an epoch)
    train_loss: float
    losses: np.ndarray  # per validation row
    outputs: np.ndarray  # per validation row: class-1 probability or predicted value
    y: np.ndarray
    lr: float
    seconds: float


def _score_track(
    name: str,
    tr: _Track,
    ep: _Epoch,
    model: nn.Module,
    settings: TrainSettings,
    task: Task,
    patience: int,
) -> None:
    """Score one track's validation rows; keep the model's state if it is the track's best
    epoch; stop the track once its patience is spent."""
    sel = slice(None) if tr.rows is None else tr.rows
    valid_loss = float(ep.losses[sel].mean(dtype=np.float64))
    valid_auroc = task.valid_score(ep.y[sel], ep.outputs[sel])
    improved = valid_auroc > tr.result.best_valid_auroc or tr.state is None
    if improved:
        tr.result.best_epoch, tr.result.best_valid_auroc = ep.epoch, valid_auroc
        tr.state = copy.deepcopy(model.state_dict())
        tr.since_best = 0
    else:
        tr.since_best += 1
    tr.result.history.append(
        {
            "epoch": ep.epoch,
            "train_loss": ep.train_loss,
            "valid_loss": valid_loss,
            f"valid_{task.metric}": valid_auroc,
            "lr": ep.lr,
            "seconds": ep.seconds,
        }
    )
    log.info(
        "epoch %s/%d train_loss %.4f %s valid_loss %.4f valid_%s %.4f%s (%.2f s)",
        ep.epoch,
        settings.max_epochs,
        ep.train_loss,
        name,
        valid_loss,
        task.metric,
        valid_auroc,
        " *" if improved else "",
        ep.seconds,
    )
    if tr.since_best >= patience:
        tr.done = True
        log.info("%s: early stop, no gain in %d validations", name, patience)


def fit_torch_tracks(
    model: nn.Module,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_valid: np.ndarray,
    y_valid: np.ndarray,
    tracks: dict[str, np.ndarray | None],
    settings: TrainSettings,
    device: torch.device | str = "cpu",
    task: Task = TASKS["class"],
) -> TrackedFit:
    """Train ``model`` once while early-stopping several *tracks* independently.

    A track is a subset of the validation rows (``None``: all of them), e.g. one target
    cell's validation genes. Each epoch scores all validation rows in one batched pass, then
    every track still running updates its best epoch (keeping that epoch's state dict) and
    its patience. Training goes on until every track's patience is spent (or
    ``max_epochs``). Since training never looks at validation genes, each track gets exactly
    the model that a run early-stopped on it alone would have kept. ``model`` is left at its
    last epoch; each track's best state is in the returned :class:`TrackedFit`.
    """
    if not tracks:
        raise ValueError("need at least one early-stopping track")
    device = torch.device(device)
    model.to(device)
    Xt = torch.as_tensor(X_train, dtype=torch.float32, device=device)
    yt = task.tensor(y_train, device)
    Xv = torch.as_tensor(X_valid, dtype=torch.float32, device=device)
    yv = task.tensor(y_valid, device)
    yv_np = np.asarray(y_valid)
    state = {name: _Track(None if r is None else np.asarray(r)) for name, r in tracks.items()}
    gen = torch.Generator().manual_seed(settings.seed)
    n, bs = len(Xt), settings.batch_size
    opt = make_optimizer(model, settings)
    schedule = make_schedule(opt, settings, math.ceil(n / bs))
    every = validation_interval(settings, n, len(Xv))
    patience = max(settings.patience, math.ceil(n / every))
    start = time.perf_counter()
    for epoch in range(1, settings.max_epochs + 1):
        perm = torch.randperm(n, generator=gen).to(device)
        for begin in range(0, n, every):
            t0 = time.perf_counter()
            end = min(begin + every, n)
            train_loss = train_epoch(model, Xt, yt, perm[begin:end], bs, opt, schedule, task)
            at = epoch if end == n else round(epoch - 1 + end / n, 4)
            scores = _validate(model, Xv, yv, yv_np, task, at, train_loss, opt, t0)
            for name, tr in state.items():
                if not tr.done:
                    _score_track(name, tr, scores, model, settings, task, patience)
            if all(tr.done for tr in state.values()):
                return _tracked_fit(state, start)
    return _tracked_fit(state, start)


def validation_interval(settings: TrainSettings, n_train: int, n_valid: int) -> int:
    """Training rows between two validations: all ``n_train`` for ``valid_every: epoch``;
    for ``cell``, one cell's training rows or ``n_valid`` when that is more, rounded up to
    whole batches (so the batches are those of a run validated once per epoch)."""
    if settings.valid_every == "epoch" or settings.cell_rows == 0:
        return n_train
    bs = settings.batch_size
    every = max(settings.cell_rows, n_valid)
    return min(n_train, math.ceil(every / bs) * bs)


def _validate(
    model: nn.Module,
    Xv: torch.Tensor,
    yv: torch.Tensor,
    y_valid: np.ndarray,
    task: Task,
    epoch: float,
    train_loss: float,
    opt: torch.optim.Optimizer,
    t0: float,
) -> _Epoch:
    """One epoch's pass over all validation rows (``t0``: when the epoch began)."""
    logits = predict_logits(model, Xv)
    return _Epoch(
        epoch=epoch,
        train_loss=train_loss,
        losses=task.row_losses(logits, yv),
        outputs=task.outputs(logits),
        y=y_valid,
        lr=opt.param_groups[0]["lr"],
        seconds=time.perf_counter() - t0,
    )


def _tracked_fit(state: dict[str, _Track], start: float) -> TrackedFit:
    """Each track's result and best state, with the run's seconds since ``start``."""
    out = TrackedFit()
    for name, tr in state.items():
        assert tr.state is not None
        tr.result.seconds = time.perf_counter() - start
        out[name] = (tr.result, tr.state)
    out.seconds = time.perf_counter() - start
    return out
