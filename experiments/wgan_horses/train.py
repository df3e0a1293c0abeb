"""Train the book's WGAN (weight clipping) and write sample grids, curves and the report."""

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
from gen_jax.models.gans.wgan import wgan_critic, wgan_generator
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.novelty import save_novelty_check

SAMPLE_CHUNK = 500


def _rmsprop(learning_rate: float) -> optax.GradientTransformation:
    """Keras' RMSprop: rho 0.9, epsilon 1e-7 added outside the square root."""
    return optax.rmsprop(learning_rate, decay=0.9, eps=1e-7, eps_in_sqrt=False)


def _load(config: ConfigDict, split: str, value_range=(-1.0, 1.0)):
    options = {"classes": tuple(config.classes)} if config.classes else {}
    return load_source(
        config.dataset,
        split=split,
        data_dir=config.data_dir or None,
        image_size=config.image_size or None,
        value_range=value_range,
        **options,
    )


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split (of ``config.classes``), in [0, 1], that the samples are scored
    against; for ``full`` these horses are also in the training set (``train+test``)."""
    source = _load(config, "test", (0.0, 1.0))
    images = source[np.arange(len(source))]["image"]
    classes = f" ({', '.join(config.classes)})" if config.classes else ""
    return ReferenceImages(
        images, f"{config.dataset}{classes} test split, all {len(images)} images"
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, save sample grids over training; returns the final metrics."""
    workdir = Path(workdir)
    source = _load(config, config.split)
    data = BatchIterator(source, config.batch_size, seed=config.seed)
    generator = wgan_generator(channels=config.channels, width_divisor=config.width_divisor)
    critic = wgan_critic(width_divisor=config.width_divisor)
    step = make_gan_step(
        generator,
        critic,
        _rmsprop(config.generator_learning_rate),
        _rmsprop(config.critic_learning_rate),
        latent_dim=config.latent_dim,
        loss="wasserstein",
        num_critic_steps=config.num_critic_steps,
        clip=config.clip,
    )
    z = sample_latent(
        jax.random.key(config.seed + 1), config.num_samples, config.latent_dim, "normal"
    )
    generate = jax.jit(lambda variables: generator.apply(variables, z))
    samples_dir = workdir / "samples"
    columns = int(np.ceil(np.sqrt(config.num_samples)))
    real = source[np.arange(config.num_samples)]["image"]
    save_image_grid(samples_dir / "real.png", real, num_columns=columns, value_range=(-1, 1))

    def sample_hook(done: int, state) -> dict[str, float]:
        images = np.asarray(generate(state.gen.variables))
        save_image_grid(
            samples_dir / f"step_{done:07d}.png", images, num_columns=columns, value_range=(-1, 1)
        )
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
        description="wgan_horses",
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}
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
    record_sample_quality(
        workdir,
        samples,
        reference,
        value_range=(-1.0, 1.0),
        inception_weights=config.inception_weights or None,
    )
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
    images = {"Training images": str(samples_dir / "real.png")}
    images.update(
        {
            f"Generator samples after {done} steps": str(samples_dir / f"step_{done:07d}.png")
            for done in done_steps
        }
    )
    images[
        "Novelty check: each final sample (left) beside its nearest training images (mean "
        "absolute pixel difference, nearest first); median distance ratio "
        f"{novelty['novelty/median_ratio']:.2f} of the data's own nearest-neighbour spacing"
    ] = str(novelty_png)
    write_report(
        workdir,
        title=f"The book's WGAN (ch. 4, weight clipping) on {config.dataset}",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
