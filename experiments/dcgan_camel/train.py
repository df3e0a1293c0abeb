"""Train the book's camel GAN and write sample grids, curves and the report."""

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
from gen_jax.models.gans.dcgan import CamelDiscriminator, CamelGenerator
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.novelty import save_novelty_check

SAMPLE_CHUNK = 1000


def _load(config: ConfigDict, split: str, value_range: tuple[float, float]):
    """The config's drawings at 28x28, restricted to ``config.classes`` when it is set."""
    options = {"classes": tuple(config.classes)} if config.classes else {}
    return load_source(
        config.dataset,
        split=split,
        data_dir=config.data_dir or None,
        image_size=28,
        value_range=value_range,
        **options,
    )


def _rmsprop(learning_rate: float) -> optax.GradientTransformation:
    """Keras' RMSprop: rho 0.9, epsilon 1e-7 added outside the square root."""
    return optax.rmsprop(learning_rate, decay=0.9, eps=1e-7, eps_in_sqrt=False)


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The ``reference_split``, at the generator's 28x28, that the samples are scored against."""
    source = _load(config, config.reference_split, (0.0, 1.0))
    images = source[np.arange(len(source))]["image"]
    classes = f" ({', '.join(config.classes)})" if config.classes else ""
    return ReferenceImages(
        images,
        f"{config.dataset}{classes} split {config.reference_split}, all {len(images)} images",
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, save 5x5 sample grids over training; returns the final metrics."""
    workdir = Path(workdir)
    source = _load(config, "train", (-1.0, 1.0))
    data = BatchIterator(source, config.batch_size, seed=config.seed)
    generator = CamelGenerator(
        initial_shape=config.generator_initial_shape,
        filters=config.generator_filters,
        upsample=config.generator_upsample,
        upsampling=config.upsampling,
    )
    discriminator = CamelDiscriminator(
        filters=config.discriminator_filters,
        strides=config.discriminator_strides,
        dropout_rate=config.discriminator_dropout,
    )
    step = make_gan_step(
        generator,
        discriminator,
        _rmsprop(config.generator_learning_rate),
        _rmsprop(config.discriminator_learning_rate),
        latent_dim=config.latent_dim,
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
        description="dcgan_camel",
    )
    reference = reference_images(config)
    codes = sample_latent(
        jax.random.key(config.seed + 2), len(reference.images), config.latent_dim, "normal"
    )
    apply = jax.jit(generator.apply)
    samples = np.concatenate(
        [
            np.asarray(apply(result.state.gen.variables, codes[start : start + SAMPLE_CHUNK]))
            for start in range(0, len(codes), SAMPLE_CHUNK)
        ]
    )
    record_sample_quality(workdir, samples, reference, value_range=(-1.0, 1.0))
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    novelty, novelty_png = save_novelty_check(
        samples_dir / "nearest_training_images.png",
        samples[: config.novelty_samples],
        source,
        k=config.novelty_neighbours,
        metric="l1",
        value_range=(-1.0, 1.0),
        seed=config.seed,
    )
    final.update(novelty)
    done_steps = sorted(
        {*range(config.sample_every, config.num_steps + 1, config.sample_every), config.num_steps}
    )
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
        title=f"The book's GAN (ch. 4) on {config.dataset}, {config.upsampling} upsampling",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
