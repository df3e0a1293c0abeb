"""The learnable-target toy: fit a 2-D VAE to Doersch's ring and compare its samples.

Data are :func:`gen_jax.data.ring_transform.transformed_ring` points, ``g(z) = z/10 +
z/||z||`` of N(0, I) codes; an MLP VAE with a 2-D code and a Gaussian decoder of fixed
variance learns its own ``g`` from them. Model samples are ``decoder(z) + sigma * eps``
with ``z ~ N(0, I)``; the panel overlays them on the data, and the metrics compare the
mean radius of both with the closed form ``1 + sqrt(pi / 2) / 10``.
"""

from __future__ import annotations

import math
from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.vae import make_vae_step
from gen_jax.core.loop import fit
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.data.ring_transform import RING_RADIUS_MEAN, transformed_ring
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder
from gen_jax.viz import save_latent_scatter


def train_ring_panel(config: ConfigDict, workdir: Path) -> tuple[dict[str, float], dict]:
    """Train on the ring (``config.ring``) in ``workdir / "ring"``; returns ``(metrics,
    {caption: png})``."""
    ring, seed = config.ring, config.run.seed
    data = transformed_ring(ring.num_samples, seed=seed)
    hidden = tuple(ring.hidden_sizes)
    model = VAE(
        encoder=MLPEncoder(latent_dim=2, hidden_sizes=hidden),
        decoder=MLPDecoder(output_shape=(2,), hidden_sizes=hidden),
    )
    step = make_vae_step(
        model,
        optax.adam(**config.optim),
        likelihood="gaussian",
        observation_log_var=ring.observation_log_var,
        data_key="x",
    )
    result = fit(
        step,
        BatchIterator(ArraySource(data), ring.batch_size, seed=seed),
        num_steps=ring.num_steps,
        workdir=workdir / "ring",
        seed=seed,
        log_every=config.run.log_every,
        progress=False,
        description="vae_ablation/ring",
    )
    num_shown = min(2000, len(data["x"]))
    keys = jax.random.split(jax.random.key(seed + 1))
    codes = jax.random.normal(keys[0], (num_shown, 2))
    means = model.apply({"params": result.state.params}, codes, method=VAE.decode)
    noise_std = math.exp(0.5 * ring.observation_log_var)
    samples = np.asarray(means + noise_std * jax.random.normal(keys[1], means.shape))
    shown = data["x"][:num_shown]
    path = save_latent_scatter(
        workdir / "ring.png",
        np.concatenate([shown, samples]),
        labels=np.array(["data: g(z)"] * num_shown + ["VAE samples"] * num_shown),
        title="Doersch's ring: data and samples of a VAE fitted to it",
    )
    model_radii = np.linalg.norm(samples, axis=1)
    metrics = {
        "ring_closed_form_radius_mean": RING_RADIUS_MEAN,
        "ring_data_radius_mean": float(np.linalg.norm(shown, axis=1).mean()),
        "ring_model_radius_mean": float(model_radii.mean()),
        "ring_model_radius_std": float(model_radii.std()),
        "ring_test_elbo": float(result.metrics["elbo"]),
    }
    caption = "Ring toy: data g(z) = z/10 + z/||z|| and samples of a 2-D VAE fitted to them"
    return metrics, {caption: str(path)}
