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
    python -m benchmarks.gmm_em --profile   # where gen_jax's time goes, and alternatives
    python -m benchmarks.gmm_em --dims 25 --rewritten   # + gen_jax with the two rewrites

Writes ``benchmarks/results/gmm_em.json`` (``gmm_em_profile.json`` with ``--profile``) and
prints a Markdown table.

References:
    Dempster, Laird & Rubin (1977), Maximum likelihood from incomplete data via the EM
    algorithm, JRSS B 39(1).
    Pedregosa et al. (2011), Scikit-learn: Machine Learning in Python, JMLR 12.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import importlib.metadata
import math
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from threadpoolctl import threadpool_info, threadpool_limits

from benchmarks import harness
from gen_jax.algorithms.em import fit_em
from gen_jax.models import gaussian_mixture as gen_jax_gmm
from gen_jax.models.gmm import GaussianMixtureEM, component_log_densities

COVARIANCE_TYPE = "full"
REG_COVAR = 1e-6
FLOAT64_TOLERANCE = 1e-4  # relative, on lower_bound_
GOAL_RATIO = 3.0  # issue 3: gen_jax at least 3x scikit-learn on this CPU


# -- data and the shared starting point ----------------------------------------------------
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
        if args.rewritten:
            # The same estimator running the profile's two rewrites (not gen_jax's code).
            rewritten, _ = _estimators(start, k=args.k, iters=args.iters, dtype=dtype)
            rewritten.model = rewritten_model()
            sides[REWRITTEN] = lambda: rewritten.fit(x)
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
    if args.rewritten:
        estimators[REWRITTEN] = rewritten
        results[REWRITTEN]["compile_s"] = first[REWRITTEN] - results[REWRITTEN]["fit_s"]["median"]
        results[REWRITTEN]["lower_bound_relative_difference_to_sklearn"] = _relative_difference(
            rewritten.lower_bound_, sklearn.lower_bound_
        )
        results[REWRITTEN]["ratio_iterations_per_s_to_sklearn"] = (
            results[REWRITTEN]["iterations_per_s"]["median"]
            / results["sklearn"]["iterations_per_s"]["median"]
        )
        iterations[REWRITTEN] = rewritten.n_iter_
        lower_bounds[REWRITTEN] = rewritten.lower_bound_
        result_dtypes[REWRITTEN] = str(rewritten.means_.dtype)
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


# -- profile: where gen_jax's iteration spends its time ---------------------------------------
def _log_densities_per_component(params, x):
    """``[N, K]`` log-densities as K products ``x @ P_k`` (no ``[N, K, D]`` temporary)."""
    factor, means = params.precisions_cholesky, params.means
    squared = jnp.stack(
        [
            jnp.sum(jnp.square(x @ factor[index] - means[index] @ factor[index]), axis=1)
            for index in range(factor.shape[0])
        ],
        axis=1,
    )
    log_det = jnp.sum(jnp.log(jnp.diagonal(factor, axis1=1, axis2=2)), axis=1)
    return -0.5 * (x.shape[1] * math.log(2 * math.pi) + squared) + log_det


def _log_densities_current(params, x):
    return component_log_densities(params, x, COVARIANCE_TYPE)


def _outer_einsum(weighted, x):
    return jnp.einsum("nk,nd,ne->kde", weighted, x, x)


def _outer_nk_d_by_x(weighted, x):
    n, k = weighted.shape
    d = x.shape[1]
    products = (weighted[:, :, None] * x[:, None, :]).reshape(n, k * d)
    return (products.T @ x).reshape(k, d, d)


def _outer_x_by_nd_k(weighted, x):
    n, k = weighted.shape
    d = x.shape[1]
    products = (x[:, :, None] * weighted[:, None, :]).reshape(n, d * k)
    return jnp.transpose((x.T @ products).reshape(d, d, k), (2, 0, 1))


def _outer_per_component(weighted, x):
    return jnp.stack([(x * weighted[:, index, None]).T @ x for index in range(weighted.shape[1])])


DENSITY_VARIANTS = {
    "einsum('nd,kde->nke'), square, sum over e (current)": _log_densities_current,
    "per component: sum((x @ P_k - mu_k @ P_k)**2, 1), stacked": _log_densities_per_component,
}
OUTER_VARIANTS = {
    "einsum('nk,nd,ne->kde') (current)": _outer_einsum,
    "(r[:,:,None]*x[:,None]).reshape(N,K*D).T @ x": _outer_nk_d_by_x,
    "x.T @ (x[:,:,None]*r[:,None]).reshape(N,D*K), transposed": _outer_x_by_nd_k,
    "per component: (x*r[:,k,None]).T @ x, stacked": _outer_per_component,
}


@dataclasses.dataclass(frozen=True)
class _RewrittenGaussianMixtureEM(GaussianMixtureEM):
    """gen_jax's full-covariance EM model with other log-density and ``outer`` code.

    Everything else (the M-step, the responsibilities, ``fit_em``) is gen_jax's own, so
    timing ``fit_em`` with this model against the original isolates the two rewrites.
    """

    densities: Callable = _log_densities_current
    outer: Callable = _outer_einsum

    def statistics(self, x, responsibilities, weights):
        weighted = responsibilities * weights[:, None]
        return {
            "count": jnp.sum(weighted, axis=0),
            "sum": weighted.T @ x,
            "outer": self.outer(weighted, x),
        }

    def e_step(self, params, x, weights):
        joint = jnp.log(params.weights) + self.densities(params, x)
        log_likelihood = jax.nn.logsumexp(joint, axis=1)
        responsibilities = jnp.exp(joint - log_likelihood[:, None])
        return self.statistics(x, responsibilities, weights), log_likelihood


REWRITTEN = "gen_jax_rewritten"
REWRITTEN_DENSITIES = "per component: sum((x @ P_k - mu_k @ P_k)**2, 1), stacked"
REWRITTEN_OUTER = "x.T @ (x[:,:,None]*r[:,None]).reshape(N,D*K), transposed"


def rewritten_model(
    densities: str | None = REWRITTEN_DENSITIES, outer: str | None = REWRITTEN_OUTER
) -> _RewrittenGaussianMixtureEM:
    """gen_jax's EM model with the named density and/or ``outer`` variant (None: gen_jax's)."""
    chosen = {}
    if densities is not None:
        chosen["densities"] = DENSITY_VARIANTS[densities]
    if outer is not None:
        chosen["outer"] = OUTER_VARIANTS[outer]
    return _RewrittenGaussianMixtureEM(COVARIANCE_TYPE, REG_COVAR, **chosen)


def _time_interleaved(fns: dict[str, Callable[[], Any]], *, reps: int) -> dict[str, dict]:
    """Median milliseconds of each no-argument function, the functions taking turns."""
    for fn in fns.values():
        jax.block_until_ready(fn())
    durations: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            start = time.perf_counter()
            jax.block_until_ready(fn())
            durations[name].append(time.perf_counter() - start)
    return {
        name: {"median_ms": 1e3 * float(np.median(values)), "min_ms": 1e3 * float(min(values))}
        for name, values in durations.items()
    }


def _computations(hlo: str) -> dict[str, list[str]]:
    """HLO text split into its computations: name -> instruction lines."""
    computations: dict[str, list[str]] = {}
    current = None
    for line in hlo.splitlines():
        header = re.match(r"(?:ENTRY )?%?([\w.\-]+) \(.*\{$", line)
        if header:
            current = computations.setdefault(header.group(1), [])
        elif line.startswith("}"):
            current = None
        elif current is not None:
            current.append(line)
    return computations


_INSTRUCTION = re.compile(r"\s*(?:ROOT )?%(\S+) = (\w+)\[([\d,]*)\]\S* ([\w\-]+)\(")


# Instructions that name an existing array rather than compute a new one.
_VIEWS = {"parameter", "get-tuple-element", "bitcast", "tuple", "constant"}


def _size(dims: str) -> int:
    return int(np.prod([int(dim) for dim in dims.split(",") if dim]))


def _large_hlo_buffers(hlo: str, *, min_elements: int) -> list[str]:
    """Arrays of at least ``min_elements`` that the EM loop body materialises.

    Lists the top-level instructions of every while-loop body (each writes its result to
    memory); for a fusion, also the largest array formed inside it (which may or may not
    be written out, depending on how the fusion is emitted).
    """
    computations = _computations(hlo)
    found = []
    for body in sorted(set(re.findall(r"body=%?([\w.\-]+)", hlo))):
        for line in computations.get(body, []):
            match = _INSTRUCTION.match(line)
            if not match or _size(match.group(3)) < min_elements or match.group(4) in _VIEWS:
                continue
            name, element, dims, op = match.groups()
            entry = f"{name} = {op} -> {element}[{dims}]"
            called = re.search(r"calls=%?([\w.\-]+)", line)
            if called:
                inner = [
                    inner_match.groups()
                    for inner_line in computations.get(called.group(1), [])
                    if (inner_match := _INSTRUCTION.match(inner_line))
                    and inner_match.group(4) not in _VIEWS
                ]
                if inner:
                    biggest = max(inner, key=lambda groups: _size(groups[2]))
                    entry += f" (largest inside: {biggest[3]} {biggest[1]}[{biggest[2]}])"
                metadata = re.search(r'op_name="[^"]*?/([^"/]+)"', line)
                if metadata:
                    entry += f" from {metadata.group(1)}"
            found.append(entry)
    return found


def profile(
    x64: np.ndarray, start: dict[str, np.ndarray], *, dtype: np.dtype, args: argparse.Namespace
) -> dict[str, Any]:
    """Where gen_jax's EM time goes, what two rewrites would save, and sklearn's steps.

    Times (jitted, data passed as arguments, interleaved): ``fit_em``'s whole 20-iteration
    device loop with gen_jax's model and with rewritten log-densities and/or ``outer``
    statistic; one E-step, one M-step; each density and ``outer`` variant alone; and
    scikit-learn's ``_e_step`` and ``_m_step``. Also checks the rewrites give the same
    numbers and lists the large arrays the compiled EM loop materialises.
    """
    x_np = np.ascontiguousarray(x64.astype(dtype))
    x_np = x_np - x_np.mean(axis=0)  # gen_jax's fit centres the data the same way
    x = jnp.asarray(x_np)
    weights = jnp.ones(len(x_np), dtype)
    model = GaussianMixtureEM(COVARIANCE_TYPE, REG_COVAR)
    gen_jax, sklearn = _estimators(start, k=args.k, iters=args.iters, dtype=dtype)
    with _quiet_nonconvergence():
        sklearn.fit(x_np)  # fitted parameters: a realistic point to time one step at
    params = jax.tree.map(
        lambda value: jnp.asarray(value, dtype),
        gen_jax_gmm.GaussianMixtureParams(
            weights=sklearn.weights_,
            means=sklearn.means_,
            covariances=sklearn.covariances_,
            precisions_cholesky=sklearn.precisions_cholesky_,
        ),
    )
    initial = jax.tree.map(
        lambda value: jnp.asarray(value, dtype),
        model.m_step(
            model.statistics(x, jax.nn.softmax(_log_densities_current(params, x), axis=1), weights)
        ),
    )
    loop_models = {
        "current gen_jax": model,
        "densities rewritten": rewritten_model(outer=None),
        "outer rewritten": rewritten_model(densities=None),
        "both rewritten": rewritten_model(),
    }
    loops = {
        name: jax.jit(
            functools.partial(fit_em, loop_model, tol=0.0, max_iter=args.iters),
        )
        for name, loop_model in loop_models.items()
    }
    e_step = jax.jit(model.e_step)
    m_step = jax.jit(model.m_step)
    density_fns = {name: jax.jit(fn) for name, fn in DENSITY_VARIANTS.items()}
    outer_fns = {name: jax.jit(fn) for name, fn in OUTER_VARIANTS.items()}
    weighted = jax.jit(lambda p, x: jax.nn.softmax(_log_densities_current(p, x), axis=1))(params, x)
    stats = jax.jit(model.statistics)(x, weighted, weights)

    # The rewrites compute the same numbers.
    same: dict[str, float] = {}
    reference = jax.device_get(loops["current gen_jax"](initial, x, weights=weights))
    for name, loop in loops.items():
        result = jax.device_get(loop(initial, x, weights=weights))
        same[f"fit_em lower_bound, {name}"] = _relative_difference(
            float(result.lower_bound), float(reference.lower_bound)
        )
    for group, fns_, arguments in (
        ("densities", density_fns, (params, x)),
        ("outer", outer_fns, (weighted, x)),
    ):
        baseline = np.asarray(next(iter(fns_.values()))(*arguments))
        for name, fn in fns_.items():
            value = np.asarray(fn(*arguments))
            same[f"{group}: {name}"] = float(
                np.max(np.abs(value - baseline)) / np.max(np.abs(baseline))
            )

    fns: dict[str, Callable[[], Any]] = {}
    for name, loop in loops.items():
        fns[f"fit_em, {args.iters} iterations, {name}"] = lambda loop=loop: loop(
            initial, x, weights=weights
        )
    fns["gen_jax e_step (densities, logsumexp, statistics)"] = lambda: e_step(params, x, weights)
    fns["gen_jax m_step (K Cholesky factorisations and solves)"] = lambda: m_step(stats)
    for name, fn in density_fns.items():
        fns[f"densities: {name}"] = lambda fn=fn: fn(params, x)
    for name, fn in outer_fns.items():
        fns[f"outer: {name}"] = lambda fn=fn: fn(weighted, x)
    log_resp = np.log(np.maximum(np.asarray(weighted), np.finfo(dtype).tiny))
    fns["sklearn _e_step"] = lambda: sklearn._e_step(x_np)
    fns["sklearn _m_step"] = lambda: sklearn._m_step(x_np, log_resp)
    timings = _time_interleaved(fns, reps=args.profile_reps)

    hlo = jax_fit_float_types(gen_jax, x_np).get("hlo", "")
    return {
        "d": x_np.shape[1],
        "dtype": np.dtype(dtype).name,
        "timings": timings,
        "same_results": same,
        "large_buffers_in_em_loop": _large_hlo_buffers(hlo, min_elements=len(x_np) * args.k),
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


def _print_profile(entry: dict[str, Any]) -> None:
    print(f"\nprofile d={entry['d']} {entry['dtype']} (median ms per call, jitted, interleaved):")
    for name, timing in entry["timings"].items():
        print(f"  {timing['median_ms']:9.1f}  {name}")
    print("  same results (max relative difference to the current code):")
    for name, value in entry["same_results"].items():
        print(f"    {value:.1e}  {name}")
    print("  EM-loop HLO instructions with >= N*K elements:")
    for line in entry["large_buffers_in_em_loop"]:
        print(f"    {line}")


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
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of the fits, time gen_jax's iteration, its parts and alternatives",
    )
    parser.add_argument(
        "--rewritten",
        action="store_true",
        help="also time gen_jax's estimator running the profile's two rewrites (a third side)",
    )
    parser.add_argument("--profile-reps", type=int, default=5, help="calls per profiled fn")
    parser.add_argument("--name", default=None, help="results/NAME.json (default gmm_em)")
    args = parser.parse_args(argv)
    if min(args.dims) < 1 or args.n < args.k or args.k < 1 or args.iters < 1:
        parser.error("--dims, --k and --iters must be positive and --n at least --k")
    if args.repeats < 1 or args.profile_reps < 1:
        parser.error("--repeats and --profile-reps must be at least 1")
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
    rows, profiles = [], []
    with limits:
        threads = thread_settings(args.sklearn_threads)
        if not args.profile:
            print(MARKDOWN_HEADER, flush=True)
        for d in args.dims:
            x64 = synthetic_mixture(args.n, args.k, d, seed=args.seed)
            start = kmeans_plusplus_start(x64, args.k, seed=args.seed)
            for dtype_name in args.dtypes:
                dtype = np.dtype(dtype_name)
                if args.profile:
                    entry = profile(x64, start, dtype=dtype, args=args)
                    profiles.append(entry)
                    _print_profile(entry)
                    continue
                row = compare(x64, start, dtype=dtype, args=args)
                rows.append(row)
                print(_markdown_row(row), flush=True)
                if args.rewritten:
                    side = row[REWRITTEN]
                    print(
                        f"  rewritten gen_jax: {side['iterations_per_s']['median']:.2f} it/s "
                        f"(IQR {side['iterations_per_s']['iqr']:.2f}), ratio to sklearn "
                        f"{side['ratio_iterations_per_s_to_sklearn']:.2f}, lower_bound_ rel. "
                        f"diff {side['lower_bound_relative_difference_to_sklearn']:.1e}",
                        flush=True,
                    )

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
        "benchmark": "gmm_em_profile" if args.profile else "gmm_em",
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
    if args.profile:
        payload["profile"] = profiles
    else:
        payload["results"] = rows
    path = harness.write_result(
        args.name or ("gmm_em_profile" if args.profile else "gmm_em"), payload
    )
    print(f"wrote {path}")
    if not args.profile:
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


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
