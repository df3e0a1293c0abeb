r"""Importance-weighted log-likelihood of a VAE (any model with a Gaussian encoder).

For an example :math:`x`, draw :math:`z_k \sim q_\phi(z \mid x)`, :math:`k = 1..K`, and set

.. math::
    \log \hat p(x) = \log \frac1K \sum_{k=1}^K
        \frac{p_\theta(x \mid z_k)\, p(z_k)}{q_\phi(z_k \mid x)},

a lower bound on :math:`\log p(x)` in expectation that tightens as ``K`` grows and equals
the ELBO at ``K = 1`` (Burda et al., 2016). Protocol of the IWAE paper: ``K = 5000``
samples per test example, the whole test set, reported in nats per example (convert with
:func:`gen_jax.eval.bits_per_dimension`). The samples are drawn in chunks of
``chunk_size`` with a running log-sum-exp, so memory does not grow with ``K``.

References:
    Burda, Grosse & Salakhutdinov (2016), Importance Weighted Autoencoders,
    arXiv:1509.00519.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.variational import reconstruction_loss
from gen_jax.losses import gaussian_log_prob
from gen_jax.models.vae import VAE

PROPER_LIKELIHOODS = ("bernoulli", "gaussian")


def vae_log_likelihood(
    model: VAE,
    params,
    x,
    *,
    key: jax.Array,
    num_samples: int = 5000,
    chunk_size: int = 500,
    likelihood: str = "bernoulli",
    observation_log_var: float = 0.0,
) -> np.ndarray:
    """The importance-weighted estimate of ``log p(x)`` per example, in nats.

    Args:
        model: a :class:`~gen_jax.models.vae.VAE`.
        params: its parameters.
        x: ``[B, ...]`` examples, as the model was trained on.
        key: randomness for the importance samples.
        num_samples: ``K``, a multiple of ``chunk_size`` (5000 in the IWAE paper).
        chunk_size: samples drawn per pass.
        likelihood: the decoder's observation model, ``"bernoulli"`` or ``"gaussian"``
            (the book's ``"mse"`` loss is not a normalised likelihood).
        observation_log_var: the fixed log-variance of the ``"gaussian"`` likelihood.

    Returns:
        float64 numpy ``[B]``.

    Raises:
        ValueError: on an improper ``likelihood`` or ``num_samples`` not a positive multiple
            of ``chunk_size``.
    """
    if likelihood not in PROPER_LIKELIHOODS:
        raise ValueError(
            f"likelihood={likelihood!r} is not a normalised likelihood; choose one of "
            f"{PROPER_LIKELIHOODS}"
        )
    if chunk_size < 1 or num_samples < 1 or num_samples % chunk_size:
        raise ValueError(
            f"num_samples={num_samples} must be a positive multiple of chunk_size={chunk_size}"
        )
    x = jnp.asarray(x)

    def log_weights(chunk_key: jax.Array) -> jax.Array:
        """``[chunk_size, B]`` of ``log p(x|z) + log p(z) - log q(z|x)``."""
        mean, log_var = model.apply({"params": params}, x, method=VAE.encode)
        noise = jax.random.normal(chunk_key, (chunk_size, *mean.shape), mean.dtype)
        z = mean + jnp.exp(0.5 * log_var) * noise
        log_q = gaussian_log_prob(jnp.broadcast_to(mean, z.shape), log_var, z)
        log_prior = gaussian_log_prob(jnp.zeros_like(z), 0.0, z)

        def log_likelihood(code):
            output = model.apply({"params": params}, code, method=VAE.decode)
            return -reconstruction_loss(
                output, x, likelihood=likelihood, observation_log_var=observation_log_var
            )

        return jax.lax.map(log_likelihood, z) + log_prior - log_q

    @jax.jit
    def estimate(key):
        def accumulate(running, chunk_key):
            chunk = jax.scipy.special.logsumexp(log_weights(chunk_key), axis=0)
            return jnp.logaddexp(running, chunk), None

        keys = jax.random.split(key, num_samples // chunk_size)
        start = jnp.full(x.shape[:1], -jnp.inf, x.dtype)
        total, _ = jax.lax.scan(accumulate, start, keys)
        return total

    return np.asarray(estimate(key), np.float64) - math.log(num_samples)
