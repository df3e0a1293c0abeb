"""Compile time of every experiment, from JAX's own monitoring events.

``python -m benchmarks.compile_times [--variant tiny] [--experiments NAME ...]``

Each experiment runs once, end to end, at its ``tiny`` variant (a handful of steps; pass
``--variant demo`` for the default sizes), in a fresh Python process with empty JAX caches
and no persistent compilation cache. A listener on ``jax.monitoring`` collects the
durations JAX itself records for every jitted function it compiles:

- **trace**: Python tracing to a jaxpr (``/jax/core/compile/jaxpr_trace_duration``);
- **lower**: jaxpr to StableHLO (``.../jaxpr_to_mlir_module_duration``);
- **compile**: XLA compilation (``.../backend_compile_duration``).

Reported per experiment: those three for the training step (every jitted function named
``update``: all of gen_jax's ``Step.update``s are) and for the state's initialisation
(``init``), the same summed over everything the run compiled (also sampling, evaluation,
estimators' fits, small helpers), the number of XLA compilations and the run's wall time.
What is *not* measured: the training itself is run but not counted in the compile figures;
experiments built on estimators (GMM, HMM, LDA, PCFG, Bayesian networks) have no
``Step.update`` and show only the totals.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import harness

# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = ("--experiments", "vae_digits")

EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration": "trace_s",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower_s",
    "/jax/core/compile/backend_compile_duration": "compile_s",
}
STEP_FUNCTIONS = {"step": "update", "init": "init"}  # Step.update and Step.init
RESULT_MARKER = "COMPILE-TIMES: "


def _function(fun_name: str) -> str:
    """``"jit(update)"`` (compile and lower events) or ``"update"`` (trace) -> ``"update"``."""
    if fun_name.startswith("jit(") and fun_name.endswith(")"):
        fun_name = fun_name[4:-1]
    return fun_name.split(".")[-1]


def measure(spec: str, workdir: Path) -> dict[str, Any]:
    """Run ``spec`` into ``workdir`` in this process and sum JAX's compile events."""
    import jax

    from gen_jax import launcher

    totals: dict[str, float] = collections.defaultdict(float)
    parts = {part: collections.defaultdict(float) for part in STEP_FUNCTIONS}
    counts = collections.Counter()

    def listen(event: str, duration: float, **kwargs: Any) -> None:
        if event not in EVENTS:
            return
        key = EVENTS[event]
        totals[key] += duration
        if key == "compile_s":
            counts["compiles"] += 1
        function = _function(str(kwargs.get("fun_name", "")))
        for part, name in STEP_FUNCTIONS.items():
            if function == name:
                parts[part][key] += duration
                if key == "compile_s":
                    counts[f"{part}_compiles"] += 1

    jax.config.update("jax_enable_compilation_cache", False)
    jax.monitoring.register_event_duration_secs_listener(listen)
    start = time.perf_counter()
    launcher.run_experiment(spec, workdir)
    wall_s = time.perf_counter() - start
    return {
        "spec": spec,
        "wall_s": wall_s,
        **{part: {key: parts[part].get(key, 0.0) for key in EVENTS.values()} for part in parts},
        **{f"{part}_compiles": counts[f"{part}_compiles"] for part in parts},
        "total": {key: totals.get(key, 0.0) for key in EVENTS.values()},
        "compiles": counts["compiles"],
    }


def _run_child(name: str, variant: str, timeout_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"compile_{name}_") as workdir:
        command = [
            sys.executable,
            "-m",
            "benchmarks.compile_times",
            "--single",
            f"{name}:{variant}",
            "--workdir",
            workdir,
        ]
        try:
            completed = subprocess.run(
                command,
                cwd=Path(__file__).resolve().parent.parent,
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return {"spec": f"{name}:{variant}", "error": f"timed out after {timeout_s:.0f} s"}
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER) :])
    last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
    return {"spec": f"{name}:{variant}", "error": f"exit {completed.returncode}: {last[:200]}"}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compile_times", description=__doc__)
    parser.add_argument("--variant", default="tiny", help="config variant (tiny, demo, full)")
    parser.add_argument("--experiments", nargs="+", help="names (default: every experiment)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per experiment")
    parser.add_argument("--name", default="compile_times", help="results/NAME.json")
    parser.add_argument("--single", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.single:
        print(RESULT_MARKER + json.dumps(measure(args.single, args.workdir)), flush=True)
        return 0
    from gen_jax import launcher

    names = args.experiments or launcher.list_experiments()
    for name in names:
        launcher.config_module(name)  # a clear error for an unknown name, before any run
    rows = []
    for name in names:
        row = _run_child(name, args.variant, args.timeout)
        rows.append(row)
        if "error" in row:
            print(f"{name}: FAILED {row['error']}", flush=True)
        else:
            print(
                f"{name}: step compile {row['step']['compile_s']:.2f} s, all compiles "
                f"{row['total']['compile_s']:.2f} s ({row['compiles']}), "
                f"wall {row['wall_s']:.1f} s",
                flush=True,
            )
    payload = {
        "benchmark": "compile_times",
        "description": __doc__.split("\n\n")[0],
        "machine": harness.machine_description(),
        "config": {key: value for key, value in vars(args).items() if key not in ("single",)},
        "jax_env": {key: os.environ.get(key) for key in ("XLA_FLAGS", "JAX_PLATFORMS")},
        "rows": rows,
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 1 if any("error" in row for row in rows) else 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): seconds of trace+lower and of XLA compilation."""
    rows = []
    for row in result["rows"]:
        if "error" in row:
            text = f"failed: {row['error']}"
        else:
            step, init, total = row["step"], row["init"], row["total"]
            step_text = (
                f"step {step['trace_s'] + step['lower_s']:.2f} + {step['compile_s']:.2f} s, "
                f"init {init['trace_s'] + init['lower_s']:.2f} + {init['compile_s']:.2f} s; "
                if row["step_compiles"]
                else "no Step.update; "
            )
            text = (
                f"{step_text}all {total['trace_s'] + total['lower_s']:.2f} + "
                f"{total['compile_s']:.2f} s ({row['compiles']} compiles)"
            )
        rows.append(
            {
                "benchmark": "compile_times",
                "case": row["spec"],
                "gen_jax": text,
                "peer": "-",
                "ratio": "-",
            }
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
