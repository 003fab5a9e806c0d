"""Registry of model architectures, one module per architecture.

Every public module in this package (name not starting with ``_``) is an architecture and is
discovered automatically, so adding an architecture means adding one file. Each module defines
``NAME`` (equal to its module name), ``KIND`` (``"torch"`` or ``"sklearn"``), ``DEFAULTS`` (its
hyperparameters) and ``build(n_marks, n_bins, **hparams)``, and optionally ``check(**hparams)``,
which raises ValueError for invalid values (run by :func:`check_hparams` before building).

Torch models take ``x`` of shape ``(batch, marks, bins)``, float32 and already transformed, and
return logits of shape ``(batch, 2)``. Scikit-learn models follow :class:`SklearnModel`:
``fit(X, y)`` and ``predict_proba(X) -> (n, 2)`` on ``(n, marks, bins)`` arrays.

Regression (``build(..., n_outputs=1)``): a torch model's final 2-logit layer is replaced by a
one-output layer (:func:`~deepchrome2.models._base.set_output_width`), so no architecture needs
code of its own; a scikit-learn module supports regression by defining
``build_regressor(n_marks, n_bins, **hparams)``, a model with ``fit(X, y)`` and
``predict(X) -> (n,)``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported by the jobs that build models, not by the workflow
    from torch import nn

    from deepchrome2.models._base import SklearnModel

__all__ = [
    "SklearnModel",
    "available",
    "build",
    "check_hparams",
    "defaults",
    "get",
    "kind",
    "n_parameters",
]

KINDS = ("torch", "sklearn")


def available() -> list[str]:
    """Sorted names of all architectures found in this package."""
    return sorted(
        info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")
    )


def get(name: str) -> ModuleType:
    """The module of architecture ``name``; ValueError listing the valid names if unknown."""
    names = available()
    if name not in names:
        raise ValueError(f"unknown architecture {name!r}; valid: {', '.join(names)}")
    module = importlib.import_module(f"{__name__}.{name}")
    if getattr(module, "NAME", None) != name or getattr(module, "KIND", None) not in KINDS:
        raise TypeError(f"architecture module {module.__name__} must set NAME={name!r} and KIND")
    return module


def __getattr__(attr: str) -> Any:
    if attr == "SklearnModel":
        from deepchrome2.models._base import SklearnModel

        return SklearnModel
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def _source_constant(name: str, constant: str) -> Any:
    """The literal value of ``constant`` in architecture ``name``'s module, read from its source
    without importing it: a top-level assignment, or ``from deepchrome2.models.<other> import
    <constant>``, read from that module in turn. ``None`` when it is neither."""
    source = Path(__path__[0], f"{name}.py").read_text()
    for node in ast.parse(source).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == constant and node.value is not None:
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
        if isinstance(node, ast.ImportFrom) and any(
            a.name == constant and a.asname in (None, constant) for a in node.names
        ):
            module = node.module or ""
            other = module if node.level == 1 else module.removeprefix(f"{__name__}.")
            absolute = node.level == 0 and module == f"{__name__}.{other}"
            if (absolute or node.level == 1) and other in available():
                return _source_constant(other, constant)
            return None
    return None


def hparam_names(name: str) -> list[str]:
    """Names of the hyperparameters of ``name``, read from its module's source when its
    ``DEFAULTS`` is a literal (so that checking a config imports no torch)."""
    if name in available():
        found = _source_constant(name, "DEFAULTS")
        if isinstance(found, dict):
            return sorted(found)
    return sorted(defaults(name))


def kind(name: str) -> str:
    """``"torch"`` or ``"sklearn"``, read from the module's source when ``KIND`` is a literal
    there or imported from another architecture (so that the workflow's config checks import
    no torch); otherwise from the imported module."""
    if name in available():
        found = _source_constant(name, "KIND")
        if found in KINDS:
            return found
    return get(name).KIND


def defaults(name: str) -> dict[str, Any]:
    """A copy of the default hyperparameters of architecture ``name``."""
    return dict(get(name).DEFAULTS)


def build(
    name: str, n_marks: int, n_bins: int, n_outputs: int = 2, **hparams: Any
) -> nn.Module | SklearnModel:
    """Build architecture ``name`` for inputs of shape ``(marks, bins)``.

    ``n_outputs`` is 2 (class logits) or 1 (a regression head, see the module docstring).

    ``hparams`` override the module's ``DEFAULTS``; an unknown key raises ValueError naming the
    valid keys. The merged hyperparameters are kept on the model as ``model.hparams`` (and the
    name as ``model.arch``) so that a saved model can be rebuilt with the same call.
    """
    module = get(name)
    merged = check_hparams(name, hparams)
    if n_marks < 1 or n_bins < 1:
        raise ValueError(f"n_marks and n_bins must be positive, got {n_marks} and {n_bins}")
    if n_outputs not in (1, 2):
        raise ValueError(f"n_outputs must be 1 (regression) or 2 (classes), got {n_outputs}")
    if n_outputs == 2:
        model = module.build(n_marks, n_bins, **merged)
    elif module.KIND == "torch":
        from deepchrome2.models._base import set_output_width

        model = set_output_width(module.build(n_marks, n_bins, **merged), n_outputs)
    elif hasattr(module, "build_regressor"):
        model = module.build_regressor(n_marks, n_bins, **merged)
    else:
        raise ValueError(f"architecture {name!r} has no regression counterpart")
    model.arch = name
    model.hparams = merged
    model.n_outputs = n_outputs
    return model


def check_hparams(name: str, hparams: dict[str, Any]) -> dict[str, Any]:
    """``hparams`` merged over the defaults of ``name``; ValueError for unknown keys or values.

    Unknown keys are named with the valid ones; values are checked by the module's optional
    ``check`` (e.g. ``linear``'s aggregator names).
    """
    module = get(name)
    unknown = sorted(set(hparams) - set(module.DEFAULTS))
    if unknown:
        valid = ", ".join(sorted(module.DEFAULTS)) or "(none)"
        raise ValueError(
            f"unknown hyperparameter(s) {', '.join(unknown)} for architecture {name!r}; "
            f"valid: {valid}"
        )
    merged = {**module.DEFAULTS, **hparams}
    check = getattr(module, "check", None)
    if callable(check):
        check(**merged)
    return merged


def n_parameters(model: nn.Module | SklearnModel) -> int:
    """Trainable parameter count of a torch model.

    For a scikit-learn model this is the model's own ``n_parameters()`` when it defines one
    (the random forest counts its tree nodes, 0 before fitting), else 0.
    """
    from torch import nn

    if isinstance(model, nn.Module):
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    counter = getattr(model, "n_parameters", None)
    return int(counter()) if callable(counter) else 0
