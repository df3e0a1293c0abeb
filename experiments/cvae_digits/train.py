"""Train the conditional VAE on digits; draw per-digit samples and label swaps."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.vae_family import cvae_objective, make_cvae_step, observation_mean
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_source
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoencoders.cvae import CVAE
from gen_jax.models.autoencoders.vae import reparameterize
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report

NUM_CLASSES = 10


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
    model = CVAE(
        output_shape=image_shape,
        latent_dim=config.latent_dim,
        num_classes=NUM_CLASSES,
        encoder_hidden=tuple(config.hidden_sizes),
        decoder_hidden=tuple(reversed(config.hidden_sizes)),
    )
    loss_options = dict(
        likelihood=config.likelihood, beta=config.beta, num_samples=config.num_samples
    )
    step = make_cvae_step(model, optax.adam(config.learning_rate), **loss_options)
    sample_labels = jnp.repeat(jnp.arange(NUM_CLASSES), config.samples_per_class)
    sample_key = jax.random.key(config.seed + 1)

    @jax.jit
    def evaluate(params, batch):
        return cvae_objective(params, batch, jax.random.key(0), model=model, **loss_options)[1]

    @jax.jit
    def decode(params, codes, labels):
        output = model.apply({"params": params}, codes, labels, method=CVAE.decode)
        return observation_mean(output, config.likelihood)

    @jax.jit
    def prior_samples(params):
        mean, log_var = model.apply({"params": params}, sample_labels, method=CVAE.prior)
        return decode(params, reparameterize(mean, log_var, key=sample_key), sample_labels)

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(
            samples_dir / f"step_{done:07d}.png",
            prior_samples(state.params),
            num_columns=config.samples_per_class,
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
        description="cvae_digits",
    )
    params = result.state.params
    mean, _ = model.apply({"params": params}, test["image"], test["label"], method=CVAE.encode)
    prior_mean, _ = model.apply({"params": params}, jnp.arange(NUM_CLASSES), method=CVAE.prior)
    swaps = [decode(params, mean[:8], jnp.full(8, digit)) for digit in range(NUM_CLASSES)]
    images = {
        f"Samples from p(z | y), one row per digit (step {config.num_steps})": str(
            samples_dir / f"step_{config.num_steps:07d}.png"
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
    reference = reference_images(config)
    labels = jnp.arange(len(reference.images)) % NUM_CLASSES  # every digit equally often
    codes = reparameterize(
        *model.apply({"params": params}, labels, method=CVAE.prior),
        key=jax.random.key(config.seed + 2),
    )
    record_sample_quality(workdir, decode(params, codes, labels), reference)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    write_report(
        workdir,
        title=f"Conditional VAE on digits ({config.dataset}, {image_shape[0]}x{image_shape[1]})",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
