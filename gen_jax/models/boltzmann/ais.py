r"""Annealed importance sampling (AIS) of an RBM's log partition function.

Anneals from a tractable base model :math:`p_A(v) \propto e^{b_A^\top v}` (Bernoulli; a
unit Gaussian around :math:`b_A` for Gaussian visible units; no hidden interaction) to the
RBM :math:`p_B` through

.. math::
    \log p^*_\beta(v) = (1 - \beta)\, g_A(v) + \beta\, g_B(v)
        + \sum_j \operatorname{softplus}\big(\beta\,(c_j + (W^\top v)_j)\big),

with :math:`g_A(v) = b_A^\top v` and :math:`g_B(v) = b^\top v` (Bernoulli) or
:math:`g(v) = -\tfrac12\lVert v - b\rVert^2` (Gaussian), for
:math:`0 = \beta_0 < \dots < \beta_K = 1`. Each chain accumulates
:math:`\log w = \sum_k \log p^*_{\beta_k}(v_k) - \log p^*_{\beta_{k-1}}(v_k)` and moves by
one Gibbs sweep that leaves :math:`p_{\beta_k}` invariant; then
:math:`\hat Z_B = Z_A \cdot \operatorname{mean}(w)`, unbiased in :math:`Z_B` (so
:math:`\log \hat Z_B` is biased low in expectation: a stochastic lower bound). The base
biases :math:`b_A` are the data's smoothed log-odds (:func:`base_rate_visible_bias`) or 0.

References:
    Neal (2001), Annealed importance sampling, Statistics and Computing 11.
    Salakhutdinov & Murray (2008), On the quantitative analysis of deep belief networks,
    ICML (section 4).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
from flax import struct

from gen_jax.models.boltzmann.rbm import RBMParams, check_visible_type, hidden_logits, sample_hidden


@struct.dataclass
class AISResult:
    """An AIS estimate.

    Attributes:
        log_partition: scalar :math:`\\log \\hat Z`.
        log_weights: ``[num_chains]`` final log importance weights.
        log_partition_base: scalar :math:`\\log Z_A` of the base model.
    """

    log_partition: jax.Array
    log_weights: jax.Array
    log_partition_base: jax.Array

    @property
    def effective_sample_size(self) -> jax.Array:
        """Kish's effective number of chains, ``(sum w)^2 / sum w^2``."""
        normalized = jax.nn.softmax(self.log_weights)
        return 1.0 / jnp.sum(normalized**2)


def base_rate_visible_bias(data: jax.Array, *, pseudo_count: float = 1.0) -> jax.Array:
    """``[V]`` log-odds of each visible unit's smoothed mean in ``data [N, V]`` (binary).

    The base-rate model of Salakhutdinov & Murray (2008); for Gaussian units use the data
    mean directly.
    """
    mean = (jnp.sum(data, axis=0) + pseudo_count) / (data.shape[0] + 2 * pseudo_count)
    return jnp.log(mean) - jnp.log1p(-mean)


def _visible_term(v, bias, visible):
    if visible == "bernoulli":
        return v @ bias
    return -0.5 * jnp.sum((v - bias) ** 2, axis=-1)


def _log_unnormalized(params: RBMParams, base_bias, v, beta, visible):
    """``log p*_beta(v)`` of the annealing path."""
    visible_part = (1.0 - beta) * _visible_term(v, base_bias, visible) + beta * _visible_term(
        v, params.visible_bias, visible
    )
    return visible_part + jnp.sum(jax.nn.softplus(beta * hidden_logits(params, v)), axis=-1)


def _transition(params: RBMParams, base_bias, v, beta, key, visible):
    """One Gibbs sweep ``v -> h -> v`` leaving ``p_beta`` invariant."""
    hidden_key, visible_key = jax.random.split(key)
    scaled = RBMParams(
        weights=beta * params.weights,
        visible_bias=(1.0 - beta) * base_bias + beta * params.visible_bias,
        hidden_bias=beta * params.hidden_bias,
    )
    h = sample_hidden(scaled, v, key=hidden_key)
    mean = h @ scaled.weights.T + scaled.visible_bias
    if visible == "bernoulli":
        return jax.random.bernoulli(visible_key, jax.nn.sigmoid(mean)).astype(mean.dtype)
    return mean + jax.random.normal(visible_key, mean.shape, mean.dtype)


def _log_partition_base(base_bias, num_hidden, visible):
    """``log Z_A``: the visible base model times ``2^H`` from the uncoupled hidden units."""
    hidden = num_hidden * math.log(2.0)
    if visible == "bernoulli":
        return jnp.sum(jax.nn.softplus(base_bias)) + hidden
    return jnp.asarray(0.5 * base_bias.shape[0] * math.log(2 * math.pi) + hidden, base_bias.dtype)


@functools.partial(jax.jit, static_argnames=("num_chains", "num_betas", "visible"))
def rbm_ais_log_partition(
    params: RBMParams,
    *,
    key: jax.Array,
    num_chains: int = 100,
    num_betas: int = 10_000,
    base_visible_bias: jax.Array | None = None,
    visible: str = "bernoulli",
) -> AISResult:
    """AIS estimate of an RBM's :math:`\\log Z`, all chains in one ``lax.scan``.

    Args:
        params: the RBM (``V`` visible, ``H`` hidden units).
        key: randomness of the base draws and the transitions.
        num_chains: independent annealing runs (vmapped).
        num_betas: inverse temperatures, ``linspace(0, 1, num_betas)``; Salakhutdinov &
            Murray use about 15,000 for MNIST-sized RBMs.
        base_visible_bias: ``[V]`` base model biases :math:`b_A`; zeros by default.
        visible: ``"bernoulli"`` or ``"gaussian"``.

    Returns:
        An :class:`AISResult`.
    """
    check_visible_type(visible)
    if num_chains < 1 or num_betas < 2:
        raise ValueError(
            f"num_chains={num_chains}, num_betas={num_betas}: need >= 1 chain and >= 2 betas"
        )
    dtype = params.weights.dtype
    base_bias = (
        jnp.zeros(params.num_visible, dtype)
        if base_visible_bias is None
        else jnp.asarray(base_visible_bias, dtype)
    )
    start_key, chain_key = jax.random.split(key)
    shape = (num_chains, params.num_visible)
    if visible == "bernoulli":
        v = jax.random.bernoulli(start_key, jax.nn.sigmoid(base_bias), shape).astype(dtype)
    else:
        v = base_bias + jax.random.normal(start_key, shape, dtype)
    betas = jnp.linspace(0.0, 1.0, num_betas, dtype=dtype)

    def anneal(carry, inputs):
        v, log_weights = carry
        beta_prev, beta, step_key = inputs
        log_weights = (
            log_weights
            + _log_unnormalized(params, base_bias, v, beta, visible)
            - _log_unnormalized(params, base_bias, v, beta_prev, visible)
        )
        v = _transition(params, base_bias, v, beta, step_key, visible)
        return (v, log_weights), None

    keys = jax.random.split(chain_key, num_betas - 1)
    (_, log_weights), _ = jax.lax.scan(
        anneal, (v, jnp.zeros(num_chains, dtype)), (betas[:-1], betas[1:], keys)
    )
    log_base = _log_partition_base(base_bias, params.num_hidden, visible)
    log_mean_weight = jax.nn.logsumexp(log_weights) - math.log(num_chains)
    return AISResult(
        log_partition=log_base + log_mean_weight,
        log_weights=log_weights,
        log_partition_base=log_base,
    )
