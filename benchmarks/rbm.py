"""gen_jax ``BernoulliRBM.fit`` against scikit-learn's on the 8x8 digits: epochs per second.

Both sides train the same model the same way: ``n_components`` hidden units, SGD with
the same learning rate, the same minibatches (consecutive slices of ``batch_size`` rows,
no shuffling, the last one short), PCD-1 with ``batch_size`` persistent chains and
scikit-learn's update (hidden probabilities for the statistics), ``n_iter`` epochs, float32
data in [0, 1] (scikit-learn's example scales the digits by 1/16; gen_jax is told
``allow_fractional=True``). gen_jax runs every epoch in one jitted ``lax.scan``;
scikit-learn loops in Python over NumPy minibatch updates. Differences: each side's own
random numbers; gen_jax pads the short last batch with zero-weight rows and averages the
negative statistics over the chains, where scikit-learn divides them by the short batch's
row count; gen_jax also computes a per-batch free-energy metric. Fits alternate between
the sides (harness.time_callables); the first gen_jax fit includes compilation, reported
separately.

    python -m benchmarks.rbm                     # defaults below, about a minute
    python -m benchmarks.rbm --n-components 256 --n-iter 10 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

import numpy as np
from sklearn.neural_network import BernoulliRBM as SklearnRBM

from benchmarks import harness
from gen_jax.data import load_digits
from gen_jax.estimators.bernoulli_rbm import BernoulliRBM

GOAL_RATIO = 2.0


# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = ("--n-iter", "2", "--repeats", "1")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rbm", description=__doc__)
    parser.add_argument("--n-components", type=int, default=100, help="hidden units")
    parser.add_argument("--learning-rate", type=float, default=0.06)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--n-iter", type=int, default=10, help="epochs per fit")
    parser.add_argument("--repeats", type=int, default=5, help="timed fits per side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="rbm", help="results/NAME.json")
    args = parser.parse_args(argv)
    if min(args.n_components, args.batch_size, args.n_iter, args.repeats) < 1:
        parser.error("--n-components, --batch-size, --n-iter and --repeats must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    x = load_digits(split="all")["image"].reshape(-1, 64).astype(np.float32)  # in [0, 1]
    options = dict(
        n_components=args.n_components,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        n_iter=args.n_iter,
        random_state=args.seed,
    )
    ours = BernoulliRBM(**options, allow_fractional=True)
    theirs = SklearnRBM(**options)
    machine = harness.machine_description()
    print(f"machine: {machine['cpu_model']}, {machine['usable_cores']} usable cores, "
          f"load {machine['load_average']}; digits {x.shape}, {options}", flush=True)  # fmt: skip

    start = time.perf_counter()
    ours.fit(x)
    first_fit_s = time.perf_counter() - start
    timings = harness.time_callables(
        {"gen_jax": lambda: ours.fit(x), "sklearn": lambda: theirs.fit(x)},
        num_steps=args.repeats,
        warmup=1,
        rounds=args.repeats,
        syncs={"gen_jax": lambda _: None, "sklearn": lambda _: None},
    )
    results = {}
    for name, timing in timings.items():
        epochs_per_s = [args.n_iter / duration for duration in timing["durations_s"]]
        results[name] = {
            "fit_s": {k: v / 1e3 for k, v in timing["step_ms"].items()},
            "epochs_per_s": harness.summarize_durations([1 / rate for rate in epochs_per_s])[
                "steps_per_s"
            ],
            "durations_s": timing["durations_s"],
            "peak_rss_mib": timing["peak_rss_mib"],
        }
    results["gen_jax"]["compile_s"] = first_fit_s - results["gen_jax"]["fit_s"]["median"]
    pseudo = {
        "gen_jax": float(np.mean(ours.score_samples(x))),
        "sklearn": float(np.mean(_copy(theirs, x).score_samples(x))),
    }
    rates = {name: result["epochs_per_s"]["median"] for name, result in results.items()}
    ratio = rates["gen_jax"] / rates["sklearn"]
    row = (
        f"| {args.n_components} | {args.batch_size} | {args.n_iter} "
        f"| {results['sklearn']['epochs_per_s']['median']:.2f} "
        f"| {results['gen_jax']['epochs_per_s']['median']:.2f} | {ratio:.2f} "
        f"| {results['gen_jax']['compile_s']:.1f} |"
    )
    print("| hidden | batch | epochs | sklearn epochs/s | gen_jax epochs/s | ratio | compile s |")
    print("|---|---|---|---|---|---|---|")
    print(row)
    payload = {
        "benchmark": "rbm",
        "description": "BernoulliRBM.fit on the 1,797 8x8 digits (float32, /16): gen_jax "
        "(one jitted scan over epochs and minibatches) against scikit-learn in the same "
        "process; epochs/s = n_iter / fit seconds (medians); ratio = gen_jax / sklearn.",
        "machine": machine,
        "config": {**options, "repeats": args.repeats, "data_shape": list(x.shape)},
        "goal_ratio": GOAL_RATIO,
        "ratio_epochs_per_s": ratio,
        "mean_exact_pseudo_log_likelihood_after_fit": pseudo,
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "results": results,
        "markdown_row": row,
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 0


def _copy(sklearn_rbm: SklearnRBM, x: np.ndarray):
    """A gen_jax estimator holding scikit-learn's fitted parameters, scored on ``x``."""
    copy = BernoulliRBM(sklearn_rbm.n_components, allow_fractional=True)
    copy.components_ = sklearn_rbm.components_.astype(np.float32)
    copy.intercept_visible_ = sklearn_rbm.intercept_visible_.astype(np.float32)
    copy.intercept_hidden_ = sklearn_rbm.intercept_hidden_.astype(np.float32)
    copy.n_features_in_ = x.shape[1]
    return copy


def summary_rows(result: dict) -> list[dict[str, str]]:
    """Table rows (benchmark contract): training epochs/s against scikit-learn."""
    config, sides = result["config"], result["results"]
    return [
        {
            "benchmark": "rbm",
            "case": f"{config['n_components']} hidden, batch {config['batch_size']}",
            "gen_jax": f"{sides['gen_jax']['epochs_per_s']['median']:.1f} epochs/s",
            "peer": f"sklearn {sides['sklearn']['epochs_per_s']['median']:.1f} epochs/s",
            "ratio": f"{result['ratio_epochs_per_s']:.2f}",
        }
    ]


if __name__ == "__main__":
    sys.exit(main())
