r"""PixelVAE training and evaluation: the exact-decoder ELBO, free bits, the IWAE bound.

With one reparameterised code :math:`z = \mu + \sigma \odot \epsilon` per example the loss is

.. math::
    \mathcal L(x) = -\log p_\theta(x \mid z)
        + \beta \sum_{j=1}^{d} \max\big(\lambda,\ \mathrm{KL}_j\big),
    \qquad \mathrm{KL}_j = \tfrac12\big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\big),

where :math:`\log p_\theta(x \mid z)` is the PixelCNN decoder's exact autoregressive
log-likelihood. ``β = 1, λ = 0`` is the negative ELBO. ``λ > 0`` is *free bits* (Kingma et
al., 2016): each latent dimension's KL, averaged over the batch, is not penalised below
``λ`` nats, which stops the decoder from collapsing the posterior onto the prior early in
training. The reported ``elbo`` is always the true bound (``β = 1, λ = 0``).

Held-out log-likelihood uses the importance-weighted bound (Burda et al., 2016):
:func:`pixel_vae_log_weights` returns :math:`\log p(x \mid z_k) + \log p(z_k) - \log q(z_k
\mid x)` for ``K`` codes and :func:`gen_jax.eval.importance_weighted_log_likelihood` reduces
them.

References:
    Gulrajani et al. (2017), PixelVAE, arXiv:1611.05013.
    Kingma, Salimans, Jozefowicz, Chen, Sutskever & Welling (2016), Improved Variational
    Inference with Inverse Autoregressive Flow, NIPS, arXiv:1606.04934 (free bits).
    Burda, Grosse & Salakhutdinov (2016), Importance Weighted Autoencoders, arXiv:1509.00519.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step
from gen_jax.losses import bernoulli_log_prob, gaussian_log_prob
from gen_jax.models.autoencoders.pixel_vae import PixelVAE
from gen_jax.models.autoencoders.vae import reparameterize

__all__ = ["make_pixel_vae_step", "pixel_vae_log_weights", "pixel_vae_objective"]


def _kl_per_dimension(mean: jax.Array, log_var: jax.Array) -> jax.Array:
    """``[B, d]`` KL of each coordinate of ``q(z | x)`` from ``N(0, 1)``."""
    return 0.5 * (jnp.square(mean) + jnp.exp(log_var) - 1.0 - log_var)


def _decoder_log_likelihood(model: PixelVAE, params, x: jax.Array, z: jax.Array) -> jax.Array:
    logits = model.apply({"params": params}, x, z, method=PixelVAE.decode)
    return bernoulli_log_prob(logits, x.astype(logits.dtype), event_ndims=3)


def pixel_vae_objective(
    params,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: PixelVAE,
    beta: float = 1.0,
    free_bits: float = 0.0,
    data_key: str = "image",
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Batch-mean loss of the module docstring and its parts.

    Args:
        params: the PixelVAE's parameters.
        batch: a dict whose ``data_key`` entry holds binary images ``[B, H, W, C]``.
        key: randomness of the reparameterised codes.
        model: the :class:`~gen_jax.models.autoencoders.pixel_vae.PixelVAE`.
        beta: weight of the KL term.
        free_bits: ``λ``, nats per latent dimension not penalised (0: the plain ELBO).
        data_key: the batch entry with the images.

    Returns:
        ``(loss, metrics)``: ``loss``, ``reconstruction`` (:math:`-\\log p(x \\mid z)`),
        ``kl``, ``elbo`` (nats per image) and ``bits_per_dim`` (of the negative ELBO).
    """
    x = batch[data_key]
    mean, log_var = model.apply({"params": params}, x, method=PixelVAE.encode)
    z = reparameterize(mean, log_var, key=key)
    reconstruction = -_decoder_log_likelihood(model, params, x, z)
    kl_per_dimension = _kl_per_dimension(mean, log_var)
    kl = jnp.sum(kl_per_dimension, axis=-1)
    penalised_kl = jnp.sum(jnp.maximum(jnp.mean(kl_per_dimension, axis=0), free_bits))
    negative_elbo = jnp.mean(reconstruction + kl)
    loss = jnp.mean(reconstruction) + beta * penalised_kl
    num_dims = math.prod(x.shape[1:])
    metrics = {
        "loss": loss,
        "reconstruction": jnp.mean(reconstruction),
        "kl": jnp.mean(kl),
        "elbo": -negative_elbo,
        "bits_per_dim": negative_elbo / (num_dims * math.log(2.0)),
    }
    return loss, metrics


def make_pixel_vae_step(
    model: PixelVAE,
    optimizer: optax.GradientTransformation,
    *,
    beta: float = 1.0,
    free_bits: float = 0.0,
    data_key: str = "image",
) -> Step:
    """A Step over ``TrainState`` training ``model`` on :func:`pixel_vae_objective`
    (:func:`~gen_jax.algorithms.gradient.make_gradient_step`).

    Metrics: the objective's plus ``grad_norm``.
    """
    if beta < 0 or free_bits < 0:
        raise ValueError(
            f"beta={beta}, free_bits={free_bits}: both must be >= 0 (free_bits=0 is the ELBO)"
        )

    def init(key: jax.Array, batch):
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_pixel_vae_step(data_key=...) expects "
                f"{data_key!r}"
            )
        keys = split_named(key, "params", "noise")
        return model.init(keys["params"], batch[data_key], key=keys["noise"])["params"]

    objective = functools.partial(
        pixel_vae_objective, model=model, beta=beta, free_bits=free_bits, data_key=data_key
    )
    return make_gradient_step(objective, init, optimizer)


def pixel_vae_log_weights(
    model: PixelVAE,
    params,
    x: jax.Array,
    *,
    key: jax.Array,
    num_samples: int,
    chunk_size: int = 64,
) -> jax.Array:
    """``[B, K]`` log importance weights :math:`\\log p(x, z_k) - \\log q(z_k \\mid x)`.

    Their mean over ``k`` estimates the ELBO; ``logsumexp - log K``
    (:func:`gen_jax.eval.importance_weighted_log_likelihood`) is the IWAE bound. Codes
    are decoded ``chunk_size`` at a time (``lax.map``), so memory does not grow with ``K``.

    Args:
        model: the ``PixelVAE``.
        params: its parameters.
        x: binary images ``[B, H, W, C]``.
        key: randomness of the codes.
        num_samples: ``K``.
        chunk_size: codes decoded together.
    """
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples={num_samples!r}; give a positive int of codes per image")
    mean, log_var = model.apply({"params": params}, x, method=PixelVAE.encode)

    def log_weight(sample_key):
        z = reparameterize(mean, log_var, key=sample_key)
        log_prior = gaussian_log_prob(jnp.zeros_like(z), jnp.zeros_like(z), z)
        log_posterior = gaussian_log_prob(mean, log_var, z)
        return _decoder_log_likelihood(model, params, x, z) + log_prior - log_posterior

    keys = jax.random.split(key, num_samples)
    log_weights = jax.lax.map(log_weight, keys, batch_size=min(num_samples, chunk_size))
    return log_weights.T
