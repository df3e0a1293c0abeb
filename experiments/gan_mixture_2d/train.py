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
    points = ring(
        config.num_examples,
        seed=config.seed,
        num_modes=config.num_modes,
        radius=config.radius,
        std=config.mode_std,
    )["x"]
    data = BatchIterator(ArraySource({"x": points}), config.batch_size, seed=config.seed)
    angles = 2.0 * np.pi * np.arange(config.num_modes) / config.num_modes
    centres = config.radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    generators = {
        "gan": MLPGenerator(output_shape=(2,), hidden_sizes=config.gan_generator_hidden),
        "wgan_gp": MLPGenerator(output_shape=(2,), hidden_sizes=config.wgan_hidden_sizes),
    }
    latent_dims = {"gan": config.gan_latent_dim, "wgan_gp": config.wgan_latent_dim}
    gan_adam = optax.adam(config.gan_learning_rate, b1=config.gan_b1)
    wgan_g_adam, wgan_d_adam = (
        optax.adam(rate, b1=config.wgan_b1, b2=config.wgan_b2)
        for rate in (config.wgan_generator_learning_rate, config.wgan_critic_learning_rate)
    )
    step = _side_by_side(
        {
            "gan": make_gan_step(
                generators["gan"],
                MLPDiscriminator(hidden_sizes=config.gan_discriminator_hidden),
                gan_adam,
                gan_adam,
                latent_dim=config.gan_latent_dim,
                data_key="x",
            ),
            "wgan_gp": make_gan_step(
                generators["wgan_gp"],
                MLPDiscriminator(hidden_sizes=config.wgan_hidden_sizes),
                wgan_g_adam,
                wgan_d_adam,
                loss="wasserstein",
                num_critic_steps=config.num_critic_steps,
                gp_weight=config.gp_weight,
                latent_dim=config.wgan_latent_dim,
                data_key="x",
            ),
        }
    )
    noise_key = jax.random.key(config.seed + 1)
    generate = {
        name: jax.jit(
            functools.partial(
                generators[name].apply,
                z=sample_latent(noise_key, config.num_generated, latent_dims[name], "normal"),
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
                values, centres, config.quality_radius, config.min_mode_fraction
            )
            metrics[f"{name}/modes_covered"] = covered
            metrics[f"{name}/high_quality_fraction"] = quality
        return metrics

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
        description="gan_mixture_2d",
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    images = {
        f"Samples (red) over the data (grey) after {done} steps": str(
            workdir / "samples" / f"step_{done:07d}.png"
        )
        for done in sorted(
            {
                *range(config.sample_every, config.num_steps + 1, config.sample_every),
                config.num_steps,
            }
        )
    }
    write_report(
        workdir,
        title="Vanilla GAN against WGAN-GP on a ring of 8 Gaussians",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
