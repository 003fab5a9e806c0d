"""Named training recipes: every optimization setting of a training run, as one preset.

``train.recipe`` picks one for all architectures, ``train.per_arch.<arch>.recipe`` for one.
A recipe sets the optimizer, learning rate and its schedule, batch size, epochs, early-stopping
patience, weight decay, input transform and restarts, and may adjust them per architecture.
Settings resolve in this order, each overriding the one before:

1. the recipe's settings;
2. the recipe's own adjustment for the architecture (``per_arch`` below);
3. keys set directly under ``train:`` (they apply to every architecture);
4. keys set under ``train.per_arch.<arch>``.

- ``dc2``: the recipe behind every DeepChrome 2.0 number, from the authors' training script:
  SGD without momentum, lr 1e-3 annealed per optimizer step along a cosine to 1e-6 over
  ``max_epochs`` x steps per epoch, batch 32, at most 100 epochs, early stopping on validation
  AUROC, raw values in (no transform), best of 5 restarts by validation AUROC for the linear
  models. Every published DeepChrome 2.0 run (per-cell and cross-cell; the ``command.txt``
  saved beside each checkpoint) ran ``main_better_testing.py`` with patience 15, which stops
  once 15 epochs in a row failed to improve the best validation AUROC
  (``since_last_update >= patience``); our ``patience`` counts the same epochs, so it is 15.
  (The authors' older ``main.py`` stops only after more than 15.)
  It validates once per epoch, pooled training sets included (``valid_every: epoch``).
- ``fast``: Adam at lr 1e-3 (constant), batch 128, at most 30 epochs, patience 5, inputs
  log1p-transformed and standardised on the training genes; the linear models and
  AttentiveChrome get larger learning rates, being far from converged after 30 epochs at 1e-3.
  Validation once per epoch, as ``dc2``. ``valid_every: cell`` (set under ``train:``) is
  this workflow's cheaper variant for pooled cross-cell jobs: it validates after every
  cell's worth of training genes and spends patience after 5 such validations or one pass
  over the pool, whichever is more, not after 5 passes over a pool of up to 55 cells. It is
  off by default because it lowers the cross-cell AUROC (docs/benchmarks.md, "Pooled jobs:
  only the validation genes in use, and validating every cell"); one cell's training is
  validated once per epoch either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LINEAR_ARCHS = ("linear", "linear_max", "linear_median", "linear_sum", "linear_min")
# Keys a recipe sets (and that train: and train.per_arch.<arch> may override).
SETTINGS = (
    "optimizer",
    "lr",
    "momentum",
    "schedule",
    "lr_min",
    "batch_size",
    "max_epochs",
    "patience",
    "weight_decay",
    "transform",
    "restarts",
    "valid_every",
)

RECIPES: dict[str, dict[str, Any]] = {
    "dc2": {
        "settings": {
            "optimizer": "sgd",
            "lr": 1e-3,
            "momentum": 0.0,
            "schedule": "cosine",
            "lr_min": 1e-6,
            "batch_size": 32,
            "max_epochs": 100,
            "patience": 15,
            "weight_decay": 0.0,
            "transform": "none",
            "restarts": 1,
            "valid_every": "epoch",
        },
        "per_arch": {arch: {"restarts": 5} for arch in LINEAR_ARCHS},
    },
    "fast": {
        "settings": {
            "optimizer": "adam",
            "lr": 1e-3,
            "momentum": 0.0,
            "schedule": "constant",
            "lr_min": 0.0,
            "batch_size": 128,
            "max_epochs": 30,
            "patience": 5,
            "weight_decay": 0.0,
            "transform": "log1p_standardize",
            "restarts": 1,
            "valid_every": "epoch",
        },
        "per_arch": {
            **{arch: {"lr": 0.05} for arch in LINEAR_ARCHS},
            "logistic": {"lr": 0.01},
            "attentivechrome": {"lr": 0.005},
        },
    },
}
DEFAULT = "fast"


def names() -> list[str]:
    """Sorted names of the recipes."""
    return sorted(RECIPES)


def check_name(name: str, where: str = "train.recipe") -> None:
    """ValueError naming the config key and the valid recipes unless ``name`` is one."""
    if name not in RECIPES:
        raise ValueError(f"config {where}: unknown recipe {name!r}; valid: {', '.join(names())}")


def recipe_of(train: Mapping[str, Any], arch: str) -> str:
    """The recipe name that applies to ``arch`` under the ``train:`` section."""
    over = (train.get("per_arch") or {}).get(arch) or {}
    return str(over.get("recipe") or train.get("recipe") or DEFAULT)


def resolve(train: Mapping[str, Any], arch: str) -> dict[str, Any]:
    """Every setting of :data:`SETTINGS` for ``arch``, in the documented order of precedence."""
    over = (train.get("per_arch") or {}).get(arch) or {}
    name = recipe_of(train, arch)
    check_name(name, f"train.per_arch.{arch}.recipe" if over.get("recipe") else "train.recipe")
    recipe = RECIPES[name]
    out = dict(recipe["settings"])
    out.update(recipe["per_arch"].get(arch, {}))
    out.update({k: train[k] for k in SETTINGS if k in train})
    out.update({k: over[k] for k in SETTINGS if k in over})
    out["recipe"] = name
    return out
