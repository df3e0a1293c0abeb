"""Run every benchmark, collect its summary rows and regenerate the README's table.

A benchmark is a module ``benchmarks/<name>.py`` that defines, at top level:

- ``main(argv: Sequence[str] | None = None) -> int``, which writes its JSON payload with
  ``harness.write_result(name, payload)`` (the runner summarises the last file written,
  preferring ``<module name>.json``);
- ``QUICK_ARGS: tuple[str, ...]``, arguments for a smoke run of under a minute on a CPU;
- ``summary_rows(result: dict) -> list[dict[str, str]]``, which turns that payload into
  table rows with the keys of :data:`ROW_KEYS`.

Modules are found by reading their source (nothing is imported here), and each one runs
in a fresh Python process (``python -m benchmarks.runner child NAME``), under a time limit,
so that a crash or a hang stops only that benchmark and each can set its own device count
before JAX starts. A benchmark whose peer library (torch, hmmlearn, nltk, pgmpy, gensim,
dynamax) is not installed reports ``skipped: ...`` in its row. The child's output goes to
``RESULTS/logs/NAME.log``.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCHMARKS_DIR = Path(__file__).resolve().parent
README = BENCHMARKS_DIR / "README.md"
TABLE_START = "<!-- benchmark-table:start -->"
TABLE_END = "<!-- benchmark-table:end -->"
ROW_KEYS = ("benchmark", "case", "gen_jax", "peer", "ratio")
NOT_BENCHMARKS = frozenset({"__init__", "__main__", "harness", "runner"})
PEER_EXTRA_HINT = "pip install -e '.[bench]'"
ROWS_MARKER = "BENCHMARK-ROWS: "
RESULTS_ENV = "GEN_JAX_BENCHMARK_RESULTS"  # read by harness.results_dir()
DEFAULT_TIMEOUT_S = 1800.0
QUICK_TIMEOUT_S = 300.0


@dataclasses.dataclass(frozen=True)
class Benchmark:
    """A module that follows the benchmark contract.

    Attributes:
        name: the module's name, also the stem of its results file.
        path: the module's source file.
        quick_args: its ``QUICK_ARGS``.
    """

    name: str
    path: Path
    quick_args: tuple[str, ...]


def _literal_args(node: ast.expr) -> tuple[str, ...]:
    """A literal tuple/list of strings, allowing ``*("a", "b")`` parts."""
    if not isinstance(node, ast.Tuple | ast.List):
        return tuple(str(arg) for arg in ast.literal_eval(node))
    args: list[str] = []
    for element in node.elts:
        if isinstance(element, ast.Starred):
            args += _literal_args(element.value)
        else:
            args.append(str(ast.literal_eval(element)))
    return tuple(args)


def _contract(path: Path) -> tuple[str, ...] | None:
    """``QUICK_ARGS`` when ``path`` defines ``main``, ``summary_rows`` and ``QUICK_ARGS``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    quick_args = None
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id == "QUICK_ARGS" and value is not None:
            try:
                quick_args = _literal_args(value)
            except ValueError:
                raise ValueError(
                    f"{path}: QUICK_ARGS must be a literal tuple of strings, e.g. ('--steps', '2')"
                ) from None
    if quick_args is None or not {"main", "summary_rows"} <= functions:
        return None
    return quick_args


def discover(directory: str | os.PathLike = BENCHMARKS_DIR) -> list[Benchmark]:
    """Every module in ``directory`` that follows the contract, sorted by name."""
    found = []
    for path in sorted(Path(directory).glob("*.py")):
        if path.stem in NOT_BENCHMARKS:
            continue
        quick_args = _contract(path)
        if quick_args is not None:
            found.append(Benchmark(path.stem, path, quick_args))
    return found


def status_row(name: str, status: str) -> dict[str, str]:
    """The one row of a benchmark that was skipped or failed."""
    return {"benchmark": name, "case": "-", "gen_jax": status, "peer": "", "ratio": ""}


def _check_rows(name: str, rows: Any) -> list[dict[str, str]]:
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise TypeError(f"{name}.summary_rows must return a list of dicts, got {type(rows)}")
    for row in rows:
        if set(row) != set(ROW_KEYS):
            raise ValueError(
                f"{name}.summary_rows gave a row with keys {sorted(row)}; use exactly {ROW_KEYS}"
            )
    return [{key: str(row[key]) for key in ROW_KEYS} for row in rows]


def run_child(path: Path, quick: bool) -> list[dict[str, str]]:
    """In the benchmark's own process: run it, then read its result and summarise it."""
    name = path.stem
    spec = importlib.util.spec_from_file_location(f"benchmarks.{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        status = module.main(list(module.QUICK_ARGS) if quick else [])
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in ("gen_jax", "benchmarks"):
            raise
        return [status_row(name, f"skipped: {error.name} is not installed ({PEER_EXTRA_HINT})")]
    if status not in (None, 0):
        return [status_row(name, f"failed: main returned {status}")]
    harness = sys.modules.get("benchmarks.harness")  # imported by the benchmark, if at all
    all_written = harness.written_paths if harness is not None else []
    written = [path for path in all_written if path.stem == name]
    written = written or all_written  # e.g. QUICK_ARGS with --name NAME_quick
    if not written:
        return [status_row(name, "failed: main wrote no result (harness.write_result)")]
    return _check_rows(name, module.summary_rows(json.loads(written[-1].read_text())))


def run_benchmark(
    benchmark: Benchmark, *, quick: bool, results_dir: Path, timeout_s: float
) -> list[dict[str, str]]:
    """Run one benchmark in a subprocess; its rows, or one row saying why there are none."""
    log_path = results_dir / "logs" / f"{benchmark.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "benchmarks.runner", "child", str(benchmark.path)]
    if quick:
        command.append("--quick")
    env = {**os.environ, RESULTS_ENV: str(results_dir)}
    repo = BENCHMARKS_DIR.parent
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), env.get("PYTHONPATH")]))
    # A session of its own, so a timeout also stops the processes the benchmark started.
    with subprocess.Popen(
        command,
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            log_path.write_text(stdout + stderr)
            return [status_row(benchmark.name, f"failed: timed out after {timeout_s:.0f} s")]
        except BaseException:  # Ctrl-C: stop the benchmark's processes too, then stop
            os.killpg(process.pid, signal.SIGKILL)
            raise
    log_path.write_text(stdout + stderr)
    for line in reversed(stdout.splitlines()):
        if line.startswith(ROWS_MARKER):
            return json.loads(line[len(ROWS_MARKER) :])
    last = (stderr.strip().splitlines() or ["no output"])[-1]
    return [status_row(benchmark.name, f"failed: exit {process.returncode}: {last[:120]}")]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(rows: Sequence[dict[str, str]], *, header: str) -> str:
    """The Markdown block between the README's markers."""
    lines = [header, "", "| " + " | ".join(ROW_KEYS) + " |", "|" + "---|" * len(ROW_KEYS)]
    lines += ["| " + " | ".join(_cell(row[key]) for key in ROW_KEYS) + " |" for row in rows]
    return "\n".join(lines)


def update_readme(readme: str | os.PathLike, table: str) -> None:
    """Replace the text between :data:`TABLE_START` and :data:`TABLE_END` with ``table``."""
    path = Path(readme)
    text = path.read_text()
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(
            f"{path} has no '{TABLE_START}' ... '{TABLE_END}' block; add the two marker "
            "lines (in that order) where the summary table belongs, or pass --readme"
        )
    before, after = text[: start + len(TABLE_START)], text[end:]
    path.write_text(f"{before}\n{table}\n{after}")


def machine_line(results_dir: Path, rows: Sequence[dict[str, str]], quick: bool) -> str:
    """One sentence saying where and how the table was made, from a result's machine."""
    machine = None
    for name in dict.fromkeys(row["benchmark"] for row in rows):
        path = results_dir / f"{name}.json"
        if path.exists():
            machine = json.loads(path.read_text()).get("machine")
            if machine:
                break
    mode = (
        "`python -m benchmarks run --quick` (smoke-test sizes)"
        if quick
        else ("`python -m benchmarks run`")
    )
    if not machine:
        return f"Made by {mode}; no result recorded its machine."
    versions = machine.get("versions", {})
    return (
        f"Made by {mode} on {machine.get('date', '?')}: CPU {machine.get('cpu_model')!r} "
        f"({machine.get('usable_cores')} usable cores), JAX backend "
        f"{machine.get('jax_backend')} ({machine.get('jax_device_count', '?')} x "
        f"{machine.get('jax_device_kind', '?')}), jax {versions.get('jax')}. Each result's "
        "JSON in `results/` holds its full machine description."
    )


def run_all(
    *,
    quick: bool = False,
    only: Sequence[str] = (),
    benchmarks_dir: str | os.PathLike = BENCHMARKS_DIR,
    results_dir: str | os.PathLike | None = None,
    readme: str | os.PathLike | None = README,
    timeout_s: float | None = None,
) -> list[dict[str, str]]:
    """Run the benchmarks (all, or those named in ``only``) and rewrite the README table.

    Args:
        quick: run each with its ``QUICK_ARGS``.
        only: names to run; all discovered ones by default.
        benchmarks_dir: where to look for benchmark modules.
        results_dir: where results and logs go; ``benchmarks/results`` by default.
        readme: the Markdown file whose marked block is rewritten; ``None`` writes none.
        timeout_s: limit per benchmark; 300 s in quick mode, 1800 s otherwise.

    Returns:
        Every row, in benchmark order. ``RESULTS/summary.json`` holds them too.
    """
    found = discover(benchmarks_dir)
    unknown = sorted(set(only) - {benchmark.name for benchmark in found})
    if unknown:
        raise ValueError(
            f"unknown benchmark(s) {unknown}; known: {[b.name for b in found]} (a benchmark "
            "defines main, QUICK_ARGS and summary_rows)"
        )
    selected = [benchmark for benchmark in found if not only or benchmark.name in only]
    results_dir = Path(results_dir) if results_dir is not None else BENCHMARKS_DIR / "results"
    timeout_s = timeout_s or (QUICK_TIMEOUT_S if quick else DEFAULT_TIMEOUT_S)
    if readme is not None and TABLE_START not in Path(readme).read_text():
        update_readme(readme, "")  # fail early, before hours of benchmarks, on no markers
    rows: list[dict[str, str]] = []
    for benchmark in selected:
        start = time.perf_counter()
        print(f"[{benchmark.name}] running{' (quick)' if quick else ''} ...", flush=True)
        new_rows = run_benchmark(
            benchmark, quick=quick, results_dir=results_dir, timeout_s=timeout_s
        )
        print(f"[{benchmark.name}] {time.perf_counter() - start:.1f} s", flush=True)
        rows += new_rows
    summary = {"quick": quick, "rows": rows}
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if readme is not None:
        update_readme(readme, render_table(rows, header=machine_line(results_dir, rows, quick)))
    return rows


def rows_from_results(benchmark: Benchmark, results_dir: Path) -> list[dict[str, str]]:
    """The rows of ``benchmark``'s recorded result, without running it."""
    path = results_dir / f"{benchmark.name}.json"
    if not path.exists():
        return [status_row(benchmark.name, f"no result yet: run it ({path.name} missing)")]
    try:
        module = importlib.import_module(f"benchmarks.{benchmark.name}")
    except ModuleNotFoundError as error:
        return [status_row(benchmark.name, f"skipped: {error.name} is not installed")]
    return _check_rows(benchmark.name, module.summary_rows(json.loads(path.read_text())))


def rewrite_table(
    *,
    benchmarks_dir: str | os.PathLike = BENCHMARKS_DIR,
    results_dir: str | os.PathLike | None = None,
    readme: str | os.PathLike = README,
) -> list[dict[str, str]]:
    """Rewrite the README table from the results already in ``results_dir``; run nothing.

    Returns:
        Every row, in benchmark order.
    """
    results_dir = Path(results_dir) if results_dir is not None else BENCHMARKS_DIR / "results"
    rows: list[dict[str, str]] = []
    for benchmark in discover(benchmarks_dir):
        rows += rows_from_results(benchmark, results_dir)
    header = machine_line(results_dir, rows, quick=False).replace(
        "`python -m benchmarks run`", "`python -m benchmarks table` from the recorded results"
    )
    update_readme(readme, render_table(rows, header=header))
    return rows


def _child_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runner child")
    parser.add_argument("path", type=Path)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rows = run_child(args.path, args.quick)
    print(ROWS_MARKER + json.dumps(rows), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["child"]:
        sys.exit("use `python -m benchmarks run`; `child` is the runner's own subcommand")
    sys.exit(_child_main(sys.argv[2:]))
