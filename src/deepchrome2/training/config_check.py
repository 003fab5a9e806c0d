"""Validation of the ``train:`` config section against the model registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema

from deepchrome2 import models
from deepchrome2.messages import nearest
from deepchrome2.models._choices import check_choices
from deepchrome2.training import recipes


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
    """Reject unknown architecture, recipe or hyperparameter names (or values such as a
    ``linear`` aggregator), listing the valid ones."""
    train = config.get("train") or {}
    names = models.available()
    validator = jsonschema.Draft202012Validator(architectures_schema(names))
    for err in validator.iter_errors(train):
        where = "train." + ".".join(str(p) for p in err.path if not isinstance(p, int))
        bad = err.instance
        raise ValueError(
            f"config: unknown architecture '{bad}' in {where}{nearest(str(bad), names)}; "
            f"valid: {', '.join(names)}"
        )
    recipes.check_name(str(train.get("recipe", recipes.DEFAULT)))
    for arch, over in (train.get("per_arch") or {}).items():
        if (over or {}).get("recipe") is not None:
            recipes.check_name(str(over["recipe"]), f"train.per_arch.{arch}.recipe")
        hparams = (over or {}).get("hparams") or {}
        valid_hp = models.hparam_names(arch)
        for key in hparams:
            if key not in valid_hp:
                raise ValueError(
                    f"config: unknown hyperparameter '{key}' in train.per_arch.{arch}.hparams"
                    f"{nearest(str(key), list(valid_hp))}; valid: {', '.join(valid_hp) or '(none)'}"
                )
        try:
            check_choices(hparams)
        except ValueError as err:
            raise ValueError(f"config train.per_arch.{arch}.hparams: {err}") from None


def arch_settings(config: Mapping[str, Any], arch: str) -> dict[str, Any]:
    """Training settings for ``arch``: its recipe, adjusted by ``train:`` and per-arch keys.

    The order of precedence is documented in :mod:`deepchrome2.training.recipes`; the result
    holds every recipe setting (``transform`` included), the recipe's name and the seed.
    """
    train = config["train"]
    out = recipes.resolve(train, arch)
    out["seed"] = train["seed"]
    return out


def arch_hparams(config: Mapping[str, Any], arch: str) -> dict[str, Any]:
    """Hyperparameter overrides for ``arch`` from ``train.per_arch.<arch>.hparams``."""
    over = (config["train"].get("per_arch") or {}).get(arch) or {}
    return dict(over.get("hparams") or {})


class ArchParams:
    """The params functions of a rule that trains an architecture (``{arch}`` wildcard), for
    a planning object that holds the ``config``."""

    config: Mapping[str, Any]

    def settings(self, wildcards: Any) -> dict[str, Any]:
        """params: optimization settings of one architecture."""
        return arch_settings(self.config, wildcards.arch)

    def transform(self, wildcards: Any) -> str:
        """params: input transform of one architecture (from its recipe)."""
        return str(arch_settings(self.config, wildcards.arch)["transform"])

    def hparams(self, wildcards: Any) -> dict[str, Any]:
        """params: hyperparameter overrides of one architecture."""
        return arch_hparams(self.config, wildcards.arch)
