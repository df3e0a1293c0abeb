"""Checks of an experiment's configuration, before a run writes anything.

Experiments declare their hyperparameters as plain values in config sections (``model``,
``loss``, ``optim``, ``data``, ``run``, ``eval``); the ranges are declared here once, by
field name, so that every experiment, present or future, is checked the same way:

- positive: ``*learning_rate``, ``*_dim``/``*_dims``, ``*_sizes``, ``*filters``,
  ``*_units``, ``*batch_size``, ``num_steps``, ``num_layers``, ``num_heads``, ``width`` and
  ``*_every`` (``None`` allowed); tuples element by element;
- non-negative: every other ``*_size``, ``*_steps`` and ``num_*`` (0 means "none" or
  "keep as stored" in some experiments, e.g. ``image_size=0``);
- in ``[0, 1)``: ``*dropout_rate`` and ``mask_rate``;
- ``data.batch_size`` divisible by the number of devices the batch is split over.

:func:`config_differences` lists the fields in which two configurations differ, for the
launcher's refusal to resume checkpoints made with another model or data configuration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

_POSITIVE = re.compile(
    r"(learning_rate|_dims?|_sizes|filters|_units|batch_size|_every)$"
    r"|^(num_steps|num_layers|num_heads|width)$"
)
_NON_NEGATIVE = re.compile(r"(_size|_steps)$|^num_")
_FRACTION = re.compile(r"(dropout_rate|^mask_rate)$")
RESUMABLE_SECTIONS = ("run", "eval")


class ConfigError(ValueError):
    """A configuration value is out of its declared range."""


def flatten(config: Mapping, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``("section.field", value)`` for every leaf of a nested mapping, in order."""
    for key, value in config.items():
        if isinstance(value, Mapping):
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield prefix + str(key), value


def _numbers(value) -> list | None:
    """The numbers in ``value`` (a number or a tuple/list of them); ``None`` otherwise."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return values
    return None


def range_violations(config: Mapping, *, num_devices: int = 1) -> list[str]:
    """Every field of ``config`` outside its declared range, as ``"key=value must be ..."``."""
    problems = []
    for key, value in flatten(config):
        leaf = key.rsplit(".", 1)[-1]
        numbers = _numbers(value)
        if value is None or numbers is None:
            continue
        if _POSITIVE.search(leaf) and any(v <= 0 for v in numbers):
            problems.append(f"{key}={value!r} must be positive")
        elif _FRACTION.search(leaf) and any(not 0 <= v < 1 for v in numbers):
            problems.append(f"{key}={value!r} must lie in [0, 1)")
        elif _NON_NEGATIVE.search(leaf) and any(v < 0 for v in numbers):
            problems.append(f"{key}={value!r} must be >= 0")
    batch_size = config.get("data", {}).get("batch_size")
    if isinstance(batch_size, int) and batch_size > 0 and batch_size % num_devices:
        nearest = max(num_devices, batch_size // num_devices * num_devices)
        problems.append(
            f"data.batch_size={batch_size} must be divisible by the {num_devices} devices the "
            f"batch is split over (e.g. {nearest})"
        )
    return problems


def check_config(config: Mapping, *, num_devices: int = 1) -> None:
    """Raise one :class:`ConfigError` listing every out-of-range field of ``config``.

    Raises:
        ConfigError: ``"config.model.latent_dim=0 must be positive; ..."``.
    """
    problems = range_violations(config, num_devices=num_devices)
    if problems:
        raise ConfigError("bad configuration: " + "; ".join(f"config.{p}" for p in problems))


def config_differences(
    recorded: Mapping, current: Mapping, *, ignore: tuple[str, ...] = RESUMABLE_SECTIONS
) -> list[str]:
    """Fields whose values differ between two configurations, outside the ``ignore``
    sections, as ``"key: recorded -> current"`` (tuples and lists compare equal)."""

    def normal(config):  # through JSON, as config.json stores it: tuples become lists
        plain = json.loads(json.dumps(config, default=list))
        return {key: value for key, value in flatten(plain) if key.split(".", 1)[0] not in ignore}

    old, new = normal(recorded), normal(current)
    return [
        f"{key}: {old.get(key, '(absent)')!r} -> {new.get(key, '(absent)')!r}"
        for key in sorted(old.keys() | new.keys())
        if old.get(key, "(absent)") != new.get(key, "(absent)")
    ]
