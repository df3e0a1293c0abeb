"""Closed-form divergences between distributions."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float


def gaussian_kl(mean: Float[Array, "*b d"], log_var: Float[Array, "*b d"]) -> Float[Array, "*b"]:
    r"""KL divergence from a diagonal Gaussian to the standard normal, per example.

    .. math::
        \mathrm{KL}\big(\mathcal N(\mu, \operatorname{diag}\sigma^2)\,\|\,\mathcal N(0, I)\big)
        = -\tfrac12 \sum_j \big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big)

    Args:
        mean: :math:`\mu`, shape ``[*b, d]``.
        log_var: :math:`\log\sigma^2`, shape ``[*b, d]``.

    Returns:
        The divergence in nats, shape ``[*b]``.

    References:
        Kingma & Welling (2014), Auto-Encoding Variational Bayes, arXiv:1312.6114, App. B.
    """
    if mean.shape != log_var.shape:
        raise ValueError(
            f"mean has shape {mean.shape} but log_var has shape {log_var.shape}; they must match"
        )
    return -0.5 * jnp.sum(1.0 + log_var - jnp.square(mean) - jnp.exp(log_var), axis=-1)


def gaussian_kl_between(
    mean_q: jax.Array, log_var_q: jax.Array, mean_p: jax.Array, log_var_p: jax.Array
) -> jax.Array:
    r"""KL(q || p) between two diagonal Gaussians, summed over the last axis.

    .. math::
        \tfrac12 \sum_j \Big(\log\tfrac{\sigma_{p,j}^2}{\sigma_{q,j}^2}
        + \tfrac{\sigma_{q,j}^2 + (\mu_{q,j}-\mu_{p,j})^2}{\sigma_{p,j}^2} - 1\Big)

    Used by conditional priors (CVAE with a learned prior, World Models' MDN-RNN).
    Shapes broadcast; the result drops the last axis.
    """
    return 0.5 * jnp.sum(
        log_var_p
        - log_var_q
        + (jnp.exp(log_var_q) + jnp.square(mean_q - mean_p)) * jnp.exp(-log_var_p)
        - 1.0,
        axis=-1,
    )
