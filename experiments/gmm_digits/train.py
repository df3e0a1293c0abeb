"""Fit a Gaussian mixture to 8x8 digits for each K, keep the lowest BIC, sample and plot."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np
from ml_collections import ConfigDict

from gen_jax.core.record import record_fit
from gen_jax.data import load_digits
from gen_jax.estimators.gaussian_mixture import GaussianMixture
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.viz import save_criterion_curve, save_image_grid, write_report


def _load(data: ConfigDict, split: str) -> np.ndarray:
    """Digit images ``[N, size, size, 1]`` in [0, 1]."""
    return load_digits(image_size=data.image_size, value_range=(0.0, 1.0), split=split)["image"]


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test digits that the samples are scored against."""
    return ReferenceImages.from_source(_load(config.data, "test"), "digits test split")


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Fit one mixture per K, choose by BIC, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    images_train, images_test = _load(config.data, "train"), _load(config.data, "test")
    image_shape = images_train.shape[1:]
    size = f"{image_shape[0]}x{image_shape[1]}"
    x, x_test = (
        images_train.reshape(len(images_train), -1),
        images_test.reshape(len(images_test), -1),
    )
    ks, seed = [int(k) for k in config.run.ks], config.run.seed
    if not ks:
        raise ValueError("config.run.ks is empty; give at least one number of components")
    fit_key, sample_key = jax.random.split(jax.random.key(seed))

    mixtures, criteria = {}, {"BIC": [], "AIC": []}
    sweep = {"lower_bound": [], "test_log_likelihood": [], "n_iter": []}
    start = time.perf_counter()
    for k in ks:
        mixture = GaussianMixture(
            k, **config.model, max_iter=config.run.num_steps, random_state=seed
        ).fit(x, key=jax.random.fold_in(fit_key, k))
        mixtures[k] = mixture
        criteria["BIC"].append(mixture.bic(x))
        criteria["AIC"].append(mixture.aic(x))
        sweep["lower_bound"].append(mixture.lower_bound_)
        sweep["test_log_likelihood"].append(mixture.score(x_test))
        sweep["n_iter"].append(mixture.n_iter_)
        print(
            f"gmm_digits: K = {k:3d}  BIC {criteria['BIC'][-1]:12.1f}  "
            f"held-out log-likelihood {mixture.score(x_test):8.3f}  ({mixture.n_iter_} iterations)",
            flush=True,
        )
    fit_seconds = time.perf_counter() - start

    best_k = ks[int(np.argmin(criteria["BIC"]))]
    best = mixtures[best_k]
    record_fit(
        workdir,
        # One record per K: metrics.jsonl is the sweep, with "step" holding K.
        history={"bic": criteria["BIC"], "aic": criteria["AIC"], **sweep},
        steps=ks,
        state={name: getattr(best, f"{name}_") for name in ("weights", "means", "covariances")},
        step=best.n_iter_,
        meta={"n_components": best_k, "converged": best.converged_, "seed": seed},
    )
    name = f"{best.covariance_type} covariances"
    images = {
        "BIC and AIC of the fitted mixture against K (lower is better); the dashed line is the "
        "K with the lowest BIC": save_criterion_curve(
            workdir / "criteria.png",
            ks,
            criteria,
            best=best_k,
            title=f"Model selection on {size} digits ({name})",
        ),
    }
    num_samples = config.eval.num_samples
    samples, _ = best.sample(num_samples, key=sample_key)
    images[f"{num_samples} samples from the K = {best_k} mixture, clipped to [0, 1]"] = (
        save_image_grid(
            workdir / "samples" / "samples.png",
            np.clip(samples, 0.0, 1.0).reshape(-1, *image_shape),
            num_columns=8,
        )
    )
    if config.eval.score_samples:
        reference = reference_images(config)
        quality_samples, _ = best.sample(len(reference.images), key=jax.random.key(seed + 1))
        clipped = np.clip(quality_samples, 0.0, 1.0).reshape(-1, *image_shape)
        record_sample_quality(workdir, clipped, reference)
    order = np.argsort(-best.weights_, kind="stable")
    images[f"The {best_k} component means, heaviest weight first"] = save_image_grid(
        workdir / "means.png",
        np.clip(best.means_[order], 0.0, 1.0).reshape(-1, *image_shape),
        num_columns=min(best_k, 10),
    )

    final = {
        "best_k": best_k,
        "bic": best.bic(x),
        "aic": best.aic(x),
        "lower_bound": best.lower_bound_,
        "n_iter": best.n_iter_,
        "converged": int(best.converged_),
        "test_log_likelihood": best.score(x_test),
        "fit_seconds": fit_seconds,
    }
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title=f"Gaussian mixture on {size} digits, K chosen by BIC from {ks} ({name})",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
        # metrics.jsonl is indexed by K, not by a training step: criteria.png plots it.
        curves=False,
    )
    return final
