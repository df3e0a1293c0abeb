r"""Restricted Boltzmann machines: energy, conditionals, free energy and Gibbs sampling.

Pure functions on an :class:`RBMParams` pytree, for binary hidden units ``h`` and either
binary (``visible="bernoulli"``) or unit-variance Gaussian (``visible="gaussian"``)
visible units ``v``. With weights :math:`W \in \mathbb R^{V \times H}`, visible bias
:math:`b` and hidden bias :math:`c`,

.. math::
    E_{\mathrm{BB}}(v, h) = -b^\top v - c^\top h - v^\top W h, \qquad
    E_{\mathrm{GB}}(v, h) = \tfrac12 \lVert v - b \rVert^2 - c^\top h - v^\top W h,

so :math:`p(h_j = 1 \mid v) = \sigma(c_j + (W^\top v)_j)`, and
:math:`p(v_i = 1 \mid h) = \sigma(b_i + (W h)_i)` (Bernoulli) or
:math:`v \mid h \sim \mathcal N(b + W h, I)` (Gaussian). Summing out ``h`` gives the free
energy :math:`F(v) = -\log \sum_h e^{-E(v, h)}`, whence
:math:`\log p(v) = -F(v) - \log Z`. Gaussian-Bernoulli RBMs expect standardised data.

Every function takes a single example or a batch: leading axes of ``v``/``h`` broadcast.

References:
    Smolensky (1986), Information processing in dynamical systems, PDP vol. 1 ch. 6.
    Hinton (2002), Training products of experts by minimizing contrastive divergence,
    Neural Computation 14(8).
    Hinton (2010), A practical guide to training restricted Boltzmann machines, UTML TR
    2010-003 (Gaussian visible units: section 13.2).
    Besag (1975), Statistical analysis of non-lattice data (pseudo-likelihood).
"""

from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
from flax import struct

VISIBLE_TYPES = ("bernoulli", "gaussian")


@struct.dataclass
class RBMParams:
    """Parameters of an RBM with ``V`` visible and ``H`` hidden units.

    Attributes:
        weights: ``[V, H]`` interaction weights ``W``.
        visible_bias: ``[V]`` visible bias ``b`` (the Gaussian units' mean offset).
        hidden_bias: ``[H]`` hidden bias ``c``.
    """

    weights: jax.Array
    visible_bias: jax.Array
    hidden_bias: jax.Array

    @property
    def num_visible(self) -> int:
        return self.weights.shape[0]

    @property
    def num_hidden(self) -> int:
        return self.weights.shape[1]


def check_visible_type(visible: str) -> None:
    """Raise a ``ValueError`` unless ``visible`` is one of :data:`VISIBLE_TYPES`."""
    if visible not in VISIBLE_TYPES:
        raise ValueError(f"visible={visible!r}; choose one of {VISIBLE_TYPES}")


def init_rbm_params(
    key: jax.Array, num_visible: int, num_hidden: int, *, scale: float = 0.01, dtype=jnp.float32
) -> RBMParams:
    """Weights ``N(0, scale^2)``, zero biases (Hinton's guide; scikit-learn's start)."""
    if num_visible < 1 or num_hidden < 1:
        raise ValueError(
            f"num_visible={num_visible}, num_hidden={num_hidden}: an RBM needs at least one "
            "unit in each layer"
        )
    weights = scale * jax.random.normal(key, (num_visible, num_hidden), dtype)
    return RBMParams(
        weights=weights,
        visible_bias=jnp.zeros(num_visible, dtype),
        hidden_bias=jnp.zeros(num_hidden, dtype),
    )


def hidden_logits(params: RBMParams, v: jax.Array) -> jax.Array:
    """``[..., H]`` pre-activations :math:`c + W^\\top v` of the hidden units."""
    return v @ params.weights + params.hidden_bias


def hidden_probabilities(params: RBMParams, v: jax.Array) -> jax.Array:
    """``[..., H]`` :math:`p(h_j = 1 \\mid v)`."""
    return jax.nn.sigmoid(hidden_logits(params, v))


def visible_mean(params: RBMParams, h: jax.Array, *, visible: str = "bernoulli") -> jax.Array:
    """``[..., V]`` :math:`E[v \\mid h]`: a sigmoid (Bernoulli) or ``b + W h`` (Gaussian)."""
    check_visible_type(visible)
    activation = h @ params.weights.T + params.visible_bias
    return jax.nn.sigmoid(activation) if visible == "bernoulli" else activation


def sample_hidden(params: RBMParams, v: jax.Array, *, key: jax.Array) -> jax.Array:
    """``[..., H]`` binary draw from :math:`p(h \\mid v)`, in ``v``'s dtype."""
    probabilities = hidden_probabilities(params, v)
    return jax.random.bernoulli(key, probabilities).astype(probabilities.dtype)


def sample_visible(
    params: RBMParams, h: jax.Array, *, key: jax.Array, visible: str = "bernoulli"
) -> jax.Array:
    """``[..., V]`` draw from :math:`p(v \\mid h)`."""
    mean = visible_mean(params, h, visible=visible)
    if visible == "bernoulli":
        return jax.random.bernoulli(key, mean).astype(mean.dtype)
    return mean + jax.random.normal(key, mean.shape, mean.dtype)


def energy(params: RBMParams, v: jax.Array, h: jax.Array, *, visible: str = "bernoulli"):
    """``[...]`` energy :math:`E(v, h)` of joint configurations."""
    check_visible_type(visible)
    interaction = jnp.sum((v @ params.weights) * h, axis=-1) + h @ params.hidden_bias
    if visible == "bernoulli":
        return -(v @ params.visible_bias) - interaction
    return 0.5 * jnp.sum((v - params.visible_bias) ** 2, axis=-1) - interaction


def free_energy(params: RBMParams, v: jax.Array, *, visible: str = "bernoulli") -> jax.Array:
    """``[...]`` free energy :math:`F(v) = -\\log \\sum_h e^{-E(v, h)}`."""
    check_visible_type(visible)
    hidden_term = jnp.sum(jax.nn.softplus(hidden_logits(params, v)), axis=-1)
    if visible == "bernoulli":
        return -(v @ params.visible_bias) - hidden_term
    return 0.5 * jnp.sum((v - params.visible_bias) ** 2, axis=-1) - hidden_term


def gibbs_step(
    params: RBMParams, v: jax.Array, *, key: jax.Array, visible: str = "bernoulli"
) -> jax.Array:
    """One block-Gibbs sweep ``v -> h ~ p(h|v) -> v' ~ p(v|h)``; returns ``v'``."""
    hidden_key, visible_key = jax.random.split(key)
    h = sample_hidden(params, v, key=hidden_key)
    return sample_visible(params, h, key=visible_key, visible=visible)


def gibbs_chain(
    params: RBMParams,
    v: jax.Array,
    *,
    key: jax.Array,
    num_steps: int,
    visible: str = "bernoulli",
) -> jax.Array:
    """``num_steps`` Gibbs sweeps from ``v`` (``[..., V]``) in a ``lax.scan``; the last ``v``."""

    def sweep(state, step_key):
        return gibbs_step(params, state, key=step_key, visible=visible), None

    final, _ = jax.lax.scan(sweep, v, jax.random.split(key, num_steps))
    return final


def reconstruct(params: RBMParams, v: jax.Array, *, visible: str = "bernoulli") -> jax.Array:
    """Mean-field reconstruction :math:`E[v' \\mid h = p(h \\mid v)]`, ``[..., V]``."""
    return visible_mean(params, hidden_probabilities(params, v), visible=visible)


def pseudo_log_likelihood(params: RBMParams, v: jax.Array) -> jax.Array:
    r"""``[...]`` exact pseudo-log-likelihood of binary ``v`` (Bernoulli visible units).

    .. math::
        \mathrm{PL}(v) = \sum_i \log p(v_i \mid v_{\neg i})
            = \sum_i \log \sigma\big(F(\tilde v^{(i)}) - F(v)\big),

    where :math:`\tilde v^{(i)}` is ``v`` with bit ``i`` flipped. scikit-learn's
    ``score_samples`` is the one-random-flip estimate ``V * log σ(F(ṽ⁽ⁱ⁾) - F(v))`` of the
    same quantity. Costs ``O(V H)`` per example beyond one hidden pass.
    """
    logits = hidden_logits(params, v)  # [..., H]
    flip = 1.0 - 2.0 * v  # +1 where bit is 0, -1 where 1: the change of v_i
    flipped_logits = logits[..., None, :] + flip[..., :, None] * params.weights  # [..., V, H]
    # F(flipped) - F(v), one entry per visible unit.
    delta = -flip * params.visible_bias - jnp.sum(
        jax.nn.softplus(flipped_logits) - jax.nn.softplus(logits)[..., None, :], axis=-1
    )
    return jnp.sum(jax.nn.log_sigmoid(delta), axis=-1)


def all_binary_states(num_units: int, dtype=jnp.float32) -> jax.Array:
    """``[2^n, n]`` every binary vector of length ``n`` (for exact enumeration)."""
    if num_units > 24:
        raise ValueError(f"num_units={num_units}: enumerating 2^{num_units} states is too many")
    return jnp.asarray(list(itertools.product((0.0, 1.0), repeat=num_units)), dtype)


def exact_log_partition(params: RBMParams, *, visible: str = "bernoulli") -> jax.Array:
    r"""Exact :math:`\log Z` by enumerating the ``2^H`` hidden states (small ``H`` only).

    Bernoulli: :math:`\log Z = \operatorname{logsumexp}_h [c^\top h
    + \sum_i \mathrm{softplus}(b_i + (W h)_i)]`. Gaussian: the visible integral is
    Gaussian, :math:`\log Z = \operatorname{logsumexp}_h [c^\top h + b^\top W h
    + \tfrac12 \lVert W h \rVert^2] + \tfrac V2 \log 2\pi`.
    """
    check_visible_type(visible)
    h = all_binary_states(params.num_hidden, params.weights.dtype)
    field = h @ params.weights.T  # [2^H, V]
    if visible == "bernoulli":
        terms = h @ params.hidden_bias + jnp.sum(
            jax.nn.softplus(field + params.visible_bias), axis=-1
        )
        return jax.nn.logsumexp(terms)
    terms = h @ params.hidden_bias + field @ params.visible_bias + 0.5 * jnp.sum(field**2, -1)
    return jax.nn.logsumexp(terms) + 0.5 * params.num_visible * math.log(2 * math.pi)


def log_likelihood(
    params: RBMParams, v: jax.Array, log_partition: jax.Array, *, visible: str = "bernoulli"
) -> jax.Array:
    """``[...]`` :math:`\\log p(v) = -F(v) - \\log Z` given an exact or AIS ``log_partition``."""
    return -free_energy(params, v, visible=visible) - log_partition
