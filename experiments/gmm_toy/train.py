"""Fit the three-cluster Gaussian mixture by EM; plot soft assignments, ellipses and samples."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np
from ml_collections import ConfigDict
from sklearn.metrics import adjusted_rand_score

from gen_jax.core.record import record_fit
from gen_jax.data import load_source
from gen_jax.estimators.gaussian_mixture import GaussianMixture
from gen_jax.viz import save_mixture_plot, write_report


def _load(data: ConfigDict, split: str, num_samples: int, seed: int):
    source = load_source(data.dataset, split=split, num_samples=num_samples, seed=seed)
    return source.arrays["x"], source.arrays["label"]


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Fit, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    data, seed = config.data, config.run.seed
    x, labels = _load(data, "train", data.num_samples, seed)
    x_test, _ = _load(data, "test", data.num_test_samples, seed)
    mixture = GaussianMixture(**config.model, max_iter=config.run.num_steps, random_state=seed)
    fit_key, sample_key = jax.random.split(jax.random.key(seed))
    start = time.perf_counter()
    mixture.fit(x, key=fit_key)
    fit_seconds = time.perf_counter() - start

    record_fit(workdir, history={"log_likelihood": mixture.log_likelihood_history_})
    _save_fitted_mixture(workdir, mixture, seed=seed)

    responsibilities = mixture.predict_proba(x)
    query = _query_point(config.eval.query_point, x, responsibilities)
    name = f"K = {mixture.n_components} ({mixture.covariance_type} covariances)"
    images = {
        "Soft assignments (colour blended by responsibility), means, 1- and 2-sigma ellipses; "
        "the red star's membership probabilities": save_mixture_plot(
            workdir / "mixture.png",
            x,
            means=mixture.means_,
            covariances=mixture.covariances_,
            covariance_type=mixture.covariance_type,
            responsibilities=responsibilities,
            query=(query, mixture.predict_proba(query[None])[0]),
            title=f"EM fit, {name}, {len(x):,} points",
        ),
    }
    num_generated = config.eval.num_generated
    generated, components = mixture.sample(num_generated, key=sample_key)
    images[
        f"{num_generated} samples from the fitted mixture, coloured by the component "
        "that drew them, over the training data (grey)"
    ] = save_mixture_plot(
        workdir / "samples" / "samples.png",
        generated,
        means=mixture.means_,
        covariances=mixture.covariances_,
        covariance_type=mixture.covariance_type,
        responsibilities=np.eye(mixture.n_components)[components],
        background=x,
        title=f"Samples from the fitted mixture, {name}",
    )

    final = {
        "lower_bound": mixture.lower_bound_,
        "n_iter": mixture.n_iter_,
        "converged": int(mixture.converged_),
        "bic": mixture.bic(x),
        "aic": mixture.aic(x),
        "test_log_likelihood": mixture.score(x_test),
        "adjusted_rand_index": adjusted_rand_score(labels, mixture.predict(x)),
        "fit_seconds": fit_seconds,
    }
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title=f"Gaussian mixture on three 2-D clusters, {name}",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final


def _save_fitted_mixture(workdir: Path, mixture: GaussianMixture, *, seed: int) -> None:
    """The fitted parameters as an orbax checkpoint at step ``n_iter_``."""
    record_fit(
        workdir,
        state={
            "weights": mixture.weights_,
            "means": mixture.means_,
            "covariances": mixture.covariances_,
            "precisions_cholesky": mixture.precisions_cholesky_,
        },
        step=mixture.n_iter_,
        meta={
            "covariance_type": mixture.covariance_type,
            "n_components": mixture.n_components,
            "n_iter": mixture.n_iter_,
            "converged": mixture.converged_,
            "lower_bound": mixture.lower_bound_,
            "seed": seed,
        },
    )


def _query_point(query_point, x: np.ndarray, responsibilities: np.ndarray) -> np.ndarray:
    """``query_point`` (``config.eval``), or the training point whose cluster is least
    certain."""
    if query_point is not None:
        return np.asarray(query_point, dtype=np.float64)
    entropy = -np.sum(responsibilities * np.log(np.clip(responsibilities, 1e-30, 1.0)), axis=1)
    return np.asarray(x[np.argmax(entropy)], dtype=np.float64)
