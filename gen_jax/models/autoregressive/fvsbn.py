r"""The fully visible sigmoid belief network (FVSBN): a logistic autoregressive model of
binary vectors.

A Bayesian network over :math:`x \in \{0, 1\}^D` whose DAG is complete in the fixed order
:math:`1, \dots, D`, every conditional a logistic regression on the preceding bits:

.. math::
    p(x) = \prod_{i=1}^D p(x_i \mid x_{<i}), \qquad
    p(x_i = 1 \mid x_{<i}) = \sigma\Big(b_i + \sum_{j<i} W_{ij} x_j\Big),

with :math:`W` strictly lower triangular (:math:`D(D+1)/2` free parameters). All the
conditionals' logits come from one masked matrix product, :math:`\ell = x\,
\mathrm{tril}_{-1}(W)^\top + b`, so the log-likelihood
:math:`\sum_i x_i \ell_i - \operatorname{softplus}(\ell_i)` is exact and costs
:math:`O(D^2)` per example; there is no partition function. Sampling is sequential: bit
:math:`i` is drawn once bits :math:`< i` exist (a ``lax.scan`` over :math:`i`).
Training maximises the log-likelihood by gradient ascent
(:func:`gen_jax.algorithms.fvsbn.make_fvsbn_step`, a Step).

References:
    Frey (1998), Graphical Models for Machine Learning and Digital Communication, MIT Press
    (the fully visible sigmoid belief network).
    Neal (1992), Connectionist learning of belief networks, Artificial Intelligence 56.
    Bengio & Bengio (2000), Modeling high-dimensional discrete data with multi-layer neural
    networks, NIPS 12.
    Larochelle & Murray (2011), The neural autoregressive distribution estimator, AISTATS
    (the FVSBN as a baseline).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from gen_jax.losses.likelihoods import bernoulli_log_prob

__all__ = ["fvsbn_log_prob", "fvsbn_logits", "fvsbn_sample", "init_fvsbn_params"]


def init_fvsbn_params(
    key: jax.Array, num_visible: int, *, scale: float = 0.01, dtype=jnp.float32
) -> dict[str, jax.Array]:
    """``{"weights": [D, D], "bias": [D]}``: weights ~ N(0, scale²), bias 0.

    Only the strictly lower triangle of ``weights`` is used (and receives gradients).
    """
    if not isinstance(num_visible, int) or num_visible < 1:
        raise ValueError(f"num_visible={num_visible!r}: must be an int >= 1")
    weights = scale * jax.random.normal(key, (num_visible, num_visible), dtype)
    return {"weights": jnp.tril(weights, -1), "bias": jnp.zeros((num_visible,), dtype)}


def fvsbn_logits(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    r"""``[*b, D]`` conditional logits :math:`\ell_i = b_i + \sum_{j<i} W_{ij} x_j`.

    Args:
        params: ``{"weights": [D, D], "bias": [D]}``.
        x: ``[*b, D]`` binary vectors (floats).
    """
    masked = jnp.tril(params["weights"], -1)
    return x @ masked.T + params["bias"]


def fvsbn_log_prob(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    """``[*b]`` exact :math:`\\log p(x)` of binary vectors ``x`` ``[*b, D]``."""
    return bernoulli_log_prob(fvsbn_logits(params, x), x)


def fvsbn_sample(params: dict[str, jax.Array], key: jax.Array, num_samples: int) -> jax.Array:
    """``[num_samples, D]`` exact samples, bit by bit in the model's order (``lax.scan``).

    Args:
        params: ``{"weights": [D, D], "bias": [D]}``.
        key: PRNG key.
        num_samples: how many vectors (static).
    """
    weights, bias = jnp.tril(params["weights"], -1), params["bias"]
    num_visible = bias.shape[0]

    def draw(x, inputs):
        i, bit_key = inputs
        # Bits >= i are still zero, and row i of the masked weights ignores them anyway.
        logits = x @ weights[i] + bias[i]
        bit = jax.random.bernoulli(bit_key, jax.nn.sigmoid(logits)).astype(x.dtype)
        return x.at[:, i].set(bit), None

    x = jnp.zeros((num_samples, num_visible), bias.dtype)
    keys = jax.random.split(key, num_visible)
    x, _ = jax.lax.scan(draw, x, (jnp.arange(num_visible), keys))
    return x
