"""What an experiment folder says about itself, read without training anything.

``gen-jax list``, the launcher and the reports need each experiment's description, its
variants and what they cost, the result its docstring expects and the data set each variant
reads. All of it is in ``<experiments>/<name>/config.py``: the module docstring (first
paragraph: the description; an indented ``Variants`` block: ``tiny:``, ``demo:``, ``full:``
lines; a paragraph starting "Expected result"), ``VARIANTS``, ``IN_DEMO_TOUR`` and
``get_config(variant)``. Config modules import only ``ml_collections``, so this module
loads them from their files alone: no JAX, no model code, a fraction of a second for all.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

_DURATION = re.compile(
    r"(\d+(?:\.\d+)?)(?:\s*(?:to|-)\s*\d+(?:\.\d+)?)?\s*(s|seconds|min|minutes)\b"
)
_SECONDS_PER_UNIT = {"s": 1.0, "seconds": 1.0, "min": 60.0, "minutes": 60.0}
_TFDS_MODULE = Path(__file__).parents[1] / "data" / "tfds_source.py"


@dataclasses.dataclass(frozen=True)
class ExperimentInfo:
    """One experiment, as its ``config.py`` describes it.

    Attributes:
        name: the folder's name.
        description: the docstring's first paragraph, on one line.
        variants: variant -> its line of the docstring's ``Variants`` block (what it trains,
            how long it takes), ``""`` when the docstring has none.
        expected_result: the docstring's "Expected result" paragraph, on one line.
        in_demo_tour: whether ``gen-jax tour`` runs it.
        datasets: variant -> the TFDS data set it reads (to be prepared under
            ``TFDS_DATA_DIR``), for the variants that need one.
    """

    name: str
    description: str
    variants: dict[str, str]
    expected_result: str
    in_demo_tour: bool
    datasets: dict[str, str]


def _paragraphs(text: str) -> list[str]:
    return [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def variant_lines(docstring: str, variants: tuple[str, ...]) -> dict[str, str]:
    """The ``Variants`` paragraph of a config docstring: variant -> its text on one line.

    Two layouts are read: indented ``name: text`` lines under the heading, or one sentence
    ``Variants (...): tiny about 30 s (tests); demo 20 s; full ...``.
    """
    block = next((b for b in _paragraphs(docstring) if b.startswith("Variants")), "")
    names = "|".join(re.escape(v) for v in variants)
    entries = list(re.finditer(rf"^\s+({names}):\s*", block, flags=re.MULTILINE))
    if entries:
        ends = [entry.start() for entry in entries[1:]] + [len(block)]
        return {
            entry.group(1): _one_line(block[entry.end() : end])
            for entry, end in zip(entries, ends, strict=True)
        }
    body = _one_line(block).split("):", 1)[-1] if "):" in block else ""
    parts = re.split(rf"(?:^|;\s*)\s*({names})\b\s*", body)
    return {parts[i]: parts[i + 1].strip(" ;.") for i in range(1, len(parts) - 1, 2)}


def documented_seconds(text: str) -> float | None:
    """The first duration a variant's description states (``"about 20 s"``, ``"under 2
    minutes"``, ``"15 to 17 s"``: its lower end), in seconds; ``None`` when it states none."""
    match = _DURATION.search(text)
    if match is None:
        return None
    return float(match.group(1)) * _SECONDS_PER_UNIT[match.group(2)]


def expected_result(docstring: str) -> str:
    """The paragraph of a config docstring that starts with "Expected result", on one line."""
    for block in _paragraphs(docstring):
        if block.lstrip().startswith("Expected result"):
            return _one_line(block)
    return ""


def tfds_datasets() -> tuple[str, ...]:
    """``gen_jax.data.TFDS_DATASETS``, read from its source (importing ``gen_jax.data``
    would load JAX)."""
    tree = ast.parse(_TFDS_MODULE.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "TFDS_DATASETS" for target in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    return ()


def load_config_module(folder: str | os.PathLike, name: str) -> ModuleType:
    """``<folder>/<name>/config.py`` executed as a standalone module (not registered)."""
    path = Path(folder) / name / "config.py"
    spec = importlib.util.spec_from_file_location(f"_gen_jax_config_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def describe(folder: str | os.PathLike, name: str) -> ExperimentInfo:
    """The :class:`ExperimentInfo` of experiment ``name`` in the experiments ``folder``."""
    module = load_config_module(folder, name)
    docstring = module.__doc__ or ""
    paragraphs = _paragraphs(docstring)
    lines = variant_lines(docstring, tuple(module.VARIANTS))
    tfds = set(tfds_datasets())
    datasets = {}
    for variant in module.VARIANTS:
        data = module.get_config(variant).get("data") or {}
        dataset = data.get("dataset") if hasattr(data, "get") else None
        if dataset in tfds:
            datasets[variant] = dataset
    return ExperimentInfo(
        name=name,
        description=_one_line(paragraphs[0]) if paragraphs else "",
        variants={variant: lines.get(variant, "") for variant in module.VARIANTS},
        expected_result=expected_result(docstring),
        in_demo_tour=bool(getattr(module, "IN_DEMO_TOUR", False)),
        datasets=datasets,
    )
