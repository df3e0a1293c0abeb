"""Train the conditional VAE on digits; draw per-digit samples and label swaps."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.vae import make_vae_step, observation_mean, vae_objective
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_split
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoencoders.cvae import CVAE
from gen_jax.models.autoencoders.vae import reparameterize
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report

NUM_CLASSES = 10


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split that ``gen-jax eval`` and the report score the samples against."""
    data = config.data
    return ReferenceImages.from_source(
        load_split(data, "test", value_range=(0.0, 1.0)), f"{data.dataset} test split"
    )


def build_model(image_shape, *, latent_dim: int, hidden_sizes) -> CVAE:
    """The MLP CVAE of ``config.model``; the decoder mirrors the encoder."""
    return CVAE(
        output_shape=image_shape,
        latent_dim=latent_dim,
        num_classes=NUM_CLASSES,
        encoder_hidden=tuple(hidden_sizes),
        decoder_hidden=tuple(reversed(hidden_sizes)),
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, samples_per_class = config.run.seed, config.eval.samples_per_class
    data = BatchIterator(
        load_split(config.data, "train", value_range=(0.0, 1.0)), config.data.batch_size, seed=seed
    )
    test_source = load_split(config.data, "test", value_range=(0.0, 1.0))
    test = test_source[np.arange(min(len(test_source), config.eval.eval_examples))]
    image_shape = test["image"].shape[1:]
    model = build_model(image_shape, **config.model)
    step = make_vae_step(model, optax.adam(**config.optim), label_key="label", **config.loss)
    sample_labels = jnp.repeat(jnp.arange(NUM_CLASSES), samples_per_class)
    sample_key = jax.random.key(seed + 1)

    @jax.jit
    def evaluate(params, batch):
        key = jax.random.key(0)
        return vae_objective(params, batch, key, model=model, label_key="label", **config.loss)[1]

    @jax.jit
    def decode(params, codes, labels):
        output = model.apply({"params": params}, codes, labels, method=CVAE.decode)
        return observation_mean(output, config.loss.likelihood)

    @jax.jit
    def prior_samples(params):
        mean, log_var = model.apply({"params": params}, sample_labels, method=CVAE.prior)
        return decode(params, reparameterize(mean, log_var, key=sample_key), sample_labels)

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(
            samples_dir / f"step_{done:07d}.png",
            prior_samples(state.params),
            num_columns=samples_per_class,
        )
        metrics = jax.device_get(evaluate(state.params, test))
        return {f"test_{name}": float(value) for name, value in metrics.items()}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="cvae_digits",
        **config.run,
    )
    params = result.state.params
    mean, _ = model.apply({"params": params}, test["image"], test["label"], method=CVAE.encode)
    prior_mean, _ = model.apply({"params": params}, jnp.arange(NUM_CLASSES), method=CVAE.prior)
    swaps = [decode(params, mean[:8], jnp.full(8, digit)) for digit in range(NUM_CLASSES)]
    images = {
        f"Samples from p(z | y), one row per digit (step {config.run.num_steps})": str(
            samples_dir / f"step_{config.run.num_steps:07d}.png"
        ),
        "Codes of test digits and the 10 learned prior means (class 'prior')": str(
            save_latent_scatter(
                workdir / "latent_scatter.png",
                np.concatenate([np.asarray(mean), np.asarray(prior_mean)]),
                labels=np.concatenate([test["label"].astype(str), np.full(NUM_CLASSES, "prior")]),
            )
        ),
        "8 test digits (top row) re-decoded with labels 0..9 (one row each)": str(
            save_image_grid(
                workdir / "label_swaps.png",
                np.concatenate([test["image"][:8], *map(np.asarray, swaps)]),
                num_columns=8,
            )
        ),
    }
    if config.eval.score_samples:
        reference = reference_images(config)
        labels = jnp.arange(len(reference.images)) % NUM_CLASSES  # every digit equally often
        codes = reparameterize(
            *model.apply({"params": params}, labels, method=CVAE.prior),
            key=jax.random.key(seed + 2),
        )
        record_sample_quality(workdir, decode(params, codes, labels), reference)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    write_report(
        workdir,
        title=(
            f"Conditional VAE on digits ({config.data.dataset}, {image_shape[0]}x{image_shape[1]})"
        ),
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
