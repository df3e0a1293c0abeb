r"""Maximum-likelihood training of explicit-density models: one generic Step.

For a model with a tractable log-likelihood (MADE, PixelCNN, WaveNet, ...) the objective
is the mean negative log-likelihood of the batch,

.. math::
    \mathcal L(\theta) = -\frac1B \sum_{b=1}^B \log p_\theta(x_b \mid c_b),

which is the empirical form of :math:`\mathrm{KL}(p_\text{data} \,\|\, p_\theta)` up to a
constant. Metrics report it in nats per example (``nll``) and in bits per dimension
(``bits_per_dim`` :math:`= \mathcal L / (D \ln 2)`, :math:`D` the number of scalars in one
example).

References:
    Goodfellow, Bengio & Courville (2016), Deep Learning, ch. 5.5 (maximum likelihood).
    van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks,
    arXiv:1601.06759 (bits per dimension).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step

LogProbFn = Callable[..., jax.Array]


def _bits_per_dim(nll_nats: jax.Array, num_dims: int) -> jax.Array:
    """Nats per example to bits per dimension, traceable (host values: ``gen_jax.eval``)."""
    return nll_nats / (num_dims * math.log(2.0))


def _model_inputs(batch, data_key: str, condition_key: str | None) -> tuple[jax.Array, ...]:
    for key in (data_key, condition_key):
        if key is not None and key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_likelihood_step expects {key!r} "
                "(set data_key= / condition_key= to the batch's entries)"
            )
    x = batch[data_key]
    return (x,) if condition_key is None else (x, batch[condition_key])


def make_likelihood_step(
    model: nn.Module,
    optimizer: optax.GradientTransformation,
    log_prob_fn: LogProbFn,
    *,
    data_key: str = "image",
    condition_key: str | None = None,
) -> Step:
    """A Step that fits ``model`` by maximum likelihood.

    Args:
        model: a Linen module; ``model.init(key, x)`` (or ``model.init(key, x, condition)``
            with ``condition_key``) creates its parameters.
        optimizer: the optax optimiser.
        log_prob_fn: ``log_prob_fn(model, params, x, condition, *, key) -> [B]``, the exact
            :math:`\\log p(x_b \\mid c_b)` in nats; ``condition`` is ``None`` without
            ``condition_key``; ``key`` drives any randomness of training (MADE's mask
            resampling). Examples: ``made_log_prob``, ``pixelcnn_log_prob``,
            ``wavenet_log_prob``.
        data_key: the batch entry holding ``x [B, ...]``.
        condition_key: the batch entry holding the conditioning input (class labels), or
            ``None`` for an unconditional model.

    Returns:
        A Step of :func:`~gen_jax.algorithms.gradient.make_gradient_step` over
        ``TrainState``; metrics ``loss`` (= ``nll``), ``nll`` (nats per
        example), ``bits_per_dim`` and ``grad_norm``.
    """
    if not callable(log_prob_fn):
        raise TypeError(f"log_prob_fn={log_prob_fn!r} must be callable; pass e.g. made_log_prob")

    def objective(params, batch, key):
        inputs = _model_inputs(batch, data_key, condition_key)
        x, condition = inputs[0], (inputs[1] if len(inputs) > 1 else None)
        log_prob = log_prob_fn(model, params, x, condition, key=key)
        nll = -jnp.mean(log_prob)
        num_dims = math.prod(x.shape[1:])
        return nll, {"loss": nll, "nll": nll, "bits_per_dim": _bits_per_dim(nll, num_dims)}

    def init(key: jax.Array, batch):
        inputs = _model_inputs(batch, data_key, condition_key)
        return model.init(split_named(key, "params")["params"], *inputs)["params"]

    return make_gradient_step(objective, init, optimizer)
