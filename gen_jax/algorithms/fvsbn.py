r"""Maximum-likelihood (or MAP) training of the fully visible sigmoid belief network.

The model's math is in :mod:`gen_jax.models.autoregressive.fvsbn`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.step import Step
from gen_jax.models.autoregressive.fvsbn import fvsbn_log_prob, init_fvsbn_params


def make_fvsbn_step(
    optimizer: optax.GradientTransformation,
    *,
    l2_penalty: float = 0.0,
    init_scale: float = 0.01,
    data_key: str = "x",
) -> Step:
    r"""A Step of maximum-likelihood (or, with ``l2_penalty``, MAP) training of an FVSBN.

    The objective minimised is
    :math:`-\frac1B \sum_n \log p(x_n) + \lambda \lVert \mathrm{tril}_{-1}(W) \rVert^2`.
    The batch is a dict whose ``data_key`` entry is ``[B, D]`` binary floats. The Step is
    :func:`~gen_jax.algorithms.gradient.make_gradient_step`'s, over a
    :class:`~gen_jax.core.state.TrainState`; metrics: ``loss``, ``log_likelihood`` (mean
    per example, nats) and ``grad_norm``. The key is unused (the gradient is exact).
    """
    if not l2_penalty >= 0:
        raise ValueError(f"l2_penalty={l2_penalty!r}: must be a number >= 0")

    def init(key: jax.Array, batch):
        x = _batch_array(batch, data_key)
        dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else jnp.float32
        return init_fvsbn_params(key, x.shape[1], scale=init_scale, dtype=dtype)

    def objective(params, batch, key):
        del key  # the gradient is exact
        x = _batch_array(batch, data_key).astype(params["bias"].dtype)
        log_likelihood = jnp.mean(fvsbn_log_prob(params, x))
        penalty = l2_penalty * jnp.sum(jnp.square(jnp.tril(params["weights"], -1)))
        return penalty - log_likelihood, {"log_likelihood": log_likelihood}

    return make_gradient_step(objective, init, optimizer)


def _batch_array(batch, data_key: str) -> jax.Array:
    if data_key not in batch:
        raise KeyError(
            f"batch has keys {sorted(batch)}; make_fvsbn_step(data_key=...) expects {data_key!r}"
        )
    x = batch[data_key]
    if x.ndim != 2:
        raise ValueError(f"batch[{data_key!r}] has shape {x.shape}; pass [batch, num_visible]")
    return x
