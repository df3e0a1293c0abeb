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

A run checks before it writes anything: the configuration's ranges
(:mod:`gen_jax.core.config_checks`), that the workdir is a writable directory, that no other
process holds it (:mod:`gen_jax.core.workdir_lock`) and, when it holds checkpoints, that
they were made with the same configuration outside the ``run`` and ``eval`` sections.
``config.json`` always describes the checkpoints: an attempt that fails before writing a
new checkpoint puts the previous ``config.json`` back.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from ml_collections import ConfigDict

from gen_jax.core import config_checks, experiment_files

CONFIG_FILE = "config.json"

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


def describe_experiment(
    name: str, root: str | os.PathLike | None = None
) -> experiment_files.ExperimentInfo:
    """What experiment ``name``'s config says about itself, without importing JAX."""
    folder = experiments_dir(root)
    known = list_experiments(folder)
    if name not in known:
        raise ValueError(f"unknown experiment {name!r}; `gen-jax list` shows them: {known}")
    return experiment_files.describe(folder, name)


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


def _writable_workdir(workdir: Path) -> None:
    """Create ``workdir``; a one-line error when it is a file or cannot be written."""
    if workdir.exists() and not workdir.is_dir():
        raise NotADirectoryError(f"workdir {workdir} is a file; pass a directory for the run")
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise PermissionError(
            f"cannot create workdir {workdir}: permission denied; choose a writable place"
        ) from None
    if not os.access(workdir, os.W_OK | os.X_OK):
        raise PermissionError(f"workdir {workdir} is read-only; choose a writable directory")


def _checkpoint_steps(workdir: Path) -> list[str]:
    folder = workdir / "checkpoints"
    return sorted(p.name for p in folder.iterdir() if p.name.isdigit()) if folder.is_dir() else []


def _check_resumable(workdir: Path, record: dict) -> None:
    """Refuse a workdir whose checkpoints were made by another experiment or configuration."""
    path = workdir / CONFIG_FILE
    if not _checkpoint_steps(workdir) or not path.is_file():
        return
    recorded = json.loads(path.read_text())
    if recorded.get("experiment") != record["experiment"]:
        raise ValueError(
            f"{workdir} holds checkpoints of experiment {recorded.get('experiment')!r}, not "
            f"{record['experiment']!r}; use another workdir"
        )
    differences = config_checks.config_differences(recorded.get("config", {}), record["config"])
    if differences:
        raise ValueError(
            f"{workdir} holds checkpoints made with another configuration "
            f"({'; '.join(differences)}); resume with the recorded values or use a new workdir "
            f"(only the {' and '.join(config_checks.RESUMABLE_SECTIONS)} sections may change)"
        )


def _num_devices() -> int:
    from gen_jax.core import sharding

    return sharding.make_mesh().size


def run_experiment(
    spec: str,
    workdir: str | Path,
    overrides: Sequence[str] = (),
    root: str | os.PathLike | None = None,
) -> dict[str, float]:
    """Run ``NAME[:VARIANT]`` into ``workdir`` (resuming when it holds a checkpoint).

    Raises:
        ValueError: for an unknown experiment or variant, a configuration out of its ranges
            (:class:`~gen_jax.core.config_checks.ConfigError`), or checkpoints in ``workdir``
            made with another configuration.
        NotADirectoryError, PermissionError: for a workdir that is a file or read-only.
        WorkdirLockedError: when another process runs in ``workdir``.
    """
    from gen_jax.core import distributed
    from gen_jax.core.workdir_lock import hold_workdir

    name, variant = parse_spec(spec)
    folder = experiments_dir(root)
    config = apply_overrides(get_config(name, variant, folder), overrides)
    config_checks.check_config(config.to_dict(), num_devices=_num_devices())
    info = experiment_files.describe(folder, name)
    workdir = Path(workdir).resolve()
    record = {
        "experiment": name,
        "variant": variant,
        "description": info.description,
        "variant_description": info.variants.get(variant, ""),
        "expected_result": info.expected_result,
        "experiments_dir": str(folder),
        "config": json.loads(json.dumps(config.to_dict(), default=list)),
    }
    train = experiment_module(name, "train", folder).train
    if not distributed.is_main_process():
        return train(config, workdir)
    _writable_workdir(workdir)
    with hold_workdir(workdir):
        _check_resumable(workdir, record)
        path = workdir / CONFIG_FILE
        previous = path.read_bytes() if path.is_file() else None
        steps_before = _checkpoint_steps(workdir)
        path.write_text(json.dumps(record, indent=2))
        cost = info.variants.get(variant) or "not documented"
        print(f"gen-jax: {name}:{variant} into {workdir} (documented: {cost})", flush=True)
        start = time.perf_counter()
        try:
            metrics = train(config, workdir)
            print(f"gen-jax: {name}:{variant} done in {time.perf_counter() - start:.0f} s")
            return metrics
        except BaseException:
            if _checkpoint_steps(workdir) == steps_before:  # config.json must describe them
                if previous is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(previous)
            raise


def check_tour_variant(variant: str, root: str | os.PathLike | None = None) -> list[str]:
    """The tour's experiments; a one-line error unless every one has ``variant``."""
    folder = experiments_dir(root)
    names, missing = [], []
    for name in list_experiments(folder):
        module = experiment_files.load_config_module(folder, name)
        if getattr(module, "IN_DEMO_TOUR", False):
            names.append(name)
            if variant not in module.VARIANTS:
                missing.append(name)
    if missing:
        raise ValueError(
            f"--variant {variant!r} is not a variant of {', '.join(missing)}; the tour's "
            "experiments have tiny, demo and full"
        )
    return names


def run_tour(
    root: str | Path,
    *,
    variant: str = DEFAULT_VARIANT,
    experiments: str | os.PathLike | None = None,
) -> tuple[Path, bool]:
    """Run every experiment marked ``IN_DEMO_TOUR`` into ``root/NAME``; write the index.

    The index is built from what each run's workdir holds (its ``report.json``), so a
    rerun of a finished tour shows the same numbers.

    Returns:
        ``(path of root/index.html, whether every run succeeded)``.
    """
    from gen_jax.core import distributed
    from gen_jax.viz.report import index_entry, write_index

    root = Path(root)
    folder = experiments_dir(experiments)
    names = check_tour_variant(variant, folder)
    infos = {name: experiment_files.describe(folder, name) for name in names}
    print(f"gen-jax tour: {len(names)} experiments, {variant} variant; their documented costs:")
    seconds = {}
    for name, info in infos.items():
        print(f"  {name}: {info.variants.get(variant) or '(not documented)'}")
        seconds[name] = experiment_files.documented_seconds(info.variants.get(variant, ""))
    timed = [value for value in seconds.values() if value is not None]
    print(
        f"gen-jax tour: expected duration about {sum(timed) / 60:.0f} minutes (the sum of the "
        f"documented times of {len(timed)} of the {len(names)} experiments; longer on a loaded "
        "machine)",
        flush=True,
    )
    entries = []
    for name, info in infos.items():
        error = None
        try:
            run_experiment(f"{name}:{variant}", root / name, root=folder)
        except Exception as failure:  # noqa: BLE001 - one failed run must not hide the others
            error = f"{type(failure).__name__}: {' '.join(str(failure).split())}"
            print(f"gen-jax tour: {name} failed: {error}", file=sys.stderr)
        entries.append(index_entry(root, name, description=info.description, error=error))
    index = root / "index.html"
    if distributed.is_main_process():
        index = write_index(root, entries)
    return index, all(e["status"] == "ok" for e in entries)
