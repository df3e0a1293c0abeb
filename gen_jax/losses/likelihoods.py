"""Log-likelihoods of data under simple observation models, summed per example.

Each function is element-wise inside and sums over the last ``event_ndims`` axes, so it
returns one value per example (``event_ndims=1`` for vectors, ``3`` for ``[H, W, C]``
images). Nothing is averaged over the batch: objectives do that.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from gen_jax.losses._event import sum_event

_LOG_2PI = math.log(2.0 * math.pi)


def bernoulli_log_prob(
    logits: Float[Array, "*b ..."], x: Float[Array, "*b ..."], *, event_ndims: int = 1
) -> Float[Array, "*b"]:
    r"""Log-likelihood of ``x`` in [0, 1] under independent Bernoullis with ``logits``.

    .. math::
        \log p(x) = \sum_i x_i \log\sigma(\ell_i) + (1 - x_i)\log(1 - \sigma(\ell_i))
        = \sum_i x_i \ell_i - \operatorname{softplus}(\ell_i)

    Computed from logits, so it is exact and finite for saturated probabilities.
    Non-binary ``x`` in [0, 1] gives the continuous cross-entropy used for grey images.

    Args:
        logits: :math:`\ell`, any shape.
        x: targets with the shape of ``logits``.
        event_ndims: trailing axes that form one example.

    Returns:
        Log-likelihood in nats, the leading ``logits.ndim - event_ndims`` axes.
    """
    if logits.shape != x.shape:
        raise ValueError(f"logits has shape {logits.shape} but x has shape {x.shape}")
    return sum_event(x * logits - jax.nn.softplus(logits), event_ndims)


def gaussian_log_prob(
    mean: Float[Array, "*b ..."],
    log_var: Float[Array, "*b ..."] | float,
    x: Float[Array, "*b ..."],
    *,
    event_ndims: int = 1,
) -> Float[Array, "*b"]:
    r"""Log-density of ``x`` under independent Gaussians :math:`\mathcal N(\mu, \sigma^2)`.

    .. math::
        \log p(x) = -\tfrac12 \sum_i \Big(\log 2\pi + \log\sigma_i^2
        + \frac{(x_i - \mu_i)^2}{\sigma_i^2}\Big)

    Args:
        mean: :math:`\mu`.
        log_var: :math:`\log\sigma^2`, broadcastable to ``mean`` (a scalar for a fixed
            observation noise).
        x: observations with the shape of ``mean``.
        event_ndims: trailing axes that form one example.

    Returns:
        Log-density in nats, one value per example.
    """
    if mean.shape != x.shape:
        raise ValueError(f"mean has shape {mean.shape} but x has shape {x.shape}")
    log_var = jnp.broadcast_to(jnp.asarray(log_var, mean.dtype), mean.shape)
    elementwise = -0.5 * (_LOG_2PI + log_var + jnp.square(x - mean) * jnp.exp(-log_var))
    return sum_event(elementwise, event_ndims)


def mean_squared_error(
    prediction: Float[Array, "*b ..."], target: Float[Array, "*b ..."], *, event_ndims: int = 1
) -> Float[Array, "*b"]:
    r"""Mean of :math:`(\hat x - x)^2` over each example's ``event_ndims`` trailing axes.

    The reconstruction term of the Generative Deep Learning book's autoencoder and VAE
    (``mean(square(x - x_hat), axis=[1, 2, 3])``), equal up to scale and a constant to a
    Gaussian log-likelihood with fixed variance.
    """
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction has shape {prediction.shape} but target has shape {target.shape}"
        )
    squared = jnp.square(prediction - target)
    count = math.prod(squared.shape[squared.ndim - event_ndims :])
    return sum_event(squared, event_ndims) / count
