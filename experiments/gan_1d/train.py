"""Train the 1-D GAN and compare its discriminator with the optimal one."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from matplotlib.figure import Figure
from ml_collections import ConfigDict
from scipy import stats

from gen_jax.algorithms.adversarial import make_gan_step, sample_latent
from gen_jax.core.atomic import save_figure_png
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.models.gans.dcgan import MLPDiscriminator, MLPGenerator
from gen_jax.models.gans.gan_1d import gan_value, jensen_shannon_divergence, optimal_discriminator
from gen_jax.viz import write_report

GRID = np.linspace(-6.0, 4.0, 1001)


def _densities_plot(path: Path, grid, p_data, p_g, d_trained, d_star, title: str) -> Path:
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    axes.plot(grid, p_data, label="p_data = N(-1, 1)", color="black")
    axes.plot(grid, p_g, label="p_g (kernel density of samples)", color="tab:green")
    axes.plot(grid, d_trained, label="trained D(x)", color="tab:blue")
    axes.plot(grid, d_star, label="D* = p_data / (p_data + p_g)", color="tab:blue", ls="--")
    axes.set_xlabel("x")
    axes.set_ylim(0.0, 1.05)
    axes.set_title(title)
    axes.legend(fontsize=8, loc="upper right")
    return save_figure_png(path, figure)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, compare D with D* on a grid, plot; returns the final metrics."""
    workdir = Path(workdir)
    seed, source, loss = config.run.seed, config.data, config.loss
    data_rng = np.random.default_rng(seed)
    points = source.mean + source.std * data_rng.standard_normal((source.num_examples, 1))
    data = BatchIterator(
        ArraySource({"x": points.astype(np.float32)}), source.batch_size, seed=seed
    )
    generator = MLPGenerator(output_shape=(1,), **config.model)
    discriminator = MLPDiscriminator(**config.model)
    step = make_gan_step(
        generator,
        discriminator,
        optax.adam(**config.optim),
        optax.adam(**config.optim),
        **loss,
        data_key="x",
    )
    z = sample_latent(
        jax.random.key(seed + 1), config.eval.num_generated, loss.latent_dim, loss.noise
    )
    grid = jnp.asarray(GRID[:, None], jnp.float32)
    p_data = stats.norm(source.mean, source.std).pdf(GRID)

    @jax.jit
    def generate_and_score(gen_variables, disc_variables):
        samples = generator.apply(gen_variables, z)[:, 0]
        return samples, discriminator.apply(disc_variables, grid)[:, 0]

    def analyse(state) -> tuple[dict[str, float], tuple]:
        samples, logits = jax.device_get(
            generate_and_score(state.gen.variables, state.disc.variables)
        )
        p_g = stats.gaussian_kde(samples)(GRID)
        log_p_g = np.log(np.maximum(p_g, 1e-30))
        d_star = np.asarray(optimal_discriminator(jnp.log(p_data), log_p_g))
        jsd = float(
            jensen_shannon_divergence(jnp.asarray(p_data), jnp.asarray(p_g), jnp.asarray(GRID))
        )
        metrics = {
            "sample_mean": float(np.mean(samples)),
            "sample_std": float(np.std(samples)),
            "jsd_estimate": jsd,
            "value_trained_d": float(
                gan_value(jnp.asarray(logits), p_data, p_g, jnp.asarray(GRID))
            ),
            "value_optimal_d": float(
                gan_value(jnp.log(p_data) - log_p_g, p_data, p_g, jnp.asarray(GRID))
            ),
            "two_jsd_minus_log4": 2 * jsd - float(np.log(4.0)),
            "max_abs_d_minus_d_star": float(
                np.max(np.abs(jax.nn.sigmoid(logits) - d_star)[p_data > 0.05])
            ),
        }
        return metrics, (p_g, np.asarray(jax.nn.sigmoid(logits)), d_star)

    def sample_hook(done: int, state) -> dict[str, float]:
        metrics, (p_g, d_trained, d_star) = analyse(state)
        _densities_plot(
            workdir / "samples" / f"step_{done:07d}.png",
            GRID,
            p_data,
            p_g,
            d_trained,
            d_star,
            f"step {done}",
        )
        return metrics

    result = fit(
        step, data, workdir=workdir, hooks=[Hook(sample_hook)], description="gan_1d", **config.run
    )
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    write_report(
        workdir,
        title="1-D GAN: N(-1, 1) from uniform noise",
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Densities, trained D and optimal D* at the end": str(
                workdir / "samples" / f"step_{config.run.num_steps:07d}.png"
            )
        },
    )
    return final
