"""Fit a Gaussian mixture to 8x8 digits for each K, keep the lowest BIC, sample and plot."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np
from ml_collections import ConfigDict

from gen_jax.core.metrics import MetricWriter
from gen_jax.core.record import record_fit
from gen_jax.data import load_digits
from gen_jax.estimators.gaussian_mixture import GaussianMixture
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.viz import save_criterion_curve, save_image_grid, write_report

IMAGE_SIZE = 8


def _load(split: str) -> np.ndarray:
    images = load_digits(image_size=IMAGE_SIZE, value_range=(0.0, 1.0), split=split)["image"]
    return images.reshape(len(images), -1)


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The 8x8 test digits that the samples are scored against."""
    images = _load("test").reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)
    return ReferenceImages(images, f"digits test split, all {len(images)} images")


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Fit one mixture per K, choose by BIC, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    x, x_test = _load("train"), _load("test")
    ks = [int(k) for k in config.ks]
    if not ks:
        raise ValueError("config.ks is empty; give at least one number of components")
    fit_key, sample_key = jax.random.split(jax.random.key(config.seed))

    writer = MetricWriter(workdir)
    mixtures, criteria = {}, {"BIC": [], "AIC": []}
    start = time.perf_counter()
    for k in ks:
        mixture = GaussianMixture(
            k,
            covariance_type=config.covariance_type,
            tol=config.tol,
            reg_covar=config.reg_covar,
            max_iter=config.num_steps,
            n_init=config.n_init,
            init_params=config.init_params,
            random_state=config.seed,
        ).fit(x, key=jax.random.fold_in(fit_key, k))
        mixtures[k] = mixture
        criteria["BIC"].append(mixture.bic(x))
        criteria["AIC"].append(mixture.aic(x))
        # One record per K: metrics.jsonl is the sweep, with "step" holding K.
        writer.write(
            k,
            {
                "bic": criteria["BIC"][-1],
                "aic": criteria["AIC"][-1],
                "lower_bound": mixture.lower_bound_,
                "test_log_likelihood": mixture.score(x_test),
                "n_iter": mixture.n_iter_,
            },
        )
        print(
            f"gmm_digits: K = {k:3d}  BIC {criteria['BIC'][-1]:12.1f}  "
            f"held-out log-likelihood {mixture.score(x_test):8.3f}  ({mixture.n_iter_} iterations)",
            flush=True,
        )
    fit_seconds = time.perf_counter() - start
    writer.close()

    best_k = ks[int(np.argmin(criteria["BIC"]))]
    best = mixtures[best_k]
    record_fit(
        workdir,
        state={name: getattr(best, f"{name}_") for name in ("weights", "means", "covariances")},
        step=best.n_iter_,
        meta={"n_components": best_k, "converged": best.converged_, "seed": config.seed},
    )
    name = f"{config.covariance_type} covariances"
    images = {
        "BIC and AIC of the fitted mixture against K (lower is better); the dashed line is the "
        "K with the lowest BIC": save_criterion_curve(
            workdir / "criteria.png",
            ks,
            criteria,
            best=best_k,
            title=f"Model selection on 8x8 digits ({name})",
        ),
    }
    samples, _ = best.sample(config.num_samples, key=sample_key)
    images[f"{config.num_samples} samples from the K = {best_k} mixture, clipped to [0, 1]"] = (
        save_image_grid(
            workdir / "samples" / "samples.png",
            np.clip(samples, 0.0, 1.0).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1),
            num_columns=8,
        )
    )
    reference = reference_images(config)
    quality_samples, _ = best.sample(len(reference.images), key=jax.random.key(config.seed + 1))
    clipped = np.clip(quality_samples, 0.0, 1.0).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)
    record_sample_quality(workdir, clipped, reference)
    order = np.argsort(-best.weights_, kind="stable")
    images[f"The {best_k} component means, heaviest weight first"] = save_image_grid(
        workdir / "means.png",
        np.clip(best.means_[order], 0.0, 1.0).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1),
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
        title=f"Gaussian mixture on 8x8 digits, K chosen by BIC from {ks} ({name})",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
        # metrics.jsonl is indexed by K, not by a training step: criteria.png plots it.
        curves=False,
    )
    return final
