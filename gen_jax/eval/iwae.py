r"""Importance-weighted log-likelihood of a VAE (any model with a Gaussian encoder).

For an example :math:`x`, draw :math:`z_k \sim q_\phi(z \mid x)`, :math:`k = 1..K`, and set

.. math::
    \log \hat p(x) = \log \frac1K \sum_{k=1}^K
        \frac{p_\theta(x \mid z_k)\, p(z_k)}{q_\phi(z_k \mid x)},

a lower bound on :math:`\log p(x)` in expectation that tightens as ``K`` grows and equals
the ELBO at ``K = 1`` (Burda et al., 2016). Protocol of the IWAE paper: ``K = 5000``
samples per test example, the whole test set, reported in nats per example (convert with
:func:`gen_jax.eval.bits_per_dimension`). The samples are decoded ``chunk_size`` at a
time.

References:
    Burda, Grosse & Salakhutdinov (2016), Importance Weighted Autoencoders,
    arXiv:1509.00519.
"""

from __future__ import annotations

import functools

import jax
import numpy as np

from gen_jax.algorithms.vae import iwae_bound
from gen_jax.models.autoencoders.vae import VAE


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

    The evaluation protocol around :func:`gen_jax.algorithms.vae.iwae_bound`, jitted.

    Args:
        model: a :class:`~gen_jax.models.autoencoders.vae.VAE`.
        params: its parameters.
        x: ``[B, ...]`` examples, as the model was trained on.
        key: randomness for the importance samples.
        num_samples: ``K`` (5000 in the IWAE paper).
        chunk_size: samples decoded per pass.
        likelihood: the decoder's observation model, ``"bernoulli"``, ``"gaussian"`` or
            ``"gaussian_learned"`` (the book's ``"mse"`` loss is not a normalised likelihood).
        observation_log_var: the fixed log-variance of the ``"gaussian"`` likelihood.

    Returns:
        float64 numpy ``[B]``.

    Raises:
        ValueError: on an improper ``likelihood`` or a ``num_samples`` below 1.
    """
    estimate = jax.jit(
        functools.partial(
            iwae_bound,
            model,
            k=num_samples,
            likelihood=likelihood,
            observation_log_var=observation_log_var,
            chunk_size=chunk_size,
        )
    )
    return np.asarray(estimate(params, x, key), np.float64)
