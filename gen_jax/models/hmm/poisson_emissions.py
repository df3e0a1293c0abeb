r"""Poisson emissions for an HMM (hmmlearn's ``PoissonHMM``): ``D`` independent counts per step.

.. math::
    \log p(x \mid z = k) = \sum_{d=1}^{D} x_d \log \lambda_{kd} - \lambda_{kd} - \log x_d!

The M-step is hmmlearn's (``PoissonHMM._do_mstep``, a gamma prior in shape-rate notation):
:math:`\lambda_{kd} = (\alpha_{kd} + n \bar y_{kd}) / (\beta_{kd} + n)` with :math:`\bar
y_{kd} = \sum_t \gamma_t(k) x_{td} / \sum_t \gamma_t(k)` and, as in hmmlearn, :math:`n` the
posterior mass of *all* states (the number of observations); ``lambdas_prior`` :math:`\alpha`
and ``lambdas_weight`` :math:`\beta` are 0 by default, the maximum-likelihood rates. A state
left without mass keeps its initial rates.

References:
    Zucchini, MacDonald & Langrock (2016), Hidden Markov Models for Time Series, 2nd ed.,
    §1.2 and §4.2 (Poisson HMMs and their EM).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

_HIGHEST = jax.lax.Precision.HIGHEST


@struct.dataclass
class PoissonEmissionParams:
    """``rates [K, D]``: :math:`\\lambda_{kd}`, the mean count of feature ``d`` in state ``k``."""

    rates: jax.Array


@struct.dataclass
class PoissonEmissions:
    """Poisson emissions with hmmlearn's gamma prior.

    Attributes:
        lambdas_prior: :math:`\\alpha`, broadcastable to ``[K, D]``.
        lambdas_weight: :math:`\\beta`, broadcastable to ``[K, D]``.
    """

    lambdas_prior: jax.Array
    lambdas_weight: jax.Array

    def log_likelihoods(self, params: PoissonEmissionParams, x: jax.Array) -> jax.Array:
        """``[..., K]`` :math:`\\log p(x \\mid k)` for counts ``x [..., D]``."""
        log_rates = jnp.log(params.rates)
        dot = jnp.einsum("...d,kd->...k", x, log_rates, precision=_HIGHEST)
        log_factorial = jnp.sum(jax.lax.lgamma(x + 1.0), axis=-1, keepdims=True)
        return dot - jnp.sum(params.rates, axis=-1) - log_factorial

    def statistics(self, x: jax.Array, weighted_posteriors: jax.Array, params=None) -> dict:
        """``post [K]`` and ``obs [K, D]`` from ``x [M, D]`` and ``weighted_posteriors [M, K]``."""
        return {
            "post": jnp.sum(weighted_posteriors, axis=0),
            "obs": jnp.matmul(weighted_posteriors.T, x, precision=_HIGHEST),
        }

    def m_step(self, stats: dict, initial: PoissonEmissionParams, learn: str):
        """hmmlearn's update of the rates when ``learn`` holds ``l``."""
        if "l" not in learn:
            return initial
        post = stats["post"][:, None]
        has_mass = post > 0
        mean_counts = stats["obs"] / jnp.where(has_mass, post, 1.0)
        total = jnp.sum(stats["post"])
        rates = (self.lambdas_prior + total * mean_counts) / (self.lambdas_weight + total)
        return PoissonEmissionParams(jnp.where(has_mass, rates, initial.rates))

    def sample(self, params: PoissonEmissionParams, states: jax.Array, *, key: jax.Array):
        """``[T, D]`` int32 counts :math:`x_{td} \\sim \\mathrm{Poisson}(\\lambda_{z_t d})`."""
        rates = params.rates[states]
        return jax.random.poisson(key, rates, rates.shape)
