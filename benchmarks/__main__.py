"""``python -m benchmarks run [--quick]``: run every benchmark and refresh the README table.

``python -m benchmarks table`` rewrites that table from the results already recorded,
without running anything. ``python -m benchmarks list`` shows the benchmarks found (modules
defining ``main``, ``QUICK_ARGS`` and ``summary_rows``). ``run`` runs each in its own
process, writes ``results/NAME.json`` (with the machine's description), ``results/summary.json`` and
``results/logs/NAME.log``, and rewrites the block between ``<!-- benchmark-table:start -->``
and ``<!-- benchmark-table:end -->`` in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import runner


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the benchmarks and their quick arguments")
    table = commands.add_parser(
        "table", help="rewrite the README table from the recorded results; run nothing"
    )
    table.add_argument("--results-dir", type=Path, help="default benchmarks/results")
    table.add_argument("--readme", type=Path, default=runner.README)
    run = commands.add_parser("run", help="run benchmarks and regenerate the README table")
    run.add_argument("--quick", action="store_true", help="smoke-test sizes (QUICK_ARGS)")
    run.add_argument("--only", nargs="+", default=(), metavar="NAME", help="run only these")
    run.add_argument(
        "--results-dir", type=Path, help="where results and logs go (default benchmarks/results)"
    )
    run.add_argument(
        "--readme", type=Path, default=runner.README, help="Markdown file with the table markers"
    )
    run.add_argument("--no-readme", action="store_true", help="do not rewrite any README")
    run.add_argument(
        "--timeout", type=float, help="seconds per benchmark (default 300 quick, 1800 full)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns 0 when no benchmark failed."""
    args = _parser().parse_args(argv)
    if args.command == "list":
        for benchmark in runner.discover():
            print(f"{benchmark.name:20s} quick: {' '.join(benchmark.quick_args)}")
        return 0
    if args.command == "table":
        try:
            rows = runner.rewrite_table(results_dir=args.results_dir, readme=args.readme)
        except (ValueError, FileNotFoundError) as error:
            print(f"benchmarks: {error}", file=sys.stderr)
            return 2
        print(runner.render_table(rows, header=""))
        return 0
    try:
        rows = runner.run_all(
            quick=args.quick,
            only=args.only,
            results_dir=args.results_dir,
            readme=None if args.no_readme else args.readme,
            timeout_s=args.timeout,
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"benchmarks: {error}", file=sys.stderr)
        return 2
    print(runner.render_table(rows, header=""))
    return 1 if any(row["gen_jax"].startswith("failed") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
