"""Train the book's WGAN-GP; write sample grids, the loss curves, a novelty check, a report."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.adversarial import make_gan_step, sample_latent
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_source
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.gans.wgan_gp import FacesCritic, FacesGenerator
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.novelty import save_novelty_check

SAMPLE_CHUNK = 500


def _keras_adam(config: ConfigDict) -> optax.GradientTransformation:
    """Keras' Adam(lr, beta_1): beta_2 0.999, epsilon 1e-7."""
    return optax.adam(config.learning_rate, b1=config.b1, b2=0.999, eps=1e-7)


def _sample_steps(config: ConfigDict) -> list[int]:
    every = range(config.sample_every, config.num_steps + 1, config.sample_every)
    return sorted({*every, config.num_steps})


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split (its first ``reference_examples``; 0: all), at the generator's size,
    that the samples are scored against."""
    source = load_source(
        config.dataset,
        split="test",
        data_dir=config.data_dir or None,
        image_size=config.image_size,
        value_range=(0.0, 1.0),
    )
    count = min(len(source), config.reference_examples or len(source))
    images = source[np.arange(count)]["image"]
    return ReferenceImages(
        images, f"{config.dataset} test split, first {count} of {len(source)} images"
    )


def _generate_many(generator, params, count: int, config: ConfigDict) -> np.ndarray:
    """``count`` samples from fresh noise, ``SAMPLE_CHUNK`` at a time."""
    codes = sample_latent(jax.random.key(config.seed + 2), count, config.latent_dim, "normal")
    apply = jax.jit(generator.apply)
    chunks = [
        np.asarray(apply(params, codes[start : start + SAMPLE_CHUNK]))
        for start in range(0, count, SAMPLE_CHUNK)
    ]
    return np.concatenate(chunks)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, save 5x5 sample grids over training and a novelty figure; final metrics."""
    workdir = Path(workdir)
    source = load_source(
        config.dataset,
        split="train",
        data_dir=config.data_dir or None,
        image_size=config.image_size,
        value_range=(-1.0, 1.0),
    )
    data = BatchIterator(source, config.batch_size, seed=config.seed)
    generator = FacesGenerator(
        initial_shape=config.generator_initial_shape,
        filters=config.generator_filters,
        strides=config.generator_strides,
    )
    critic = FacesCritic(filters=config.critic_filters, strides=config.critic_strides)
    step = make_gan_step(
        generator,
        critic,
        _keras_adam(config),
        _keras_adam(config),
        latent_dim=config.latent_dim,
        loss="wasserstein",
        num_critic_steps=config.num_critic_steps,
        gp_weight=config.gp_weight,
    )
    z = sample_latent(
        jax.random.key(config.seed + 1), config.num_samples, config.latent_dim, "normal"
    )
    generate = jax.jit(lambda variables: generator.apply(variables, z))
    samples_dir = workdir / "samples"

    def sample_hook(done: int, state) -> dict[str, float]:
        images = (np.asarray(generate(state.gen.variables)) + 1.0) / 2.0
        save_image_grid(samples_dir / f"step_{done:07d}.png", images, num_columns=5)
        return {}

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
        description="wgan_gp_faces",
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}

    params = jax.device_get(result.state.gen.variables)
    reference = reference_images(config)
    record_sample_quality(
        workdir,
        _generate_many(generator, params, len(reference.images), config),
        reference,
        value_range=(-1.0, 1.0),
        inception_weights=config.inception_weights or None,
    )
    samples = np.asarray(generate(params))[: config.novelty_samples]
    novelty, novelty_png = save_novelty_check(
        samples_dir / "nearest_training_images.png",
        samples,
        source,
        k=config.novelty_neighbours,
        value_range=(-1.0, 1.0),
        seed=config.seed,
    )
    final.update(novelty)
    images = {
        f"Generator samples after {done} steps": str(samples_dir / f"step_{done:07d}.png")
        for done in _sample_steps(config)
    }
    images[
        "Novelty check: each final sample (left) beside its nearest training images (pixel L2, "
        f"nearest first); median distance ratio {novelty['novelty/median_ratio']:.2f} "
        "of the data's own nearest-neighbour spacing"
    ] = str(novelty_png)
    write_report(
        workdir,
        title=f"The book's WGAN-GP (ch. 4) on {config.dataset} {config.image_size}x"
        f"{config.image_size}",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
