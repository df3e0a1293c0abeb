"""Train a vanilla GAN and WGAN-GP side by side on the ring of Gaussians."""

from __future__ import annotations

import functools
from pathlib import Path

import jax
import numpy as np
import optax
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.algorithms.adversarial import make_gan_step, sample_latent
from gen_jax.core.atomic import save_figure_png
from gen_jax.core.loop import Hook, fit
from gen_jax.core.step import Step
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.data.toys import ring
from gen_jax.models.gans.dcgan import MLPDiscriminator, MLPGenerator
from gen_jax.viz import write_report

MODELS = ("gan", "wgan_gp")


def _side_by_side(steps: dict[str, Step]) -> Step:
    """One Step that updates several independent games on the same batch.

    The state is ``{name: state}``; metrics are prefixed ``name/``.
    """

    def init(key, batch):
        keys = jax.random.split(key, len(steps))
        return {
            name: step.init(k, batch) for (name, step), k in zip(steps.items(), keys, strict=True)
        }

    def update(state, batch, key):
        keys = jax.random.split(key, len(steps))
        new_state, metrics = {}, {}
        for (name, step), k in zip(steps.items(), keys, strict=True):
            new_state[name], own = step.update(state[name], batch, k)
            metrics.update({f"{name}/{metric}": value for metric, value in own.items()})
        return new_state, metrics

    return Step(init=init, update=update)


def mode_statistics(samples: np.ndarray, centres: np.ndarray, radius: float, min_fraction: float):
    """``(modes covered, fraction of high-quality samples)`` for samples ``[N, 2]``.

    A sample is high quality within ``radius`` of its nearest centre; a mode is covered when
    at least ``min_fraction`` of all samples are high-quality samples of that mode.
    """
    distances = np.linalg.norm(samples[:, None, :] - centres[None], axis=-1)
    nearest = np.argmin(distances, axis=1)
    good = np.min(distances, axis=1) < radius
    counts = np.bincount(nearest[good], minlength=len(centres))
    return int(np.sum(counts >= min_fraction * len(samples))), float(np.mean(good))


def _scatter(path: Path, data: np.ndarray, samples: dict[str, np.ndarray], title: str) -> Path:
    figure = Figure(figsize=(4 * len(samples), 4))
    for index, (name, points) in enumerate(samples.items()):
        axes = figure.add_subplot(1, len(samples), index + 1)
        axes.scatter(data[:, 0], data[:, 1], s=2, color="lightgray", label="data")
        axes.scatter(points[:, 0], points[:, 1], s=2, color="tab:red", label="samples")
        axes.set_xlim(-3, 3)
        axes.set_ylim(-3, 3)
        axes.set_aspect("equal")
        axes.set_title(f"{name}, {title}")
    return save_figure_png(path, figure)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train both games, plot their samples over training; returns the final metrics."""
    workdir = Path(workdir)
    source, seed, model, evaluation = config.data, config.run.seed, config.model, config.eval
    points = ring(
        source.num_examples,
        seed=seed,
        num_modes=source.num_modes,
        radius=source.radius,
        std=source.std,
    )["x"]
    data = BatchIterator(ArraySource({"x": points}), source.batch_size, seed=seed)
    angles = 2.0 * np.pi * np.arange(source.num_modes) / source.num_modes
    centres = source.radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    generators = {
        "gan": MLPGenerator(output_shape=(2,), hidden_sizes=model.gan.generator_hidden),
        "wgan_gp": MLPGenerator(output_shape=(2,), hidden_sizes=model.wgan_gp.hidden_sizes),
    }
    gan_adam = optax.adam(**config.optim.gan)
    wgan = config.optim.wgan_gp
    wgan_g_adam, wgan_d_adam = (
        optax.adam(rate, b1=wgan.b1, b2=wgan.b2)
        for rate in (wgan.generator_learning_rate, wgan.critic_learning_rate)
    )
    step = _side_by_side(
        {
            "gan": make_gan_step(
                generators["gan"],
                MLPDiscriminator(hidden_sizes=model.gan.discriminator_hidden),
                gan_adam,
                gan_adam,
                **config.loss.gan,
                data_key="x",
            ),
            "wgan_gp": make_gan_step(
                generators["wgan_gp"],
                MLPDiscriminator(hidden_sizes=model.wgan_gp.hidden_sizes),
                wgan_g_adam,
                wgan_d_adam,
                **config.loss.wgan_gp,
                data_key="x",
            ),
        }
    )
    noise_key = jax.random.key(seed + 1)
    generate = {
        name: jax.jit(
            functools.partial(
                generators[name].apply,
                z=sample_latent(
                    noise_key, evaluation.num_generated, config.loss[name].latent_dim, "normal"
                ),
            )
        )
        for name in MODELS
    }

    def sample_hook(done: int, state) -> dict[str, float]:
        samples = {name: np.asarray(generate[name](state[name].gen.variables)) for name in MODELS}
        _scatter(
            workdir / "samples" / f"step_{done:07d}.png", points[:2000], samples, f"step {done}"
        )
        metrics = {}
        for name, values in samples.items():
            covered, quality = mode_statistics(
                values, centres, evaluation.quality_radius, evaluation.min_mode_fraction
            )
            metrics[f"{name}/modes_covered"] = covered
            metrics[f"{name}/high_quality_fraction"] = quality
        return metrics

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="gan_mixture_2d",
        **config.run,
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    num_steps, sample_every = config.run.num_steps, config.run.sample_every
    images = {
        f"Samples (red) over the data (grey) after {done} steps": str(
            workdir / "samples" / f"step_{done:07d}.png"
        )
        for done in sorted({*range(sample_every, num_steps + 1, sample_every), num_steps})
    }
    write_report(
        workdir,
        title="Vanilla GAN against WGAN-GP on a ring of 8 Gaussians",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
