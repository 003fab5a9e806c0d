"""Validation of the ``train:`` config section against the model registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema

from deepchrome2 import models

PER_ARCH_SETTINGS = ("lr", "batch_size", "max_epochs", "patience", "weight_decay")


def architectures_schema(names: list[str]) -> dict[str, Any]:
    """JSON schema of ``train.architectures`` and ``train.per_arch`` keys for ``names``."""
    return {
        "type": "object",
        "properties": {
            "architectures": {"type": "array", "items": {"enum": names}},
            "per_arch": {"type": "object", "propertyNames": {"enum": names}},
        },
    }


def check_architectures(config: Mapping[str, Any]) -> None:
    """Reject unknown architecture names or hyperparameters, listing the valid ones."""
    train = config.get("train") or {}
    names = models.available()
    validator = jsonschema.Draft202012Validator(architectures_schema(names))
    for err in validator.iter_errors(train):
        where = "train." + ".".join(str(p) for p in err.path if not isinstance(p, int))
        bad = err.instance
        raise ValueError(
            f"config: unknown architecture '{bad}' in {where}; valid: {', '.join(names)}"
        )
    for arch, over in (train.get("per_arch") or {}).items():
        valid_hp = models.hparam_names(arch)
        for key in (over or {}).get("hparams") or {}:
            if key not in valid_hp:
                raise ValueError(
                    f"config: unknown hyperparameter '{key}' in train.per_arch.{arch}.hparams; "
                    f"valid: {', '.join(valid_hp) or '(none)'}"
                )


def arch_settings(config: Mapping[str, Any], arch: str) -> dict[str, Any]:
    """Training settings for ``arch``: the ``train:`` defaults with its per-arch overrides."""
    train = config["train"]
    over = (train.get("per_arch") or {}).get(arch) or {}
    out = {k: train[k] for k in PER_ARCH_SETTINGS if k in train}
    out.update({k: over[k] for k in PER_ARCH_SETTINGS if k in over})
    out["seed"] = train["seed"]
    return out


def arch_hparams(config: Mapping[str, Any], arch: str) -> dict[str, Any]:
    """Hyperparameter overrides for ``arch`` from ``train.per_arch.<arch>.hparams``."""
    over = (config["train"].get("per_arch") or {}).get(arch) or {}
    return dict(over.get("hparams") or {})
