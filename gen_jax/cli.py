"""The ``gen-jax`` command: ``list``, ``run NAME[:VARIANT]``, ``tour`` and ``eval WORKDIR``.

Every failure reaches the user as one line on stderr, ``gen-jax: <what went wrong and what
to do>``, and exit status 2 (130 or 143 when SIGINT or SIGTERM stopped training, after a
checkpoint was saved); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence

from gen_jax import launcher

CONFIG_PREFIX = "--config."
VARIANT_HELP = (
    "tiny: seconds to a minute, a barely trained model (tests); demo (default): minutes on a "
    "laptop CPU, trained on bundled data; full: the source's hyperparameters and data set, "
    "hours, meant for a GPU, and some need a TFDS data set (see `gen-jax list`)"
)


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
    group.add_argument(
        "--start-timeout",
        type=int,
        default=300,
        help="seconds to wait for every process to join before giving up (default 300)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gen-jax", description=__doc__)
    parser.add_argument(
        "--experiments",
        help="the experiments folder (default $GEN_JAX_EXPERIMENTS, else ./experiments)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error, not one line"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "list",
        help="list the experiments, what each variant trains and costs",
        description=VARIANT_HELP,
    )
    run = commands.add_parser(
        "run",
        help="run one experiment (rerunning the same command resumes it)",
        epilog="Override any config field with --config.KEY=VALUE (a Python literal).",
    )
    run.add_argument("experiment", help=f"NAME or NAME:VARIANT. {VARIANT_HELP}")
    run.add_argument("--workdir", help="run directory (default runs/NAME)")
    _add_distributed_flags(run)
    tour = commands.add_parser(
        "tour",
        help="run every demo-tour experiment and write an index.html linking their reports",
    )
    tour.add_argument(
        "--workdir", default="runs/demo", help="folder of the runs and index (default runs/demo)"
    )
    tour.add_argument(
        "--variant",
        default=launcher.DEFAULT_VARIANT,
        help=f"the variant of every experiment. {VARIANT_HELP}",
    )
    _add_distributed_flags(tour)
    evaluate = commands.add_parser(
        "eval", help="recompute a finished run's sample-quality scores and rewrite its report"
    )
    evaluate.add_argument("workdir", help="the run directory")
    evaluate.add_argument("--feature-network", help="a saved FeatureNetwork (.msgpack)")
    evaluate.add_argument("--inception-weights", help="pytorch-fid's InceptionV3 weights file")
    evaluate.add_argument("--num-samples", type=int, help="score the first N saved samples")
    return parser


def list_lines(experiments: str | None = None) -> list[str]:
    """The text of ``gen-jax list``: each experiment's whole description and its variants."""
    lines = [f"Variants: {VARIANT_HELP}.", ""]
    for name in launcher.list_experiments(experiments):
        info = launcher.describe_experiment(name, experiments)
        tour = " [demo tour]" if info.in_demo_tour else ""
        lines.append(f"{name}{tour}: {info.description}")
        for variant, text in info.variants.items():
            dataset = info.datasets.get(variant)
            needs = f" Needs the TFDS data set {dataset!r} in $TFDS_DATA_DIR." if dataset else ""
            lines.append(f"    {variant}: {text or '(not described)'}{needs}")
        lines.append("")
    return lines


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, KeyError) and text.startswith(("'", '"')):
        text = text[1:-1]  # KeyError quotes its message
    return text or type(error).__name__


def _main(args: argparse.Namespace, overrides: list[str]) -> int:
    if args.command == "list":
        print("\n".join(list_lines(args.experiments)))
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
    from gen_jax.core import distributed

    distributed.initialize(
        args.coordinator_address,
        args.num_processes,
        args.process_id,
        timeout_s=args.start_timeout,
    )
    if args.command == "run":
        name, _ = launcher.parse_spec(args.experiment)
        workdir = args.workdir or f"runs/{name}"
        metrics = launcher.run_experiment(
            args.experiment, workdir, overrides, root=args.experiments
        )
        print(json.dumps(metrics, indent=2))
        print(f"report: {workdir}/report.html")
        return 0
    index, ok = launcher.run_tour(args.workdir, variant=args.variant, experiments=args.experiments)
    print(f"index: {index.resolve().as_uri()}")
    return 0 if ok else 1


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
        return _main(args, overrides)
    except KeyboardInterrupt as interrupt:  # TrainingInterrupted: a checkpoint was saved
        if args.debug:
            traceback.print_exc()
        number = getattr(interrupt, "signal_number", None)
        if number is None:  # a plain Ctrl-C outside training
            number, message = 2, "interrupted before training started; nothing was saved"
        else:
            message = _one_line(interrupt)
        print(f"gen-jax: {message}", file=sys.stderr)
        return 128 + number
    except Exception as error:  # noqa: BLE001 - every error is one line; --debug for more
        if args.debug:
            traceback.print_exc()
        print(f"gen-jax: {type(error).__name__}: {_one_line(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
