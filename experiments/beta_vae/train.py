"""Train a beta-VAE on binarised digits; evaluate ELBO and IWAE; draw traversals."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.vae import iwae_bound, make_vae_step, vae_objective
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, load_source
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.losses import gaussian_kl
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.latent_tools import add_attribute, save_latent_histograms

ACTIVE_KL_NATS = 0.01


def _load(data: ConfigDict, split: str) -> dict[str, np.ndarray]:
    source = load_source(
        data.dataset,
        split=split,
        data_dir=data.data_dir or None,
        image_size=data.image_size,
        value_range=(0.0, 1.0),
    )
    arrays = source[np.arange(len(source))]
    arrays["image"] = (arrays["image"] > data.binarize_threshold).astype(np.float32)
    return arrays


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The binarised test split that the samples are scored against."""
    data = config.data
    about = f"{data.dataset} test split binarised at {data.binarize_threshold}"
    return ReferenceImages.from_source(_load(data, "test")["image"], about)


def build_model(image_shape, *, latent_dim: int, hidden_sizes) -> VAE:
    """The MLP VAE of ``config.model``; the decoder mirrors the encoder."""
    return VAE(
        encoder=MLPEncoder(latent_dim=latent_dim, hidden_sizes=tuple(hidden_sizes)),
        decoder=MLPDecoder(output_shape=image_shape, hidden_sizes=tuple(reversed(hidden_sizes))),
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    seed, latent_dim, evaluation = config.run.seed, config.model.latent_dim, config.eval
    train_data, test_all = _load(config.data, "train"), _load(config.data, "test")
    test = {key: value[: evaluation.eval_examples] for key, value in test_all.items()}
    image_shape = test["image"].shape[1:]
    model = build_model(image_shape, **config.model)
    step = make_vae_step(model, optax.adam(**config.optim), **config.loss)
    data = BatchIterator(ArraySource(train_data), config.data.batch_size, seed=seed)
    prior_codes = jax.random.normal(jax.random.key(seed + 1), (64, latent_dim))

    @jax.jit
    def evaluate(params, batch):
        # The ELBO itself (beta = 1), whatever beta was trained with.
        return vae_objective(params, batch, jax.random.key(0), model=model, num_samples=10)[1]

    @jax.jit
    def decode(params, codes):
        return jax.nn.sigmoid(model.apply({"params": params}, codes, method=VAE.decode))

    def sample_hook(done: int, state) -> dict[str, float]:
        save_image_grid(samples_dir / f"step_{done:07d}.png", decode(state.params, prior_codes))
        metrics = jax.device_get(evaluate(state.params, test))
        return {"test_elbo": float(metrics["elbo"]), "test_kl": float(metrics["kl"])}

    result = fit(
        step, data, workdir=workdir, hooks=[Hook(sample_hook)], description="beta_vae", **config.run
    )
    params = result.state.params
    iwae = jax.jit(
        lambda p, x: iwae_bound(model, p, x, jax.random.key(1), evaluation.iwae_samples)
    )(params, test["image"])
    mean, log_var = model.apply({"params": params}, test["image"], method=VAE.encode)
    kl_per_dim = np.asarray(jnp.mean(gaussian_kl(mean[..., None], log_var[..., None]), axis=0))
    if evaluation.score_samples:
        reference = reference_images(config)
        codes = jax.random.normal(jax.random.key(seed + 2), (len(reference.images), latent_dim))
        # Binary draws x ~ p(x | z), like the binarised reference (the grids show the means).
        samples = jax.random.bernoulli(jax.random.key(seed + 3), decode(params, codes))
        record_sample_quality(workdir, np.asarray(samples, np.float32), reference)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final.update(
        test_iwae_bound=float(jnp.mean(iwae)),
        active_dimensions=float(np.sum(kl_per_dim > ACTIVE_KL_NATS)),
        **{f"kl_dim_{j}": float(value) for j, value in enumerate(kl_per_dim)},
    )
    order = np.argsort(-kl_per_dim)
    weights = np.linspace(-3.0, 3.0, evaluation.traversal_steps)
    traversals = np.concatenate(
        [add_attribute(np.asarray(mean[0]), np.eye(latent_dim)[j], weights) for j in order]
    )
    images = {
        "64 samples from N(0, I)": str(samples_dir / f"step_{config.run.num_steps:07d}.png"),
        "Traversals: one row per latent dimension (most active first), -3..3 around a test code": (
            str(
                save_image_grid(
                    workdir / "traversals.png",
                    decode(params, traversals),
                    num_columns=evaluation.traversal_steps,
                )
            )
        ),
        "Latent marginals of mu against N(0, 1)": str(
            save_latent_histograms(workdir / "latent_histograms.png", np.asarray(mean))
        ),
    }
    write_report(
        workdir,
        title=f"beta-VAE (beta = {config.loss.beta}) on binarised digits",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
