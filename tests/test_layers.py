"""The layering of the library: a module imports only from its own layer or lower ones.

Layers, lowest first: core and data; losses; models (and the ``inference`` namespace that
re-exports their functions); algorithms; estimators; eval; viz and attacks; the command
line (``launcher``, ``cli``, ``rescore`` and the top-level ``__init__``). No two folders
import each other, and nothing under ``gen_jax/`` imports the experiments.
"""

import ast
import itertools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "gen_jax"

LAYERS = {
    "core": 0,
    "data": 0,
    "losses": 1,
    "models": 2,
    "inference": 3,
    "algorithms": 4,
    "estimators": 5,
    "eval": 6,
    "viz": 7,
    "attacks": 7,
    "launcher": 8,
    "cli": 8,
    "rescore": 8,
    "__init__": 8,
    "__main__": 8,
}


def _part(path: Path) -> str:
    """The layer name of a module file: its top folder under gen_jax/, or its own name."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports(path: Path) -> list[str]:
    """Every module named by an import statement in ``path`` (nested imports included)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _edges() -> dict[tuple[str, str], list[str]]:
    """``(importing part, imported part) -> [importing files]`` across gen_jax/."""
    edges = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _part(path)
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "gen_jax" or len(parts) < 2 or parts[1] not in LAYERS:
                continue
            if parts[1] != source:
                edges.setdefault((source, parts[1]), []).append(str(path.relative_to(PACKAGE)))
    return edges


def test_every_module_belongs_to_a_layer():
    unknown = {_part(path) for path in PACKAGE.rglob("*.py")} - set(LAYERS)
    assert not unknown, f"add these parts of gen_jax/ to LAYERS: {sorted(unknown)}"


def test_no_module_imports_a_higher_layer():
    upward = {
        f"{source} -> {target}": files
        for (source, target), files in _edges().items()
        if LAYERS[target] > LAYERS[source]
    }
    assert not upward, f"imports from a higher layer: {upward}"


def test_no_two_folders_import_each_other():
    edges = _edges()
    mutual = [
        (a, b) for a, b in itertools.combinations(LAYERS, 2) if (a, b) in edges and (b, a) in edges
    ]
    assert not mutual, f"folders importing each other: {mutual}"


def test_the_library_never_imports_the_experiments():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(
            name.split(".")[0] in ("experiments", "gen_jax_experiments") for name in _imports(path)
        )
    ]
    assert not offenders, f"gen_jax/ must not import experiments: {offenders}"


@pytest.mark.parametrize(
    "name", ["hmm_filter", "hmm_viterbi", "inside", "map_query", "rbm_ais_log_partition"]
)
def test_the_inference_namespace_reexports_the_families(name):
    from gen_jax import inference

    assert callable(getattr(inference, name))
