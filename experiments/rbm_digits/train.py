"""Train an RBM on binarised digits; filters, Gibbs samples, AIS log-likelihood, report."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.contrastive import make_contrastive_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, load_digits
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.boltzmann import rbm
from gen_jax.models.boltzmann.ais import base_rate_visible_bias, rbm_ais_log_partition
from gen_jax.viz import save_image_grid, write_report

IMAGE_SIDE = 8


def _binary_digits(split: str, threshold: float) -> np.ndarray:
    images = load_digits(split=split)["image"].reshape(-1, IMAGE_SIDE * IMAGE_SIDE)
    return (images > threshold).astype(np.float32)


def _as_images(rows) -> np.ndarray:
    return np.asarray(rows).reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1)


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The binarised 8x8 test digits that the samples are scored against."""
    threshold = config.data.binarize_threshold
    images = _as_images(_binary_digits("test", threshold))
    return ReferenceImages.from_source(images, f"digits test split binarised at {threshold}")


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train by PCD/CD, then estimate log Z by AIS; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, evaluation = config.run.seed, config.eval
    train_x = _binary_digits("train", config.data.binarize_threshold)
    test_x = _binary_digits("test", config.data.binarize_threshold)
    data = BatchIterator(ArraySource({"x": train_x}), config.data.batch_size, seed=seed)
    step = make_contrastive_step(optax.sgd(**config.optim), **config.model, **config.loss)
    start_key, sample_key, ais_key = jax.random.split(jax.random.key(seed + 1), 3)

    @jax.jit
    def long_chains(params):
        start = jax.random.bernoulli(start_key, 0.5, (evaluation.num_samples, train_x.shape[1]))
        v = rbm.gibbs_chain(
            params,
            start.astype(jnp.float32),
            key=sample_key,
            num_steps=evaluation.sample_gibbs_steps,
        )
        # Show the mean of the last visible layer given its hidden sample, as is usual.
        return rbm.reconstruct(params, v)

    pseudo_log_likelihood = jax.jit(
        lambda params, x: jnp.mean(rbm.pseudo_log_likelihood(params, x))
    )

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(samples_dir / f"step_{done:07d}.png", _as_images(long_chains(state.params)))
        return {"test_pseudo_log_likelihood": float(pseudo_log_likelihood(state.params, test_x))}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="rbm_digits",
        **config.run,
    )
    params = jax.device_get(result.state.params)
    ais = rbm_ais_log_partition(
        params,
        key=ais_key,
        num_chains=evaluation.ais_chains,
        num_betas=evaluation.ais_betas,
        base_visible_bias=base_rate_visible_bias(jnp.asarray(train_x)),
    )
    log_z = float(ais.log_partition)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final.update(
        ais_log_partition=log_z,
        ais_effective_sample_size=float(ais.effective_sample_size),
        train_log_likelihood=float(jnp.mean(rbm.log_likelihood(params, train_x, log_z))),
        test_log_likelihood=float(jnp.mean(rbm.log_likelihood(params, test_x, log_z))),
    )
    filters = np.asarray(params.weights).T
    scale = np.abs(filters).max(axis=1, keepdims=True) + 1e-8
    images = {
        "Filters: each hidden unit's weights as an 8x8 image (grey = 0)": save_image_grid(
            workdir / "filters.png", _as_images(0.5 + 0.5 * filters / scale)
        ),
        f"Samples after {evaluation.sample_gibbs_steps} Gibbs sweeps from noise": samples_dir
        / f"step_{config.run.num_steps:07d}.png",
        "Binarised test digits": save_image_grid(
            workdir / "test_digits.png", _as_images(test_x[: evaluation.num_samples])
        ),
    }
    if evaluation.score_samples:
        reference = reference_images(config)
        start = jax.random.bernoulli(start_key, 0.5, (len(reference.images), train_x.shape[1]))
        chains = rbm.gibbs_chain(
            params,
            start.astype(jnp.float32),
            key=sample_key,
            num_steps=evaluation.sample_gibbs_steps,
        )
        record_sample_quality(workdir, _as_images(chains), reference)  # binary visible samples
    write_report(
        workdir,
        title="RBM on binarised 8x8 digits (PCD)",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final
