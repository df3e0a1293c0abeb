"""The ``gen-jax`` command: ``list``, ``run NAME[:VARIANT]``, ``tour`` and ``eval WORKDIR``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from gen_jax import launcher
from gen_jax.core import distributed

CONFIG_PREFIX = "--config."


def _add_distributed_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "multi-process runs",
        "Start the same command once per process. Without these flags the "
        "JAX_COORDINATOR_ADDRESS/JAX_NUM_PROCESSES/JAX_PROCESS_ID variables, or a TPU pod, "
        "SLURM or Open MPI environment, are used; otherwise the run is single-process.",
    )
    group.add_argument("--coordinator-address", help="host:port where process 0 listens")
    group.add_argument("--num-processes", type=int, help="total number of processes")
    group.add_argument("--process-id", type=int, help="this process's index, 0 to N-1")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gen-jax", description=__doc__)
    parser.add_argument(
        "--experiments",
        help="the experiments folder (default $GEN_JAX_EXPERIMENTS, else ./experiments)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the experiments and their variants")
    run = commands.add_parser(
        "run",
        help="run one experiment",
        epilog="Override any config field with --config.KEY=VALUE (a Python literal).",
    )
    run.add_argument("experiment", help="NAME or NAME:VARIANT (tiny, demo, full)")
    run.add_argument("--workdir", help="run directory (default runs/NAME)")
    _add_distributed_flags(run)
    tour = commands.add_parser("tour", help="run every demo-tour experiment and index them")
    tour.add_argument("--workdir", default="runs/demo")
    tour.add_argument("--variant", default=launcher.DEFAULT_VARIANT)
    _add_distributed_flags(tour)
    evaluate = commands.add_parser(
        "eval", help="recompute a finished run's sample-quality scores and rewrite its report"
    )
    evaluate.add_argument("workdir", help="the run directory")
    evaluate.add_argument("--feature-network", help="a saved FeatureNetwork (.msgpack)")
    evaluate.add_argument("--inception-weights", help="pytorch-fid's InceptionV3 weights file")
    evaluate.add_argument("--num-samples", type=int, help="score the first N saved samples")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args, extra = _parser().parse_known_args(argv)
    overrides = []
    for item in extra:
        if not item.startswith(CONFIG_PREFIX):
            print(
                f"gen-jax: unrecognised argument {item!r}; config fields are set with "
                f"{CONFIG_PREFIX}KEY=VALUE",
                file=sys.stderr,
            )
            return 2
        overrides.append(item[len(CONFIG_PREFIX) :])
    try:
        if args.command == "list":
            for name in launcher.list_experiments(args.experiments):
                module = launcher.config_module(name, args.experiments)
                tour = " (demo tour)" if getattr(module, "IN_DEMO_TOUR", False) else ""
                summary = (module.__doc__ or "").strip().splitlines()[0]
                print(f"{name:24s} {', '.join(module.VARIANTS):20s} {summary}{tour}")
            return 0
        if args.command == "eval":
            from gen_jax.rescore import rescore_run

            result = rescore_run(
                args.workdir,
                feature_network=args.feature_network,
                inception_weights=args.inception_weights,
                num_samples=args.num_samples,
                experiments=args.experiments,
            )
            print(json.dumps(result, indent=2, ensure_ascii=False))
            print(f"report: {args.workdir}/report.html")
            return 0
        if args.command in ("run", "tour"):
            distributed.initialize(args.coordinator_address, args.num_processes, args.process_id)
        if args.command == "run":
            name, _ = launcher.parse_spec(args.experiment)
            workdir = args.workdir or f"runs/{name}"
            metrics = launcher.run_experiment(
                args.experiment, workdir, overrides, root=args.experiments
            )
            print(json.dumps(metrics, indent=2))
            print(f"report: {workdir}/report.html")
            return 0
        index, ok = launcher.run_tour(
            args.workdir, variant=args.variant, experiments=args.experiments
        )
        print(f"index: {index}")
        return 0 if ok else 1
    except (ValueError, KeyError, TypeError, FileNotFoundError) as error:
        print(f"gen-jax: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
