r"""Likelihood-based metrics: bits per dimension, perplexity, importance-weighted bounds.

Conventions. Log-likelihoods are natural-log (nats) per example. *Bits per dimension*
divides the negative log-likelihood of a *discrete* example by ``D ln 2``. A continuous
density :math:`p(y)` over data quantised into bins of width :math:`\Delta` per dimension
(8-bit pixels scaled to ``[0, 1]`` have :math:`\Delta = 1/256`; scaled to ``[-1, 1]``,
:math:`\Delta = 2/256`) assigns the bin of :math:`x` the probability
:math:`P(x) \approx p(y)\,\Delta^D`; with uniform dequantisation
(:math:`y = (x + u)\,\Delta`, :math:`u \sim U[0, 1)^D`) the expectation of
:math:`\log p(y) + D \log \Delta` is a lower bound on :math:`\log P(x)` (Theis et al.,
2016). Hence

.. math::
    \mathrm{bpd} = -\frac{\log p(y) + D \log \Delta}{D \ln 2},

and ``bin_width = 1`` (the default) leaves an already discrete likelihood (Bernoulli,
categorical, discretised logistic) unchanged. *Perplexity* is
:math:`\exp(-\sum_d \log p(w_d) / \sum_d N_d)` over held-out documents ``d`` with
:math:`N_d` tokens each: the exponential of the negative per-token log-likelihood.

References:
    Theis, van den Oord & Bethge (2016), A note on the evaluation of generative models,
    arXiv:1511.01844.
    Burda, Grosse & Salakhutdinov (2016), Importance Weighted Autoencoders,
    arXiv:1509.00519.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp


def _finite_array(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one value")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or inf; check the model's log-likelihoods")
    return array


def bits_per_dimension(log_likelihood, *, num_dimensions: int, bin_width: float = 1.0):
    """Bits per dimension of per-example log-likelihoods (nats).

    Args:
        log_likelihood: ``[...]`` log-likelihoods in nats, one per example (a density
            ``log p(y)`` when ``bin_width < 1``, else a discrete ``log P(x)``).
        num_dimensions: ``D``, e.g. ``32 * 32 * 3`` for a CIFAR-10 image.
        bin_width: the quantisation bin width ``Δ`` in the units the density is defined on
            (``1/256`` for 8-bit pixels scaled to ``[0, 1]``, ``2/256`` for ``[-1, 1]``).

    Returns:
        float64 array of the same shape as ``log_likelihood`` (a Python float for a scalar).

    Raises:
        ValueError: on NaN/inf, ``num_dimensions < 1`` or ``bin_width <= 0``.
    """
    if not isinstance(num_dimensions, int) or num_dimensions < 1:
        raise ValueError(f"num_dimensions={num_dimensions!r}: must be a positive int")
    if not bin_width > 0:
        raise ValueError(f"bin_width={bin_width!r}: must be > 0 (1/256 for 8-bit in [0, 1])")
    log_likelihood = _finite_array("log_likelihood", log_likelihood)
    discrete = log_likelihood + num_dimensions * math.log(bin_width)
    bits = -discrete / (num_dimensions * math.log(2.0))
    return float(bits) if bits.ndim == 0 else bits


def perplexity(log_likelihood, num_tokens) -> float:
    """``exp(-sum(log_likelihood) / sum(num_tokens))``.

    Args:
        log_likelihood: ``[num_documents]`` (or a scalar) log-likelihoods in nats.
        num_tokens: ``[num_documents]`` (or a scalar) token counts, same shape.

    Returns:
        The perplexity, a Python float ``>= 1`` for a discrete model.

    Raises:
        ValueError: on mismatched shapes, NaN/inf, or a total of zero tokens.
    """
    log_likelihood = _finite_array("log_likelihood", log_likelihood)
    num_tokens = _finite_array("num_tokens", num_tokens)
    if log_likelihood.shape != num_tokens.shape:
        raise ValueError(
            f"log_likelihood has shape {log_likelihood.shape} but num_tokens has "
            f"{num_tokens.shape}; give one token count per log-likelihood"
        )
    total = num_tokens.sum()
    if np.any(num_tokens < 0) or total <= 0:
        raise ValueError("num_tokens must be non-negative with a positive total")
    return float(np.exp(-log_likelihood.sum() / total))


def importance_weighted_log_likelihood(log_weights) -> np.ndarray:
    r"""The importance-sampling estimate :math:`\log \frac1K \sum_k w_k` per example.

    With :math:`\log w_k = \log p(x, z_k) - \log q(z_k \mid x)`, :math:`z_k \sim q(\cdot \mid
    x)`, this is the IWAE bound on :math:`\log p(x)`, tightening as ``K`` grows (the IWAE
    paper's protocol uses ``K = 5000``).

    Args:
        log_weights: ``[..., K]`` log importance weights, ``K`` samples on the last axis.

    Returns:
        float64 ``[...]``.

    Raises:
        ValueError: on NaN/inf or an empty sample axis.
    """
    log_weights = _finite_array("log_weights", log_weights)
    if log_weights.ndim == 0 or log_weights.shape[-1] == 0:
        raise ValueError("log_weights needs a last axis of K >= 1 importance samples")
    return logsumexp(log_weights, axis=-1) - math.log(log_weights.shape[-1])
