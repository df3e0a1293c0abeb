"""Finding, configuring and running experiments kept in a folder outside the library.

An experiment is a folder ``<experiments>/<name>/`` with ``config.py`` (``get_config(variant)``,
``VARIANTS``, ``IN_DEMO_TOUR``) and ``train.py`` (``train(config, workdir) -> metrics``). The
experiments folder is ``./experiments`` by default, or the folder given with
``--experiments DIR`` (or the ``GEN_JAX_EXPERIMENTS`` variable). The library never imports
it as an installed package: each experiment is loaded from its files as the package
``gen_jax_experiments.<name>``, so a ``train.py`` reaches its own helpers with relative
imports (``from .config import MODELS``) and no experiment imports another.
In a multi-process run (``gen_jax.core.distributed.initialize`` called first) every process
runs the experiment; only process 0 writes ``config.json`` and the tour's index.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from ml_collections import ConfigDict

from gen_jax.core import distributed
from gen_jax.viz import write_index

DEFAULT_VARIANT = "demo"
EXPERIMENTS_VARIABLE = "GEN_JAX_EXPERIMENTS"
PACKAGE = "gen_jax_experiments"


def experiments_dir(path: str | os.PathLike | None = None) -> Path:
    """The experiments folder: ``path``, else ``$GEN_JAX_EXPERIMENTS``, else ``./experiments``.

    Raises:
        FileNotFoundError: naming the folder and how to point at another one.
    """
    chosen = Path(path or os.environ.get(EXPERIMENTS_VARIABLE) or "experiments").resolve()
    if not chosen.is_dir():
        raise FileNotFoundError(
            f"no experiments folder at {chosen}; run gen-jax from the repository root or pass "
            f"--experiments DIR (or set {EXPERIMENTS_VARIABLE})"
        )
    return chosen


def _register(root: Path) -> None:
    """Make ``gen_jax_experiments`` the package whose folder is ``root`` (once per root)."""
    package = sys.modules.get(PACKAGE)
    if package is not None and list(package.__path__) == [str(root)]:
        return
    for module_name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[module_name]
    spec = importlib.util.spec_from_loader(PACKAGE, loader=None, is_package=True)
    package = importlib.util.module_from_spec(spec)
    package.__path__ = [str(root)]
    sys.modules[PACKAGE] = package


def list_experiments(root: str | os.PathLike | None = None) -> list[str]:
    """Names of every experiment folder (one holding a ``config.py``) under the root."""
    folder = experiments_dir(root)
    return sorted(p.parent.name for p in folder.glob("*/config.py"))


def experiment_module(
    name: str, part: str = "config", root: str | os.PathLike | None = None
) -> ModuleType:
    """Module ``part`` (``"config"``, ``"train"``) of experiment ``name``.

    Raises:
        ValueError: for an unknown experiment name, listing the known ones.
    """
    folder = experiments_dir(root)
    known = list_experiments(folder)
    if name not in known:
        raise ValueError(f"unknown experiment {name!r}; `gen-jax list` shows them: {known}")
    _register(folder)
    return importlib.import_module(f"{PACKAGE}.{name}.{part}")


def config_module(name: str, root: str | os.PathLike | None = None) -> ModuleType:
    """The ``config`` module of experiment ``name``; a clear error for an unknown name."""
    return experiment_module(name, "config", root)


def parse_spec(spec: str) -> tuple[str, str]:
    """``"NAME[:VARIANT]"`` -> ``(name, variant)``; the variant defaults to ``demo``."""
    name, _, variant = spec.partition(":")
    return name, variant or DEFAULT_VARIANT


def get_config(
    name: str, variant: str = DEFAULT_VARIANT, root: str | os.PathLike | None = None
) -> ConfigDict:
    """The config of ``name:variant``."""
    module = config_module(name, root)
    if variant not in module.VARIANTS:
        raise ValueError(f"experiment {name!r} has variants {module.VARIANTS}, not {variant!r}")
    return module.get_config(variant)


def _parse_value(text: str, current):
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise TypeError(f"expected True or False, got {text!r}")
        return value
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(current, (list, tuple)) and isinstance(value, (list, tuple)):
        return type(current)(value)
    if current is not None and not isinstance(value, type(current)):
        raise TypeError(f"expected a {type(current).__name__}, got {text!r}")
    return value


def apply_overrides(config: ConfigDict, overrides: Sequence[str]) -> ConfigDict:
    """Apply ``key=value`` strings (dotted keys for nested fields) to ``config`` in place.

    Values are Python literals (``3``, ``1e-4``, ``(32, 64)``, ``True``) or bare strings,
    and must match the type of the field they replace.
    """
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"config override {item!r} must look like key=value")
        *parents, leaf = key.split(".")
        node = config
        for part in parents:
            node = node.get(part) if isinstance(node, ConfigDict) else None
        if not isinstance(node, ConfigDict) or leaf not in node:
            raise KeyError(f"unknown config key {key!r}; known keys: {sorted(_flat_keys(config))}")
        try:
            node[leaf] = _parse_value(text, node[leaf])
        except TypeError as error:
            raise TypeError(f"config key {key!r}: {error}") from None
    return config


def _flat_keys(config: ConfigDict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in config.items():
        if isinstance(value, ConfigDict):
            keys += _flat_keys(value, f"{prefix}{key}.")
        else:
            keys.append(prefix + key)
    return keys


def run_experiment(
    spec: str,
    workdir: str | Path,
    overrides: Sequence[str] = (),
    root: str | os.PathLike | None = None,
) -> dict[str, float]:
    """Run ``NAME[:VARIANT]`` into ``workdir`` (resuming when it holds a checkpoint)."""
    name, variant = parse_spec(spec)
    folder = experiments_dir(root)
    config = apply_overrides(get_config(name, variant, folder), overrides)
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if distributed.is_main_process():
        record = {
            "experiment": name,
            "variant": variant,
            "experiments_dir": str(folder),
            "config": config.to_dict(),
        }
        (workdir / "config.json").write_text(json.dumps(record, indent=2, default=list))
    train = experiment_module(name, "train", folder).train
    return train(config, workdir)


def run_tour(
    root: str | Path,
    *,
    variant: str = DEFAULT_VARIANT,
    experiments: str | os.PathLike | None = None,
) -> tuple[Path, bool]:
    """Run every experiment marked ``IN_DEMO_TOUR`` into ``root/NAME``; write the index.

    Returns:
        ``(path of root/index.html, whether every run succeeded)``.
    """
    root = Path(root)
    entries = []
    folder = experiments_dir(experiments)
    for name in list_experiments(folder):
        if not getattr(config_module(name, folder), "IN_DEMO_TOUR", False):
            continue
        entry = {
            "name": name,
            "report": f"{name}/report.html",
            "summary": {},
            "status": "ok",
            "error": None,
        }
        try:
            entry["summary"] = run_experiment(f"{name}:{variant}", root / name, root=folder)
        except Exception as error:  # noqa: BLE001 - one failed run must not hide the others
            traceback.print_exc()
            entry.update(status="failed", report=None, error=f"{type(error).__name__}: {error}")
        entries.append(entry)
    index = root / "index.html"
    if distributed.is_main_process():
        index = write_index(root, entries)
    return index, all(e["status"] == "ok" for e in entries)
