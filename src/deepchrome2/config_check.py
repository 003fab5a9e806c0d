"""The one config check of the workflow: the schema, then every cross-key check, once each.

:func:`check_config` is what ``rules/common.smk`` calls before anything else. The checks of
each stage live beside the stage (``training.config_check``, ``crosscell.config_check``,
``interpret.config_check``); this module runs them in order, so that a bad config fails with
one line naming the key, whatever stage it belongs to.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from deepchrome2 import config as cfg
from deepchrome2.crosscell import config_check as crosscell_check
from deepchrome2.interpret.config_check import check_interpret
from deepchrome2.training import task as prediction_task
from deepchrome2.training.config_check import check_architectures

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def _with_defaults(validator_class: type) -> type:
    """A validator class that also fills in each object's missing keys with their schema
    ``default`` (as ``snakemake.utils.validate`` does)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(
        validator: Any, properties: dict, instance: Any, schema: dict
    ) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(key, sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def fill_defaults(config: dict[str, Any], schema_path: str | os.PathLike[str] = SCHEMA) -> None:
    """Fill in the schema's defaults in place (the config has passed the schema)."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    _with_defaults(jsonschema.Draft202012Validator)(schema).validate(config)


def check_gan(config: Mapping[str, Any]) -> None:
    """GAN cells must be cohort cells and the classifier must be trained."""
    gan = config["gan"]
    cells = cfg.cells(config)
    unknown = [c for c in gan["cells"] if c not in cells]
    if unknown:
        raise ValueError(f"config gan.cells: {unknown} are not cells of the cohort {cells}")
    if gan["classifier"] not in config["train"]["architectures"]:
        raise ValueError(
            f"config gan.classifier: {gan['classifier']} is not in train.architectures"
        )


def check_config(config: dict[str, Any], schema_path: str | os.PathLike[str] = SCHEMA) -> list[str]:
    """Validate ``config`` and fill in its defaults (in place); return the notices to log.

    Runs the schema (unknown keys first, each named with the nearest valid one), then the
    cross-key checks of the sources, the target, the architectures, the cross-cell
    experiments, the GAN and the interpretation, each once. A bad value raises
    :class:`~deepchrome2.errors.ConfigError` (or ValueError / InputError) with one line naming
    the key or file.
    """
    cfg.check_keys(config, schema_path)
    fill_defaults(config, schema_path)
    found = cfg.cohort(config)
    cfg.check_source(config)
    cfg.check_downloads(config, found)
    cfg.check_local_bigwigs(config, found)
    prediction_task.of_config(config)  # the target: class or log_rpkm
    check_architectures(config)
    crosscell_check.check_crosscell(config)
    check_gan(config)
    check_interpret(config)
    notices = [crosscell_check.notice(config)]
    if not config["gan"]["cells"]:
        notices.append("gan.cells is empty: no GAN is trained")
    return [n for n in notices if n]
