"""Train the book's 2-D digit VAE and draw its latent-space analysis."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict
from scipy.stats import norm

from gen_jax.algorithms.vae_family import elbo_objective, make_elbo_step, observation_mean
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_source
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoencoders.vae import VAE, conv_vae
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report
from gen_jax.viz.latent_tools import interpolate_codes, latent_grid, save_latent_histograms

GRID_SIZE = 20


def _load(config: ConfigDict, split: str):
    return load_source(
        config.dataset,
        split=split,
        data_dir=config.data_dir or None,
        image_size=config.image_size,
        value_range=(0.0, 1.0),
    )


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split that ``gen-jax eval`` and the report score the samples against."""
    source = _load(config, "test")
    images = source[np.arange(len(source))]["image"]
    return ReferenceImages(images, f"{config.dataset} test split, all {len(source)} images")


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    train_source, test_source = _load(config, "train"), _load(config, "test")
    data = BatchIterator(train_source, config.batch_size, seed=config.seed)
    test = test_source[np.arange(min(len(test_source), config.eval_examples))]
    image_shape = test["image"].shape[1:]
    model = conv_vae(
        image_shape,
        config.latent_dim,
        encoder_filters=config.encoder_filters,
        encoder_strides=config.encoder_strides,
        decoder_filters=config.decoder_filters,
        decoder_strides=config.decoder_strides,
    )
    loss_options = dict(
        likelihood=config.likelihood,
        beta=config.beta,
        reconstruction_weight=config.reconstruction_weight,
        num_samples=config.num_samples,
    )
    step = make_elbo_step(model, optax.adam(config.learning_rate), **loss_options)
    prior_codes = jax.random.normal(
        jax.random.key(config.seed + 1), (config.num_prior_samples, config.latent_dim)
    )

    @jax.jit
    def evaluate(params, batch):
        return elbo_objective(params, batch, jax.random.key(0), model=model, **loss_options)[1]

    @jax.jit
    def decode(params, codes):
        output = model.apply({"params": params}, codes, method=VAE.decode)
        return observation_mean(output, config.likelihood)

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(
            samples_dir / f"step_{done:07d}.png", decode(state.params, prior_codes), num_columns=10
        )
        metrics = jax.device_get(evaluate(state.params, test))
        return {f"test_{name}": float(value) for name, value in metrics.items()}

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
        description="vae_digits_2d",
    )
    params = result.state.params
    mean, _ = jax.jit(lambda p, x: model.apply({"params": p}, x, method=VAE.encode))(
        params, test["image"]
    )
    mean = np.asarray(mean)
    images = _figures(workdir, params, test, mean, decode, config)
    reference = reference_images(config)
    codes = jax.random.normal(
        jax.random.key(config.seed + 2), (len(reference.images), config.latent_dim)
    )
    record_sample_quality(workdir, decode(params, codes), reference)
    images["30 samples from N(0, I)"] = str(samples_dir / f"step_{config.num_steps:07d}.png")
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final["latent_mean_abs"] = float(np.abs(mean.mean(axis=0)).max())
    final["latent_std_mean"] = float(mean.std(axis=0).mean())
    write_report(
        workdir,
        title=f"2-D VAE on digits ({config.dataset}, {image_shape[0]}x{image_shape[1]})",
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
    morph = interpolate_codes(mean[first], mean[second], config.morph_steps)
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
            num_columns=config.morph_steps + 2,
        ),
    }
    if config.latent_dim == 2:
        paths["Decoded grid at normal quantiles 0.01..0.99 on each axis"] = save_image_grid(
            workdir / "latent_grid.png",
            decode(params, latent_grid(GRID_SIZE)),
            num_columns=GRID_SIZE,
        )
    return {caption: str(path) for caption, path in paths.items()}
