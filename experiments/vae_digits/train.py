"""Train the book's digit VAE and draw its latent-space analysis."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict
from scipy.stats import norm

from gen_jax.algorithms.vae import make_vae_step, observation_mean, vae_objective
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_split
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoencoders.vae import VAE, conv_vae
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report
from gen_jax.viz.latent_tools import interpolate_codes, latent_grid, save_latent_histograms

GRID_SIZE = 20


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split that ``gen-jax eval`` and the report score the samples against."""
    data = config.data
    return ReferenceImages.from_source(
        load_split(data, "test", value_range=(0.0, 1.0)), f"{data.dataset} test split"
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, latent_dim = config.run.seed, config.model.latent_dim
    data = BatchIterator(
        load_split(config.data, "train", value_range=(0.0, 1.0)), config.data.batch_size, seed=seed
    )
    test_source = load_split(config.data, "test", value_range=(0.0, 1.0))
    test = test_source[np.arange(min(len(test_source), config.eval.eval_examples))]
    image_shape = test["image"].shape[1:]
    model = conv_vae(image_shape, **config.model)
    step = make_vae_step(model, optax.adam(**config.optim), **config.loss)
    prior_codes = jax.random.normal(
        jax.random.key(seed + 1), (config.eval.num_prior_samples, latent_dim)
    )

    @jax.jit
    def evaluate(params, batch):
        return vae_objective(params, batch, jax.random.key(0), model=model, **config.loss)[1]

    @jax.jit
    def decode(params, codes):
        output = model.apply({"params": params}, codes, method=VAE.decode)
        return observation_mean(output, config.loss.likelihood)

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(
            samples_dir / f"step_{done:07d}.png", decode(state.params, prior_codes), num_columns=10
        )
        metrics = jax.device_get(evaluate(state.params, test))
        return {f"test_{name}": float(value) for name, value in metrics.items()}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="vae_digits",
        **config.run,
    )
    params = result.state.params
    mean, _ = jax.jit(lambda p, x: model.apply({"params": p}, x, method=VAE.encode))(
        params, test["image"]
    )
    mean = np.asarray(mean)
    images = _figures(workdir, params, test, mean, decode, config)
    if config.eval.score_samples:
        reference = reference_images(config)
        codes = jax.random.normal(jax.random.key(seed + 2), (len(reference.images), latent_dim))
        record_sample_quality(workdir, decode(params, codes), reference)
    images["30 samples from N(0, I)"] = str(samples_dir / f"step_{config.run.num_steps:07d}.png")
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final["latent_mean_abs"] = float(np.abs(mean.mean(axis=0)).max())
    final["latent_std_mean"] = float(mean.std(axis=0).mean())
    write_report(
        workdir,
        title=(
            f"{latent_dim}-D VAE on digits ({config.data.dataset}, "
            f"{image_shape[0]}x{image_shape[1]})"
        ),
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final


def _figures(workdir: Path, params, test, mean, decode, config) -> dict[str, str]:
    """Reconstructions, scatter and normal-CDF scatter, grid, histograms and morphing."""
    originals = test["image"][:10]
    first = 0
    second = int(np.argmax(np.sum(np.square(mean - mean[first]), axis=1)))  # farthest code
    morph_steps = config.eval.morph_steps
    morph = interpolate_codes(mean[first], mean[second], morph_steps)
    paths = {
        "Test images (top) and reconstructions from mu (bottom)": save_image_grid(
            workdir / "reconstructions.png",
            np.concatenate([originals, np.asarray(decode(params, mean[:10]))]),
            num_columns=10,
        ),
        "mu of test images, coloured by digit": save_latent_scatter(
            workdir / "latent_scatter.png", mean, labels=test["label"]
        ),
        "The same points through the standard normal CDF": save_latent_scatter(
            workdir / "latent_scatter_cdf.png", norm.cdf(mean), labels=test["label"]
        ),
        "Latent marginals of mu against the N(0, 1) density": save_latent_histograms(
            workdir / "latent_histograms.png", mean
        ),
        "Morphing between two test digits (ends are the inputs)": save_image_grid(
            workdir / "morphing.png",
            np.concatenate(
                [test["image"][[first]], np.asarray(decode(params, morph)), test["image"][[second]]]
            ),
            num_columns=morph_steps + 2,
        ),
    }
    if config.model.latent_dim == 2:
        paths["Decoded grid at normal quantiles 0.01..0.99 on each axis"] = save_image_grid(
            workdir / "latent_grid.png",
            decode(params, latent_grid(GRID_SIZE)),
            num_columns=GRID_SIZE,
        )
    return {caption: str(path) for caption, path in paths.items()}
