"""Train the digits VAE and write the book's analysis figures and the run report."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict
from scipy.stats import norm

from gen_jax.algorithms.variational import decoder_mean, make_vae_step, vae_objective
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_source
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoencoders.vae import VAE, conv_vae
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report

LATENT_GRID_SIZE = 20


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
    test_batch = test_source[np.arange(min(len(test_source), config.eval_examples))]
    image_shape = test_batch["image"].shape[1:]

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
    )
    step = make_vae_step(model, optax.adam(config.learning_rate), **loss_options)

    eval_key, prior_key = jax.random.split(jax.random.key(config.seed + 1))
    prior_codes = jax.random.normal(prior_key, (config.num_samples, config.latent_dim))

    @jax.jit
    def evaluate(params, batch):
        return vae_objective(params, batch, eval_key, model=model, **loss_options)[1]

    @jax.jit
    def decode(params, codes):
        output = model.apply({"params": params}, codes, method=VAE.decode)
        return decoder_mean(output, config.likelihood)

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(samples_dir / f"step_{done:07d}.png", decode(state.params, prior_codes))
        metrics = jax.device_get(evaluate(state.params, test_batch))
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
        description="vae_digits",
    )
    images = _analysis(workdir, model, result.state.params, test_batch, decode, config)
    reference = reference_images(config)
    codes = jax.random.normal(
        jax.random.key(config.seed + 2), (len(reference.images), config.latent_dim)
    )
    record_sample_quality(workdir, decode(result.state.params, codes), reference)
    images["Samples from N(0, I)"] = str(samples_dir / f"step_{config.num_steps:07d}.png")
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    write_report(
        workdir,
        title=f"VAE on digits ({config.dataset}, {image_shape[0]}x{image_shape[1]})",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final


def _analysis(workdir: Path, model, params, test_batch, decode, config) -> dict[str, str]:
    """The book's figures: reconstructions, latent scatter, decoded latent grid."""
    mean, _ = jax.jit(lambda p, x: model.apply({"params": p}, x, method=VAE.encode))(
        params, test_batch["image"]
    )
    originals = test_batch["image"][:10]
    reconstructions = decode(params, mean[:10])
    paths = {
        "Test images (top) and their reconstructions from the mean code (bottom)": save_image_grid(
            workdir / "reconstructions.png",
            np.concatenate([originals, np.asarray(reconstructions)]),
            num_columns=10,
        ),
        "Latent means of test images, coloured by digit": save_latent_scatter(
            workdir / "latent_scatter.png", np.asarray(mean), labels=test_batch["label"]
        ),
    }
    if config.latent_dim == 2:
        axis = norm.ppf(np.linspace(0.01, 0.99, LATENT_GRID_SIZE))
        grid = jnp.asarray([[x, -y] for y in axis for x in axis], jnp.float32)
        paths["Decoded grid at normal quantiles 0.01..0.99 on each latent axis"] = save_image_grid(
            workdir / "latent_grid.png",
            decode(params, grid),
            num_columns=LATENT_GRID_SIZE,
        )
    return {caption: str(path) for caption, path in paths.items()}
