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


def binary_digits(config: ConfigDict, split: str) -> dict[str, np.ndarray]:
    """``{"image": float32 [N, S, S, 1] in {0, 1}, "label": int32 [N]}``."""
    source = load_source(
        config.dataset,
        split=split,
        data_dir=config.data_dir or None,
        image_size=config.image_size,
        value_range=(0.0, 1.0),
    )
    data = source[np.arange(len(source))]
    image = (data["image"] > config.binarize_threshold).astype(np.float32)
    return {"image": image, "label": np.asarray(data["label"], np.int32)}


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The binarised test split that the samples are scored against."""
    images = binary_digits(config, "test")["image"]
    about = f"{config.dataset} test split binarised at {config.binarize_threshold}"
    return ReferenceImages(images, f"{about}, all {len(images)} images")


def build_model(config: ConfigDict):
    """The PixelCNN the config describes."""
    num_classes = NUM_CLASSES if config.class_conditional else None
    options = dict(
        features=config.features,
        num_layers=config.num_layers,
        kernel_size=config.kernel_size,
        num_classes=num_classes,
    )
    return GatedPixelCNN(**options) if config.gated else PixelCNN(**options)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and sample; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    train_data = binary_digits(config, "train")
    test = {k: v[: config.eval_examples] for k, v in binary_digits(config, "test").items()}
    image_shape = train_data["image"].shape[1:]
    num_dims = math.prod(image_shape)
    data = BatchIterator(ArraySource(train_data), config.batch_size, seed=config.seed)
    model = build_model(config)
    condition_key = "label" if config.class_conditional else None
    step = make_likelihood_step(
        model, optax.adam(config.learning_rate), pixelcnn_log_prob, condition_key=condition_key
    )
    sample_key = jax.random.key(config.seed + 1)
    sample_labels = jnp.repeat(jnp.arange(NUM_CLASSES, dtype=jnp.int32), config.samples_per_class)
    test_label = test["label"] if config.class_conditional else None

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
            label=sample_labels if config.class_conditional else None,
        )
        save_image_grid(
            samples_dir / f"step_{done:07d}.png", samples, num_columns=config.samples_per_class
        )
        nll = float(test_nll(state.params))
        return {
            "test_nll": nll,
            "test_bits_per_dim": bits_per_dimension(-nll, num_dimensions=num_dims),
        }

    result = fit(
        step,
        data,
        num_steps=config.num_steps,
        workdir=workdir,
        seed=config.seed,
        log_every=config.log_every,
        checkpoint_every=config.checkpoint_every,
        keep_checkpoints=config.keep_checkpoints,
        hooks=[Hook(every=config.sample_every, fn=sample_hook)],
        description="pixelcnn_digits",
    )
    reference = reference_images(config)
    labels = jnp.arange(len(reference.images), dtype=jnp.int32) % NUM_CLASSES
    samples = pixelcnn_sample(
        model,
        result.state.params,
        tuple(image_shape),
        len(reference.images),
        key=jax.random.key(config.seed + 2),
        label=labels if config.class_conditional else None,
    )
    record_sample_quality(workdir, samples, reference)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    kind = "gated" if config.gated else "plain"
    write_report(
        workdir,
        title=f"{kind} PixelCNN on binarised {config.dataset} ({image_shape[0]}x{image_shape[1]})",
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Samples, one row per class 0..9": str(
                samples_dir / f"step_{config.num_steps:07d}.png"
            ),
        },
    )
    return final
