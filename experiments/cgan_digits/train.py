"""Train a conditional GAN on digits; write per-class sample grids, curves and the report."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.adversarial import conditional_latent, make_gan_step, sample_latent
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_split
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.gans.dcgan import MLPDiscriminator, MLPGenerator
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.novelty import save_novelty_check

SAMPLE_CHUNK = 1000


def _class_centroids(images: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Mean image of each class, flattened: [num_classes, H * W * C]."""
    flat = images.reshape(len(images), -1)
    return np.stack([flat[labels == c].mean(axis=0) for c in range(num_classes)])


def _agreement(images: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> float:
    """Fraction of images whose nearest class centroid (Euclidean) is their label."""
    flat = images.reshape(len(images), -1)
    distances = np.sum((flat[:, None, :] - centroids[None]) ** 2, axis=-1)
    return float(np.mean(np.argmin(distances, axis=1) == labels))


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split, in [0, 1], that the samples are scored against."""
    data = config.data
    return ReferenceImages.from_source(
        load_split(data, "test", value_range=(-1.0, 1.0)),
        f"{data.dataset} test split",
        value_range=(-1.0, 1.0),
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train; returns the final metrics plus the class-agreement scores."""
    workdir = Path(workdir)
    seed, evaluation = config.run.seed, config.eval
    latent_dim, num_classes = config.loss.latent_dim, config.loss.num_classes
    source = load_split(config.data, "train", value_range=(-1.0, 1.0))
    data = BatchIterator(source, config.data.batch_size, seed=seed)
    image_shape = source[[0]]["image"].shape[1:]
    model = config.model
    generator = MLPGenerator(output_shape=image_shape, hidden_sizes=model.generator_hidden)
    discriminator = MLPDiscriminator(hidden_sizes=model.discriminator_hidden)
    step = make_gan_step(
        generator,
        discriminator,
        optax.adam(**config.optim),
        optax.adam(**config.optim),
        label_key="label",
        **config.loss,
    )
    # Row c of the grid is class c; column j shares the noise z_j across classes.
    columns = evaluation.samples_per_class
    z = sample_latent(jax.random.key(seed + 1), columns, latent_dim, "normal")
    grid_z = jnp.tile(z, (num_classes, 1))
    grid_labels = jnp.repeat(jnp.arange(num_classes), columns)
    generate = jax.jit(
        lambda variables, z, labels: generator.apply(
            variables, conditional_latent(z, labels, num_classes)
        )
    )
    samples_dir = workdir / "samples"

    def sample_hook(done: int, state) -> dict[str, float]:
        images = np.clip(np.asarray(generate(state.gen.variables, grid_z, grid_labels)), -1, 1)
        save_image_grid(
            samples_dir / f"step_{done:07d}.png", images, num_columns=columns, value_range=(-1, 1)
        )
        return {}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="cgan_digits",
        **config.run,
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}

    everything = source[np.arange(len(source))]
    centroids = _class_centroids(everything["image"], everything["label"], num_classes)
    count = evaluation.num_agreement_samples
    eval_z = sample_latent(jax.random.key(seed + 2), count * num_classes, latent_dim, "normal")
    eval_labels = np.repeat(np.arange(num_classes), count)
    fakes = np.asarray(generate(result.state.gen.variables, eval_z, jnp.asarray(eval_labels)))
    final["class_agreement"] = _agreement(fakes, eval_labels, centroids)
    held_out = load_split(config.data, "test", value_range=(-1.0, 1.0))
    real = held_out[np.arange(len(held_out))]
    final["real_class_agreement"] = _agreement(real["image"], real["label"], centroids)

    # As many samples as test images, every class equally often; the linear output is
    # clipped to the data's [-1, 1], as in the grids.
    reference = reference_images(config)
    count = len(reference.images)
    quality_z = sample_latent(jax.random.key(seed + 3), count, latent_dim, "normal")
    quality_labels = jnp.arange(count) % num_classes
    samples = np.clip(
        np.concatenate(
            [
                np.asarray(
                    generate(
                        result.state.gen.variables,
                        quality_z[start : start + SAMPLE_CHUNK],
                        quality_labels[start : start + SAMPLE_CHUNK],
                    )
                )
                for start in range(0, count, SAMPLE_CHUNK)
            ]
        ),
        -1.0,
        1.0,
    )
    if evaluation.score_samples:
        record_sample_quality(workdir, samples, reference, value_range=(-1.0, 1.0))
    novelty, novelty_png = save_novelty_check(
        samples_dir / "nearest_training_images.png",
        samples[: evaluation.novelty_samples],
        source,
        k=evaluation.novelty_neighbours,
        metric="l1",
        value_range=(-1.0, 1.0),
        seed=seed,
    )
    final.update(novelty)

    num_steps, sample_every = config.run.num_steps, config.run.sample_every
    done_steps = sorted({*range(sample_every, num_steps + 1, sample_every), num_steps})
    images = {
        f"Samples after {done} steps (rows: classes 0-9; columns: shared noise)": str(
            samples_dir / f"step_{done:07d}.png"
        )
        for done in done_steps
    }
    images[
        "Novelty check: final samples of classes 0, 1, ... (left) beside their nearest "
        "training images (mean absolute pixel difference, nearest first); median distance "
        f"ratio {novelty['novelty/median_ratio']:.2f} of the data's own nearest-neighbour spacing"
    ] = str(novelty_png)
    write_report(
        workdir,
        title=f"Conditional GAN on {config.data.dataset}: row c is class c",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
