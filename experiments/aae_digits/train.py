"""Train the adversarial autoencoder on digits; measure how well codes match the prior."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.aae import discriminator_logits, label_condition, make_aae_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_split
from gen_jax.eval.kid import mmd2_unbiased
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.models.autoencoders.aae import AdversarialAutoencoder, code_discriminator, mlp_aae
from gen_jax.models.autoencoders.aae_priors import GaussianMixturePrior, make_prior
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report

NUM_CLASSES = 10
SAMPLES_PER_ROW = 10


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split, in [0, 1], that the decoded prior draws are scored against."""
    data = config.data
    return ReferenceImages.from_source(
        load_split(data, "test", value_range=(0.0, 1.0)), f"{data.dataset} test split"
    )


def build_model(image_shape, *, discriminator_hidden_sizes, prior: str, **autoencoder):
    """``(autoencoder, code discriminator, prior)`` of ``config.model``; ``autoencoder``:
    ``mlp_aae``'s code_dim, hidden_sizes and probabilistic."""
    return (
        mlp_aae(image_shape, **autoencoder),
        code_discriminator(tuple(discriminator_hidden_sizes)),
        make_prior(prior, dim=autoencoder["code_dim"], num_components=NUM_CLASSES),
    )


def prior_match(codes: np.ndarray, prior, labels: np.ndarray, *, key: jax.Array) -> dict:
    """Numbers for "the codes match the prior", from codes ``[N, D]`` of test examples.

    ``mmd2_codes_prior``: unbiased MMD² (cubic polynomial kernel) between the codes and as
    many prior draws; ``mmd2_prior_prior``: the same between two independent prior draws
    (the noise floor). For a mixture prior also ``occupancy_tv``, the total variation
    between the fraction of codes in each component and the mixture weights (0 is a
    perfect match), and ``label_component_agreement``, the fraction of codes whose most
    probable component equals their label (chance 0.1; the supervised AAE aims at 1).
    """
    draws = np.asarray(prior.sample(2 * len(codes), key=key))
    result = {
        "mmd2_codes_prior": mmd2_unbiased(codes, draws[: len(codes)]),
        "mmd2_prior_prior": mmd2_unbiased(draws[len(codes) :], draws[: len(codes)]),
    }
    if isinstance(prior, GaussianMixturePrior):
        components = prior.assign(codes)
        occupancy = np.bincount(components, minlength=prior.num_components) / len(codes)
        result["occupancy_tv"] = 0.5 * float(np.abs(occupancy - prior.weights).sum())
        result["label_component_agreement"] = float(np.mean(components == labels))
    return result


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, optim = config.run.seed, config.optim
    train_source, test_source = (
        load_split(config.data, "train", value_range=(0.0, 1.0)),
        load_split(config.data, "test", value_range=(0.0, 1.0)),
    )
    data = BatchIterator(train_source, config.data.batch_size, seed=seed)
    test = test_source[np.arange(min(len(test_source), config.eval.eval_examples))]
    image_shape = test["image"].shape[1:]
    model, discriminator, prior = build_model(image_shape, **config.model)
    conditioned = config.loss.conditioning == "label"
    step = make_aae_step(
        model,
        discriminator,
        prior,
        optax.adam(optim.reconstruction_learning_rate),
        optax.adam(optim.discriminator_learning_rate),
        optax.adam(optim.generator_learning_rate),
        **config.loss,
        num_classes=NUM_CLASSES,
    )
    sample_key, eval_key = jax.random.split(jax.random.key(seed + 1))
    sample_labels = jnp.repeat(jnp.arange(NUM_CLASSES), SAMPLES_PER_ROW)
    if conditioned:
        prior_codes = prior.sample_given(sample_labels, key=sample_key)
    else:
        prior_codes = prior.sample(NUM_CLASSES * SAMPLES_PER_ROW, key=sample_key)
    test_condition = None
    if conditioned:
        test_condition = label_condition(
            test["label"], jnp.ones(len(test["label"]), bool), NUM_CLASSES
        )

    @jax.jit
    def encode(params, x):
        return model.apply({"params": params}, x, method=AdversarialAutoencoder.encode_mean)

    @jax.jit
    def decode(params, codes):
        return jax.nn.sigmoid(model.apply({"params": params}, codes, method="decode"))

    @jax.jit
    def test_numbers(state, x):
        codes = encode(state.params, x)
        reconstruction = decode(state.params, codes)
        logits = discriminator_logits(
            discriminator, state.discriminator_params, codes, test_condition
        )
        return codes, jnp.mean(jnp.square(reconstruction - x)), jnp.mean(logits < 0)

    def evaluate(state) -> dict[str, float]:
        codes, mse, accuracy_codes = jax.device_get(test_numbers(state, test["image"]))
        if conditioned:
            draws = prior.sample_given(jnp.asarray(test["label"]), key=eval_key)
        else:
            draws = prior.sample(len(codes), key=eval_key)
        prior_logits = discriminator_logits(
            discriminator, state.discriminator_params, draws, test_condition
        )
        accuracy_prior = float(jnp.mean(prior_logits > 0))
        match = prior_match(np.asarray(codes), prior, test["label"], key=eval_key)
        return {
            "test_mse": float(mse),
            "test_d_accuracy": 0.5 * (float(accuracy_codes) + accuracy_prior),
            **{f"test_{name}": value for name, value in match.items()},
        }

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(
            samples_dir / f"step_{done:07d}.png",
            decode(state.params, prior_codes),
            num_columns=SAMPLES_PER_ROW,
        )
        return evaluate(state)

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="aae_digits",
        **config.run,
    )
    state = result.state
    codes = np.asarray(encode(state.params, test["image"]))
    draws = np.asarray(prior.sample(len(codes), key=eval_key))
    components = prior.assign(draws) if isinstance(prior, GaussianMixturePrior) else None
    reconstructions = decode(state.params, jnp.asarray(codes[:10]))
    images = {
        "Test codes coloured by digit": str(
            save_latent_scatter(workdir / "codes.png", codes, labels=test["label"])
        ),
        f"Draws from the {config.model.prior} prior (coloured by component)": str(
            save_latent_scatter(workdir / "prior.png", draws, labels=components)
        ),
        "Test digits (top) and their reconstructions (bottom)": str(
            save_image_grid(
                workdir / "reconstructions.png",
                np.concatenate([test["image"][:10], np.asarray(reconstructions)]),
                num_columns=10,
            )
        ),
        "Digits decoded from prior draws" + (", one row per label" if conditioned else ""): str(
            samples_dir / f"step_{config.run.num_steps:07d}.png"
        ),
    }
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    # Digits decoded from as many prior draws as test images (with label conditioning, the
    # draws come from the components of labels 0, 1, ..., 9, 0, ...: every class equally).
    if config.eval.score_samples:
        reference = reference_images(config)
        count, quality_key = len(reference.images), jax.random.key(seed + 2)
        if conditioned:
            quality_codes = prior.sample_given(jnp.arange(count) % NUM_CLASSES, key=quality_key)
        else:
            quality_codes = prior.sample(count, key=quality_key)
        record_sample_quality(workdir, decode(state.params, quality_codes), reference)
    write_report(
        workdir,
        title=f"Adversarial autoencoder on digits ({config.data.dataset}, {config.model.prior} "
        f"prior, conditioning={config.loss.conditioning})",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
