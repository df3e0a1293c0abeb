"""Train the book's camel GAN and write sample grids, curves and the report."""

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
from gen_jax.models.gans.dcgan import CamelDiscriminator, CamelGenerator
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.novelty import save_novelty_check

SAMPLE_CHUNK = 1000


def _rmsprop(learning_rate: float) -> optax.GradientTransformation:
    """Keras' RMSprop: rho 0.9, epsilon 1e-7 added outside the square root."""
    return optax.rmsprop(learning_rate, decay=0.9, eps=1e-7, eps_in_sqrt=False)


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The ``data.reference_split``, at the generator's 28x28, that the samples are scored
    against."""
    data = config.data
    classes = f" ({', '.join(data.classes)})" if data.classes else ""
    return ReferenceImages.from_source(
        load_split(data, data.reference_split, value_range=(-1.0, 1.0), image_size=28),
        f"{data.dataset}{classes} split {data.reference_split}",
        value_range=(-1.0, 1.0),
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, save 5x5 sample grids over training; returns the final metrics."""
    workdir = Path(workdir)
    seed, latent_dim, evaluation = config.run.seed, config.loss.latent_dim, config.eval
    source = load_split(config.data, "train", value_range=(-1.0, 1.0), image_size=28)
    data = BatchIterator(source, config.data.batch_size, seed=seed)
    generator = CamelGenerator(**config.model.generator)
    discriminator = CamelDiscriminator(**config.model.discriminator)
    step = make_gan_step(
        generator,
        discriminator,
        _rmsprop(config.optim.generator_learning_rate),
        _rmsprop(config.optim.discriminator_learning_rate),
        **config.loss,
    )
    z = sample_latent(jax.random.key(seed + 1), evaluation.num_samples, latent_dim, "normal")
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
        description="dcgan_camel",
        **config.run,
    )
    reference = reference_images(config)
    codes = sample_latent(jax.random.key(seed + 2), len(reference.images), latent_dim, "normal")
    apply = jax.jit(generator.apply)
    samples = np.concatenate(
        [
            np.asarray(apply(result.state.gen.variables, codes[start : start + SAMPLE_CHUNK]))
            for start in range(0, len(codes), SAMPLE_CHUNK)
        ]
    )
    if evaluation.score_samples:
        record_sample_quality(workdir, samples, reference, value_range=(-1.0, 1.0))
    final = {k: v for k, v in result.metrics.items() if k != "step"}
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
        f"Generator samples after {done} steps": str(samples_dir / f"step_{done:07d}.png")
        for done in done_steps
    }
    images[
        "Novelty check (the book's Fig. 4.10): each final sample (left) beside its nearest "
        "training images (mean absolute pixel difference, nearest first); median distance "
        f"ratio {novelty['novelty/median_ratio']:.2f} of the data's own nearest-neighbour spacing"
    ] = str(novelty_png)
    write_report(
        workdir,
        title=(
            f"The book's GAN (ch. 4) on {config.data.dataset}, {generator.upsampling} upsampling"
        ),
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
