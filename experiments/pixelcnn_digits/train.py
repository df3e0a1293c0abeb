"""Train a (class-conditional, gated) PixelCNN on binarised digits; test bits/dim, samples."""

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
from gen_jax.models.autoregressive.pixelcnn import (
    GatedPixelCNN,
    PixelCNN,
    pixelcnn_log_prob,
    pixelcnn_sample,
)
from gen_jax.viz import save_image_grid, write_report

NUM_CLASSES = 10


def binary_digits(data: ConfigDict, split: str) -> dict[str, np.ndarray]:
    """``{"image": float32 [N, S, S, 1] in {0, 1}, "label": int32 [N]}``."""
    source = load_source(
        data.dataset,
        split=split,
        data_dir=data.data_dir or None,
        image_size=data.image_size,
        value_range=(0.0, 1.0),
    )
    arrays = source[np.arange(len(source))]
    image = (arrays["image"] > data.binarize_threshold).astype(np.float32)
    return {"image": image, "label": np.asarray(arrays["label"], np.int32)}


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The binarised test split that the samples are scored against."""
    data = config.data
    about = f"{data.dataset} test split binarised at {data.binarize_threshold}"
    return ReferenceImages.from_source(binary_digits(data, "test")["image"], about)


def build_model(*, gated: bool, class_conditional: bool, **options):
    """The PixelCNN of ``config.model`` (``options``: features, num_layers, kernel_size)."""
    num_classes = NUM_CLASSES if class_conditional else None
    return (GatedPixelCNN if gated else PixelCNN)(**options, num_classes=num_classes)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and sample; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, samples_per_class = config.run.seed, config.eval.samples_per_class
    conditional = config.model.class_conditional
    train_data = binary_digits(config.data, "train")
    test = {
        k: v[: config.eval.eval_examples] for k, v in binary_digits(config.data, "test").items()
    }
    image_shape = train_data["image"].shape[1:]
    num_dims = math.prod(image_shape)
    data = BatchIterator(ArraySource(train_data), config.data.batch_size, seed=seed)
    model = build_model(**config.model)
    condition_key = "label" if conditional else None
    step = make_likelihood_step(
        model, optax.adam(**config.optim), pixelcnn_log_prob, condition_key=condition_key
    )
    sample_key = jax.random.key(seed + 1)
    sample_labels = jnp.repeat(jnp.arange(NUM_CLASSES, dtype=jnp.int32), samples_per_class)
    test_label = test["label"] if conditional else None

    @jax.jit
    def test_nll(params):
        return -jnp.mean(pixelcnn_log_prob(model, params, test["image"], test_label))

    def sample_hook(done: int, state) -> dict[str, float]:
        samples = pixelcnn_sample(
            model,
            state.params,
            tuple(image_shape),
            int(sample_labels.shape[0]),
            key=sample_key,
            label=sample_labels if conditional else None,
        )
        save_image_grid(
            samples_dir / f"step_{done:07d}.png", samples, num_columns=samples_per_class
        )
        nll = float(test_nll(state.params))
        return {
            "test_nll": nll,
            "test_bits_per_dim": bits_per_dimension(-nll, num_dimensions=num_dims),
        }

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="pixelcnn_digits",
        **config.run,
    )
    if config.eval.score_samples:
        reference = reference_images(config)
        labels = jnp.arange(len(reference.images), dtype=jnp.int32) % NUM_CLASSES
        samples = pixelcnn_sample(
            model,
            result.state.params,
            tuple(image_shape),
            len(reference.images),
            key=jax.random.key(seed + 2),
            label=labels if conditional else None,
        )
        record_sample_quality(workdir, samples, reference)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    kind = "gated" if config.model.gated else "plain"
    size = f"{image_shape[0]}x{image_shape[1]}"
    write_report(
        workdir,
        title=f"{kind} PixelCNN on binarised {config.data.dataset} ({size})",
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Samples, one row per class 0..9": str(
                samples_dir / f"step_{config.run.num_steps:07d}.png"
            ),
        },
    )
    return final
