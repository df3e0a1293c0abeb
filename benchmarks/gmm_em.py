"""Side-by-side EM throughput: gen_jax's ``GaussianMixture`` against scikit-learn's.

The benchmark of issue 3: ``n = 200,000`` points, ``k = 8`` components, full covariances,
``d`` in {2, 25}, exactly 20 EM iterations on each side (``tol=0``, ``max_iter=20``, so
neither side stops early), float32 and float64. Both estimators start from the same
``weights_init``, ``means_init`` and ``precisions_init`` (a seeded k-means++ pick of the
data), so they do the same arithmetic: the check below verifies that they reach the same
``lower_bound_`` (1e-4 relative in float64; the float32 difference is printed).

One timed unit is a whole ``fit`` call, what a user pays: gen_jax's fit is a single jitted
call whose EM loop is a ``lax.while_loop`` on the device; scikit-learn's is a Python loop of
NumPy/BLAS E- and M-steps followed by one extra E-step (its labels check). Each side first
runs one untimed warm-up fit (gen_jax compiles there; its compile time is reported as that
first fit minus the median fit, and separately traced and compiled ahead of time), then
``--repeats`` timed fits per side, interleaved (gen_jax, sklearn, sklearn, gen_jax, ...)
so that load from other processes falls on both.
Reported: EM iterations per second (20 / median fit seconds) and the ratio gen_jax/sklearn.

JAX runs with ``jax_enable_x64`` for both dtypes and gets float32 or float64 data; the
script checks that the compiled fit computes in that dtype (the float types in its HLO) and
that the fitted parameters come back in it. scikit-learn gets the data and the initial
parameters in the same dtype, so it computes in float32 too.

Usage::

    python -m benchmarks.gmm_em [--n 200000] [--k 8] [--dims 2 25] [--iters 20]
                                [--repeats 3] [--dtypes float32 float64]

Writes ``benchmarks/results/gmm_em.json`` and prints a Markdown table. The profile of the
E-step that chose gen_jax's current full-covariance code was taken with this script's
``--profile`` option at commit 11d4fb2 (benchmarks/README.md, GMM EM).

References:
    Dempster, Laird & Rubin (1977), Maximum likelihood from incomplete data via the EM
    algorithm, JRSS B 39(1).
    Pedregosa et al. (2011), Scikit-learn: Machine Learning in Python, JMLR 12.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from threadpoolctl import threadpool_info, threadpool_limits

from benchmarks import harness
from gen_jax.estimators import gaussian_mixture as gen_jax_gmm

COVARIANCE_TYPE = "full"
REG_COVAR = 1e-6
FLOAT64_TOLERANCE = 1e-4  # relative, on lower_bound_
GOAL_RATIO = 3.0  # issue 3: gen_jax at least 3x scikit-learn on this CPU


# -- data and the shared starting point ----------------------------------------------------
# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = (
    "--n",
    "4000",
    "--dims",
    "2",
    "--iters",
    "5",
    "--repeats",
    "1",
    "--dtypes",
    "float32",
)


def synthetic_mixture(n: int, k: int, d: int, *, seed: int) -> np.ndarray:
    """``[n, d]`` float64 draws from a seeded ``k``-component Gaussian mixture.

    Means are ``N(0, 4^2 I)``, covariances ``A A^T / d + 0.5 I`` with standard normal
    ``A``, weights ``Dirichlet(5, ..., 5)``: overlapping but distinct clusters.
    """
    rng = np.random.default_rng([seed, k, d])
    means = rng.normal(0.0, 4.0, (k, d))
    factors = rng.normal(size=(k, d, d)) / np.sqrt(d)
    covariances = factors @ np.swapaxes(factors, 1, 2) + 0.5 * np.eye(d)
    weights = rng.dirichlet(np.full(k, 5.0))
    labels = rng.choice(k, size=n, p=weights)
    noise = rng.standard_normal((n, d))
    scales = np.linalg.cholesky(covariances)
    x = np.empty((n, d))
    for component in range(k):
        rows = labels == component
        x[rows] = means[component] + noise[rows] @ scales[component].T
    return x


def _squared_distances(x: np.ndarray, center: np.ndarray) -> np.ndarray:
    return np.sum(np.square(x - center), axis=1)


def kmeans_plusplus_start(
    x: np.ndarray, k: int, *, seed: int, reg_covar: float = REG_COVAR
) -> dict[str, np.ndarray]:
    """The initial parameters both sides get, float64, from a k-means++ pick of ``x``.

    The means are the ``k`` picked points (Arthur & Vassilvitskii's D^2 sampling); each
    point goes to its nearest pick, and the weights and covariances (plus ``reg_covar``)
    are those of the groups; a group too small for a covariance gets the data's. The
    precisions are the inverse covariances.
    """
    rng = np.random.default_rng(seed)
    centers = np.empty((k, x.shape[1]))
    centers[0] = x[rng.integers(len(x))]
    nearest = _squared_distances(x, centers[0])
    for index in range(1, k):
        centers[index] = x[rng.choice(len(x), p=nearest / nearest.sum())]
        nearest = np.minimum(nearest, _squared_distances(x, centers[index]))
    distances = np.stack([_squared_distances(x, center) for center in centers], axis=1)
    labels = np.argmin(distances, axis=1)
    eye = np.eye(x.shape[1])
    fallback = np.atleast_2d(np.cov(x, rowvar=False, bias=True))
    covariances = []
    for index in range(k):
        members = x[labels == index]
        if len(members) > x.shape[1]:
            covariance = np.atleast_2d(np.cov(members, rowvar=False, bias=True))
        else:
            covariance = fallback
        covariances.append(covariance + reg_covar * eye)
    precisions = np.linalg.inv(np.stack(covariances))
    return {
        "weights_init": np.bincount(labels, minlength=k) / len(x),
        "means_init": centers,
        "precisions_init": 0.5 * (precisions + np.swapaxes(precisions, 1, 2)),
    }


def _estimators(start: dict[str, np.ndarray], *, k: int, iters: int, dtype: np.dtype):
    """The two estimators, configured alike: ``tol=0``, ``max_iter=iters``, same start."""
    common = {
        "n_components": k,
        "covariance_type": COVARIANCE_TYPE,
        "tol": 0.0,
        "reg_covar": REG_COVAR,
        "max_iter": iters,
        "n_init": 1,
    }
    # Cast the start to the run's dtype: scikit-learn computes in the dtype of its means
    # and precisions (float64 ones would silently promote a float32 fit).
    start = {name: value.astype(dtype) for name, value in start.items()}
    start["weights_init"] = start["weights_init"] / start["weights_init"].sum()
    # gen_jax's default init_params ("kmeans") is traced but unused when all three initial
    # arrays are given; JAX drops it (the lowered program equals init_params="random"'s).
    gen_jax = gen_jax_gmm.GaussianMixture(**common, **start)
    sklearn = SklearnGaussianMixture(**common, **start, random_state=0)
    return gen_jax, sklearn


@contextlib.contextmanager
def _quiet_nonconvergence():
    """Silence both sides' "did not converge" warnings (expected: tol=0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="EM did not converge")
        yield


# -- checks -----------------------------------------------------------------------------------
_FLOAT_TYPE = re.compile(r"\b(bf16|f16|f32|f64)\[")


def jax_fit_float_types(estimator, x: np.ndarray) -> dict[str, Any]:
    """The float types of the compiled program gen_jax's ``fit`` runs on ``x``.

    ``fit`` calls the module's jitted ``_fit_restarts`` once; it is wrapped for one more
    fit to record the exact arguments, then lowered and compiled with them (JAX's caches
    cleared first, so this also times tracing, lowering and XLA compilation on their own).
    If gen_jax's internals change so that this no longer works, the reason is reported
    instead.

    Returns:
        ``float_types`` (element types of every array the optimised HLO produces),
        ``trace_lower_s``, ``compile_s`` and ``hlo`` (the optimised HLO text); or
        ``float_types: None`` and ``error``.
    """
    jitted = getattr(gen_jax_gmm, "_fit_restarts", None)
    if not hasattr(jitted, "lower"):
        return {"float_types": None, "error": "gen_jax_gmm._fit_restarts is not a jitted fn"}
    calls = []

    def recording(*args, **kwargs):
        calls.append((args, kwargs))
        return jitted(*args, **kwargs)

    gen_jax_gmm._fit_restarts = recording
    try:
        with _quiet_nonconvergence():
            estimator.fit(x)
    finally:
        gen_jax_gmm._fit_restarts = jitted
    if len(calls) != 1:
        return {"float_types": None, "error": f"fit called _fit_restarts {len(calls)} times"}
    args, kwargs = calls[0]
    jax.clear_caches()  # so that lower and compile below really trace and compile
    start = time.perf_counter()
    lowered = jitted.lower(*args, **kwargs)
    lowered_at = time.perf_counter()
    hlo = lowered.compile().as_text()
    compiled_at = time.perf_counter()
    return {
        "float_types": sorted(set(_FLOAT_TYPE.findall(hlo))),
        "trace_lower_s": lowered_at - start,
        "compile_s": compiled_at - lowered_at,
        "hlo": hlo,
    }


def _relative_difference(value: float, reference: float) -> float:
    return abs(value - reference) / max(abs(reference), 1e-300)


def _history(estimator, attribute: str) -> np.ndarray | None:
    values = getattr(estimator, attribute, None)
    return None if values is None else np.asarray(values, np.float64)


# -- timing ----------------------------------------------------------------------------------
def _quartiles(values: Sequence[float]) -> dict[str, float]:
    first, median, third = np.percentile(np.asarray(values, np.float64), [25, 50, 75])
    return {
        "median": float(median),
        "q25": float(first),
        "q75": float(third),
        "iqr": float(third - first),
    }


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _side_summary(first_s: float, durations: list[float], iters: int) -> dict[str, Any]:
    fit_s = _quartiles(durations)
    return {
        "first_fit_s": first_s,
        "fit_s": fit_s,
        "iterations_per_s": {
            "median": iters / fit_s["median"],
            **{
                name: value
                for name, value in _quartiles([iters / duration for duration in durations]).items()
                if name != "median"
            },
        },
        "durations_s": durations,
    }


def compare(
    x64: np.ndarray, start: dict[str, np.ndarray], *, dtype: np.dtype, args: argparse.Namespace
) -> dict[str, Any]:
    """Warm up, check and time both sides on ``x64`` cast to ``dtype``; one result row."""
    x = np.ascontiguousarray(x64.astype(dtype))
    gen_jax, sklearn = _estimators(start, k=args.k, iters=args.iters, dtype=dtype)
    load_before = os.getloadavg()
    with _quiet_nonconvergence():
        # gen_jax's first fit compiles (the estimator's jit cache then serves every
        # later fit of this shape and dtype); sklearn's first fit is its warm-up.
        sides = {"gen_jax": lambda: gen_jax.fit(x), "sklearn": lambda: sklearn.fit(x)}
        first = {name: _timed(fit) for name, fit in sides.items()}
        durations: dict[str, list[float]] = {name: [] for name in sides}
        order = list(sides)
        for _ in range(args.repeats):
            for name in order:
                durations[name].append(_timed(sides[name]))
            order.reverse()
    load_after = os.getloadavg()

    lowered = jax_fit_float_types(gen_jax, x)
    expected_type = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}[np.dtype(dtype)]
    result_dtypes = {
        "gen_jax": str(gen_jax.means_.dtype),
        "sklearn": str(sklearn.means_.dtype),
    }
    dtype_ok = all(value == np.dtype(dtype).name for value in result_dtypes.values()) and (
        lowered["float_types"] is None or lowered["float_types"] == [expected_type]
    )

    lower_bounds = {"gen_jax": gen_jax.lower_bound_, "sklearn": sklearn.lower_bound_}
    difference = _relative_difference(lower_bounds["gen_jax"], lower_bounds["sklearn"])
    histories = (
        _history(gen_jax, "log_likelihood_history_"),
        _history(sklearn, "lower_bounds_"),
    )
    history_difference = None
    if all(history is not None for history in histories) and len(histories[0]) == len(histories[1]):
        history_difference = float(
            np.max(np.abs(histories[0] - histories[1]) / np.abs(histories[1]))
        )
    iterations = {"gen_jax": gen_jax.n_iter_, "sklearn": sklearn.n_iter_}
    is_float64 = np.dtype(dtype) == np.float64
    check = {
        "iterations_equal": all(value == args.iters for value in iterations.values()),
        "lower_bound_relative_difference": difference,
        "lower_bound_history_max_relative_difference": history_difference,
        "tolerance": FLOAT64_TOLERANCE if is_float64 else None,
        "dtype_ok": dtype_ok,
    }
    agrees = not is_float64 or difference <= FLOAT64_TOLERANCE
    check["passed"] = check["iterations_equal"] and dtype_ok and agrees

    results = {name: _side_summary(first[name], durations[name], args.iters) for name in sides}
    gen_jax_result = results["gen_jax"]
    gen_jax_result["compile_s"] = first["gen_jax"] - gen_jax_result["fit_s"]["median"]
    if lowered["float_types"] is not None:
        gen_jax_result["aot_compile_s"] = lowered["trace_lower_s"] + lowered["compile_s"]
        gen_jax_result["aot_trace_lower_s"] = lowered["trace_lower_s"]
        gen_jax_result["aot_xla_compile_s"] = lowered["compile_s"]
    gen_jax_result["hlo_float_types"] = lowered["float_types"]
    if "error" in lowered:
        gen_jax_result["hlo_check_error"] = lowered["error"]
    estimators = {"gen_jax": gen_jax, "sklearn": sklearn}
    for name, estimator in estimators.items():
        results[name].update(
            n_iter=iterations[name],
            lower_bound=lower_bounds[name],
            result_dtype=result_dtypes[name],
            converged=bool(estimator.converged_),
        )
    return {
        "d": x.shape[1],
        "dtype": np.dtype(dtype).name,
        "n": len(x),
        "k": args.k,
        "iterations": args.iters,
        "ratio_iterations_per_s": results["gen_jax"]["iterations_per_s"]["median"]
        / results["sklearn"]["iterations_per_s"]["median"],
        "check": check,
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in load_after],
        **results,
    }


# -- reporting -------------------------------------------------------------------------------
MARKDOWN_HEADER = (
    "| d | dtype | sklearn it/s (IQR) | gen_jax it/s (IQR) | ratio gen_jax/sklearn "
    "| gen_jax compile s: first fit - median (AOT) | lower_bound_ rel. diff: final (max over "
    "iterations) |\n|---|---|---|---|---|---|---|"
)


def _markdown_row(row: dict[str, Any]) -> str:
    check = row["check"]
    difference = f"{check['lower_bound_relative_difference']:.1e}"
    if check["lower_bound_history_max_relative_difference"] is not None:
        difference += f" ({check['lower_bound_history_max_relative_difference']:.1e})"
    if check["tolerance"] is not None:
        difference += " (ok)" if check["passed"] else " (FAILED)"
    gen_jax, sklearn = row["gen_jax"]["iterations_per_s"], row["sklearn"]["iterations_per_s"]
    aot = row["gen_jax"].get("aot_compile_s")
    aot = "n/a" if aot is None else f"{aot:.1f}"
    return (
        f"| {row['d']} | {row['dtype']} "
        f"| {sklearn['median']:.2f} ({sklearn['iqr']:.2f}) "
        f"| {gen_jax['median']:.2f} ({gen_jax['iqr']:.2f}) "
        f"| {row['ratio_iterations_per_s']:.2f} "
        f"| {row['gen_jax']['compile_s']:.1f} ({aot}) | {difference} |"
    )


def _extra_versions() -> dict[str, str | None]:
    versions = {}
    for package in ("scikit-learn", "scipy", "threadpoolctl"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def thread_settings(sklearn_threads: int | None) -> dict[str, Any]:
    """What each side's thread pools are: threadpoolctl's view of NumPy/SciPy/sklearn, XLA's."""
    usable_cores = harness.machine_description()["usable_cores"]
    pools = [
        {
            "user_api": pool.get("user_api"),
            "internal_api": pool.get("internal_api"),
            "library": os.path.basename(pool.get("filepath", "")),
            "num_threads": pool.get("num_threads"),
            "threading_layer": pool.get("threading_layer"),
            "version": pool.get("version"),
        }
        for pool in threadpool_info()
    ]
    return {
        "sklearn": {
            "threadpoolctl": pools,
            "limit": sklearn_threads,
            "note": "NumPy/SciPy BLAS (OpenBLAS or MKL) and sklearn's OpenMP pools; "
            + (
                f"limited to {sklearn_threads} with threadpool_limits"
                if sklearn_threads
                else "library defaults (threadpoolctl's num_threads above)"
            ),
        },
        "gen_jax": f"XLA:CPU's own intra-op thread pool (default: all {usable_cores} usable "
        f"cores); XLA_FLAGS={os.environ.get('XLA_FLAGS')!r}",
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gmm_em",
        description="gen_jax GaussianMixture EM against scikit-learn's, same data and start.",
    )
    parser.add_argument("--n", type=int, default=200_000, help="points")
    parser.add_argument("--k", type=int, default=8, help="components")
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 25])
    parser.add_argument("--iters", type=int, default=20, help="EM iterations per fit (tol=0)")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per side")
    parser.add_argument(
        "--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"]
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sklearn-threads",
        type=int,
        default=None,
        help="limit NumPy/SciPy/sklearn thread pools (threadpoolctl); default: their own",
    )
    parser.add_argument("--name", default="gmm_em", help="results/NAME.json")
    args = parser.parse_args(argv)
    if min(args.dims) < 1 or args.n < args.k or args.k < 1 or args.iters < 1:
        parser.error("--dims, --k and --iters must be positive and --n at least --k")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Both dtypes run with x64 enabled, before this process creates any JAX array, so the
    # data's dtype alone decides float32 or float64 on the JAX side.
    jax.config.update("jax_enable_x64", True)
    limits = (
        threadpool_limits(args.sklearn_threads)
        if args.sklearn_threads
        else contextlib.nullcontext()
    )
    machine = harness.machine_description()
    machine["versions"].update(_extra_versions())
    print(
        f"machine: {machine['cpu_model']}, {machine['usable_cores']} usable cores, "
        f"load average {machine['load_average']}; n={args.n:,} k={args.k} "
        f"iters={args.iters} repeats={args.repeats}",
        flush=True,
    )
    rows = []
    with limits:
        threads = thread_settings(args.sklearn_threads)
        print(MARKDOWN_HEADER, flush=True)
        for d in args.dims:
            x64 = synthetic_mixture(args.n, args.k, d, seed=args.seed)
            start = kmeans_plusplus_start(x64, args.k, seed=args.seed)
            for dtype_name in args.dtypes:
                row = compare(x64, start, dtype=np.dtype(dtype_name), args=args)
                rows.append(row)
                print(_markdown_row(row), flush=True)

    config = {
        "n": args.n,
        "k": args.k,
        "dims": args.dims,
        "dtypes": args.dtypes,
        "covariance_type": COVARIANCE_TYPE,
        "reg_covar": REG_COVAR,
        "tol": 0.0,
        "max_iter": args.iters,
        "repeats": args.repeats,
        "seed": args.seed,
        "jax_enable_x64": bool(jax.config.jax_enable_x64),
        "start": "k-means++ pick of the data (seeded), weights/covariances of the nearest-pick "
        "groups; the same weights_init/means_init/precisions_init on both sides",
    }
    payload: dict[str, Any] = {
        "benchmark": "gmm_em",
        "description": (
            "Gaussian mixture EM, full covariances, exactly `iters` iterations (tol=0) from "
            "the same start: gen_jax GaussianMixture.fit (one jitted while_loop) against "
            "sklearn.mixture.GaussianMixture.fit in the same process, fits interleaved; "
            "iterations/s = iters / median fit seconds; ratio = gen_jax / sklearn."
        ),
        "machine": machine,
        "config": config,
        "threads": threads,
        "goal_ratio": GOAL_RATIO,
    }
    payload["results"] = rows
    path = harness.write_result(args.name, payload)
    print(f"wrote {path}")
    for row in rows:
        if row["dtype"] == "float32":
            history = row["check"]["lower_bound_history_max_relative_difference"]
            history = "n/a" if history is None else f"{history:.1e}"
            print(
                f"d={row['d']} float32: lower_bound_ gen_jax "
                f"{row['gen_jax']['lower_bound']:.8g} sklearn "
                f"{row['sklearn']['lower_bound']:.8g} (relative difference "
                f"{row['check']['lower_bound_relative_difference']:.1e}; largest over the "
                f"iterations' lower bounds {history})"
            )
    failed = [row for row in rows if not row["check"]["passed"]]
    for row in failed:
        print(f"check FAILED for d={row['d']} {row['dtype']}: {row['check']}", file=sys.stderr)
    if failed:
        return 1
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): EM iterations/s against scikit-learn, per d and dtype."""
    rows = []
    for row in result["results"]:
        ours = row["gen_jax"]["iterations_per_s"]["median"]
        theirs = row["sklearn"]["iterations_per_s"]["median"]
        rows.append(
            {
                "benchmark": "gmm_em",
                "case": f"n={row['n']:,} k={row['k']} d={row['d']} {row['dtype']}",
                "gen_jax": f"{ours:.2f} it/s",
                "peer": f"sklearn {theirs:.2f} it/s",
                "ratio": f"{row['ratio_iterations_per_s']:.2f}",
            }
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
