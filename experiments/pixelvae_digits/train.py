"""Train a PixelVAE on binarised digits; test ELBO, KL, IWAE NLL, samples, reconstructions."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.pixel_vae import make_pixel_vae_step, pixel_vae_log_weights
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, load_source
from gen_jax.eval import bits_per_dimension, importance_weighted_log_likelihood
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoencoders.pixel_vae import PixelVAE, pixel_vae_reconstruct, pixel_vae_sample
from gen_jax.viz import save_image_grid, write_report

NUM_RECONSTRUCTIONS = 8
SAMPLE_CHUNK = 1000


def binary_images(data: ConfigDict, split: str) -> np.ndarray:
    """float32 ``[N, S, S, 1]`` in {0, 1}: the split thresholded at ``binarize_threshold``."""
    source = load_source(
        data.dataset,
        split=split,
        data_dir=data.data_dir or None,
        image_size=data.image_size,
        value_range=(0.0, 1.0),
    )
    images = source[np.arange(len(source))]["image"]
    return (images > data.binarize_threshold).astype(np.float32)


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The binarised test split that the samples are scored against."""
    data = config.data
    about = f"{data.dataset} test split binarised at {data.binarize_threshold}"
    return ReferenceImages.from_source(binary_images(data, "test"), about)


def evaluate(model, params, test: np.ndarray, evaluation: ConfigDict, key) -> dict[str, float]:
    """Test ELBO and IWAE log-likelihood (nats, bits/dim) and the KL term, per image."""
    log_weights = jax.jit(
        functools.partial(
            pixel_vae_log_weights,
            model,
            num_samples=evaluation.iwae_samples,
            chunk_size=evaluation.iwae_chunk_size,
        )
    )
    encode = jax.jit(lambda p, x: model.apply({"params": p}, x, method=PixelVAE.encode))
    weights, kls = [], []
    for start in range(0, len(test), 250):
        images = test[start : start + 250]
        weights.append(np.asarray(log_weights(params, images, key=jax.random.fold_in(key, start))))
        mean, log_var = (np.asarray(a, np.float64) for a in encode(params, images))
        kls.append(0.5 * np.sum(mean**2 + np.exp(log_var) - 1.0 - log_var, axis=1))
    weights = np.concatenate(weights)
    num_dims = math.prod(test.shape[1:])
    elbo = float(np.mean(weights))
    iwae = float(np.mean(importance_weighted_log_likelihood(weights)))
    return {
        "test_elbo": elbo,
        "test_elbo_bits_per_dim": bits_per_dimension(elbo, num_dimensions=num_dims),
        "test_iwae_nll": -iwae,
        "test_iwae_bits_per_dim": bits_per_dimension(iwae, num_dimensions=num_dims),
        "test_kl": float(np.mean(np.concatenate(kls))),
    }


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate, sample and reconstruct; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed = config.run.seed
    train_images = binary_images(config.data, "train")
    test = binary_images(config.data, "test")[: config.eval.eval_examples]
    image_shape = tuple(train_images.shape[1:])
    data = BatchIterator(ArraySource({"image": train_images}), config.data.batch_size, seed=seed)
    model = PixelVAE(image_shape=image_shape, **config.model)
    step = make_pixel_vae_step(model, optax.adam(**config.optim), **config.loss)
    eval_key = jax.random.key(seed + 1)
    originals = test[:NUM_RECONSTRUCTIONS]

    def eval_hook(done: int, state) -> dict[str, float]:
        params = state.params
        samples = pixel_vae_sample(model, params, config.eval.num_samples, key=eval_key)
        save_image_grid(samples_dir / f"samples_{done:07d}.png", samples, num_columns=8)
        recon = pixel_vae_reconstruct(model, params, originals, key=eval_key)
        save_image_grid(
            samples_dir / f"reconstructions_{done:07d}.png",
            np.concatenate([originals, np.asarray(recon)]),
            num_columns=NUM_RECONSTRUCTIONS,
        )
        return evaluate(model, params, test, config.eval, eval_key)

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(eval_hook)],
        description="pixelvae_digits",
        **config.run,
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    if config.eval.score_samples:
        reference = reference_images(config)
        count, sample_key = len(reference.images), jax.random.key(seed + 2)
        samples = np.concatenate(
            [
                np.asarray(
                    pixel_vae_sample(
                        model,
                        result.state.params,
                        min(SAMPLE_CHUNK, count - start),
                        key=jax.random.fold_in(sample_key, start),
                    )
                )
                for start in range(0, count, SAMPLE_CHUNK)
            ]
        )
        record_sample_quality(workdir, samples, reference)
    last = f"{config.run.num_steps:07d}"
    write_report(
        workdir,
        title=f"PixelVAE on binarised {config.data.dataset} ({image_shape[0]}x{image_shape[1]})",
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Samples (z from the prior, then pixel by pixel)": str(
                samples_dir / f"samples_{last}.png"
            ),
            "Test images (top) and decodings of their posterior mean code (bottom)": str(
                samples_dir / f"reconstructions_{last}.png"
            ),
        },
    )
    return final
