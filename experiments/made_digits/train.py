"""Train MADE on binarised digits; exact test NLL (one pattern and the ensemble), samples."""

from __future__ import annotations

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.likelihood import make_likelihood_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, load_source
from gen_jax.eval import bits_per_dimension
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoregressive.made import (
    MADE,
    made_ensemble_log_prob,
    made_log_prob,
    made_sample,
)
from gen_jax.viz import save_image_grid, write_report


def binary_images(data: ConfigDict, split: str) -> np.ndarray:
    """``float32 [N, S, S, 1]`` in {0, 1}: the data set's pixels above the threshold."""
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


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and sample; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, num_samples = config.run.seed, config.eval.num_samples
    train_x = binary_images(config.data, "train")
    test_x = binary_images(config.data, "test")[: config.eval.eval_examples]
    image_shape = train_x.shape[1:]
    num_dims = math.prod(image_shape)
    data = BatchIterator(ArraySource({"image": train_x}), config.data.batch_size, seed=seed)
    model = MADE(num_inputs=num_dims, **config.model, seed=seed)
    step = make_likelihood_step(model, optax.adam(**config.optim), made_log_prob)
    sample_key = jax.random.key(seed + 1)

    @jax.jit
    def evaluate(params, x):
        single = -jnp.mean(made_log_prob(model, params, x))
        ensemble = -jnp.mean(made_ensemble_log_prob(model, params, x))
        return single, ensemble

    def sample_hook(done: int, state) -> dict[str, float]:
        samples = made_sample(model, state.params, num_samples, key=sample_key)
        save_image_grid(samples_dir / f"step_{done:07d}.png", samples.reshape(-1, *image_shape))
        single, ensemble = (float(v) for v in evaluate(state.params, test_x))
        return {
            "test_nll": single,
            "test_bits_per_dim": bits_per_dimension(-single, num_dimensions=num_dims),
            "test_nll_ensemble": ensemble,
            "test_bits_per_dim_ensemble": bits_per_dimension(-ensemble, num_dimensions=num_dims),
        }

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="made_digits",
        **config.run,
    )
    if config.eval.score_samples:
        reference = reference_images(config)
        samples = made_sample(model, result.state.params, len(reference.images), key=sample_key)
        record_sample_quality(workdir, samples.reshape(-1, *image_shape), reference)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    write_report(
        workdir,
        title=f"MADE on binarised {config.data.dataset} ({image_shape[0]}x{image_shape[1]})",
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Samples (pattern 0, natural order)": str(
                samples_dir / f"step_{config.run.num_steps:07d}.png"
            ),
        },
    )
    return final
