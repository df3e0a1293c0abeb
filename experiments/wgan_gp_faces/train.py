"""Train the book's WGAN-GP; write sample grids, the loss curves, a novelty check, a report."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.adversarial import make_gan_step, sample_latent
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_split
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.gans.wgan_gp import FacesCritic, FacesGenerator
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.novelty import save_novelty_check

SAMPLE_CHUNK = 500


def _sample_steps(run: ConfigDict) -> list[int]:
    every = range(run.sample_every, run.num_steps + 1, run.sample_every)
    return sorted({*every, run.num_steps})


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split (its first ``eval.reference_examples``; 0: all), at the generator's
    size, that the samples are scored against."""
    data = config.data
    return ReferenceImages.from_source(
        load_split(data, "test", value_range=(-1.0, 1.0)),
        f"{data.dataset} test split",
        limit=config.eval.reference_examples,
        value_range=(-1.0, 1.0),
    )


def _generate_many(generator, params, count: int, config: ConfigDict) -> np.ndarray:
    """``count`` samples from fresh noise, ``SAMPLE_CHUNK`` at a time."""
    codes = sample_latent(
        jax.random.key(config.run.seed + 2), count, config.loss.latent_dim, "normal"
    )
    apply = jax.jit(generator.apply)
    chunks = [
        np.asarray(apply(params, codes[start : start + SAMPLE_CHUNK]))
        for start in range(0, count, SAMPLE_CHUNK)
    ]
    return np.concatenate(chunks)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, save 5x5 sample grids over training and a novelty figure; final metrics."""
    workdir = Path(workdir)
    seed, evaluation = config.run.seed, config.eval
    source = load_split(config.data, "train", value_range=(-1.0, 1.0))
    data = BatchIterator(source, config.data.batch_size, seed=seed)
    generator = FacesGenerator(**config.model.generator)
    critic = FacesCritic(**config.model.critic)
    step = make_gan_step(
        generator, critic, optax.adam(**config.optim), optax.adam(**config.optim), **config.loss
    )
    z = sample_latent(
        jax.random.key(seed + 1), evaluation.num_samples, config.loss.latent_dim, "normal"
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
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="wgan_gp_faces",
        **config.run,
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}

    params = jax.device_get(result.state.gen.variables)
    if evaluation.score_samples:
        reference = reference_images(config)
        record_sample_quality(
            workdir,
            _generate_many(generator, params, len(reference.images), config),
            reference,
            value_range=(-1.0, 1.0),
            inception_weights=evaluation.inception_weights or None,
        )
    samples = np.asarray(generate(params))[: evaluation.novelty_samples]
    novelty, novelty_png = save_novelty_check(
        samples_dir / "nearest_training_images.png",
        samples,
        source,
        k=evaluation.novelty_neighbours,
        value_range=(-1.0, 1.0),
        seed=seed,
    )
    final.update(novelty)
    images = {
        f"Generator samples after {done} steps": str(samples_dir / f"step_{done:07d}.png")
        for done in _sample_steps(config.run)
    }
    images[
        "Novelty check: each final sample (left) beside its nearest training images (pixel L2, "
        f"nearest first); median distance ratio {novelty['novelty/median_ratio']:.2f} "
        "of the data's own nearest-neighbour spacing"
    ] = str(novelty_png)
    write_report(
        workdir,
        title=f"The book's WGAN-GP (ch. 4) on {config.data.dataset} {config.data.image_size}x"
        f"{config.data.image_size}",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
