r"""MADE: the masked autoencoder for distribution estimation of binary vectors.

An MLP whose weight matrices are multiplied by binary masks, so that output :math:`d` sees
only the inputs that precede :math:`d` in an ordering :math:`m`, which makes the outputs
the conditionals of an autoregressive factorisation:

.. math::
    p(x) = \prod_{d=1}^D p(x_d \mid x_{m < m(d)}), \qquad
    p(x_d = 1 \mid \cdot) = \sigma(\ell_d(x)).

Every input gets a degree :math:`m(d) \in \{1..D\}` (its place in the ordering), every
hidden unit a degree :math:`m^l(k) \sim \mathcal U\{\min_{k'} m^{l-1}(k'), \dots, D-1\}`;
the hidden masks are :math:`M^l_{k' k} = [m^l(k) \ge m^{l-1}(k')]` and the output mask
:math:`M_{k d} = [m(d) > m^L(k)]`. Here degrees are 0-based (:math:`0..D-1`).

``num_masks`` connectivity patterns (each with its own hidden degrees and, for
``ordering="random"``, its own input ordering) are fixed by ``seed``; order-agnostic
training picks one per minibatch (:func:`made_log_prob` with a key), and evaluation
averages the likelihood over all of them (:func:`made_ensemble_log_prob`), as in
Germain et al. (2015), section 4. The log-likelihood is exact; sampling
(:func:`made_sample`) needs :math:`D` passes, one per dimension in the ordering.

References:
    Germain, Gregor, Murray & Larochelle (2015), MADE: Masked Autoencoder for Distribution
    Estimation, ICML, arXiv:1502.03509.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.losses.likelihoods import bernoulli_log_prob

ORDERINGS = ("natural", "random")

__all__ = [
    "MADE",
    "ORDERINGS",
    "made_degrees",
    "made_ensemble_log_prob",
    "made_log_prob",
    "made_masks",
    "made_sample",
]


@functools.lru_cache(maxsize=32)
def made_degrees(
    num_inputs: int, hidden_sizes: tuple[int, ...], num_masks: int, ordering: str, seed: int
) -> tuple[np.ndarray, ...]:
    """Degrees of the inputs and of every hidden layer, for each of ``num_masks`` patterns.

    Args:
        num_inputs: :math:`D`, at least 2.
        hidden_sizes: widths of the hidden layers.
        num_masks: how many connectivity patterns.
        ordering: ``"natural"`` (input degree = index, in every pattern) or ``"random"``
            (pattern 0 natural, the others random permutations).
        seed: seed of the hidden degrees and the random orderings.

    Returns:
        One int array ``[num_masks, width]`` per layer, inputs first (degrees ``0..D-1``).
    """
    _check_structure(num_inputs, hidden_sizes, num_masks, ordering)
    rng = np.random.default_rng(seed)
    per_layer = [[] for _ in range(len(hidden_sizes) + 1)]
    for index in range(num_masks):
        natural = ordering == "natural" or index == 0
        degrees = np.arange(num_inputs) if natural else rng.permutation(num_inputs)
        per_layer[0].append(degrees)
        for layer, width in enumerate(hidden_sizes, start=1):
            low = min(int(degrees.min()), num_inputs - 2)
            degrees = rng.integers(low, num_inputs - 1, size=width)
            per_layer[layer].append(degrees)
    return tuple(np.stack(layer).astype(np.int32) for layer in per_layer)


def made_masks(
    num_inputs: int, hidden_sizes: tuple[int, ...], num_masks: int, ordering: str, seed: int
) -> tuple[np.ndarray, ...]:
    """The float masks ``[num_masks, fan_in, fan_out]`` of every layer, output layer last.

    Hidden layer masks connect unit ``k'`` to ``k`` iff ``m(k) >= m(k')``; the output mask
    connects hidden unit ``k`` to output ``d`` iff ``m(d) > m(k)``.
    """
    degrees = made_degrees(num_inputs, hidden_sizes, num_masks, ordering, seed)
    masks = [
        (later[:, None, :] >= earlier[:, :, None])
        for earlier, later in zip(degrees[:-1], degrees[1:], strict=True)
    ]
    masks.append(degrees[0][:, None, :] > degrees[-1][:, :, None])
    return tuple(mask.astype(np.float32) for mask in masks)


def _check_structure(num_inputs, hidden_sizes, num_masks, ordering) -> None:
    if not isinstance(num_inputs, int) or num_inputs < 2:
        raise ValueError(f"num_inputs={num_inputs!r}: MADE needs an int >= 2")
    if not hidden_sizes or any(not isinstance(w, int) or w < 1 for w in hidden_sizes):
        raise ValueError(f"hidden_sizes={hidden_sizes!r}: give one or more positive ints")
    if not isinstance(num_masks, int) or num_masks < 1:
        raise ValueError(f"num_masks={num_masks!r}: must be an int >= 1")
    if ordering not in ORDERINGS:
        raise ValueError(f"ordering={ordering!r}; choose one of {ORDERINGS}")


class MaskedDense(nn.Module):
    """``[B, fan_in] -> [B, features]``: a Dense layer whose kernel is multiplied by a mask.

    Attributes:
        features: output width.
    """

    features: int

    @nn.compact
    def __call__(self, x: jax.Array, mask: jax.Array) -> jax.Array:
        kernel = self.param(
            "kernel", nn.initializers.lecun_normal(), (x.shape[-1], self.features), x.dtype
        )
        bias = self.param("bias", nn.initializers.zeros, (self.features,), x.dtype)
        return x @ (kernel * mask.astype(x.dtype)) + bias


class MADE(nn.Module):
    """``x [B, D] (or [B, ...], flattened) -> logits [B, D]`` of the conditionals.

    Attributes:
        num_inputs: :math:`D`, the number of binary dimensions.
        hidden_sizes: widths of the masked hidden layers (ReLU).
        num_masks: number of connectivity patterns / orderings.
        ordering: ``"natural"`` or ``"random"`` (see :func:`made_degrees`).
        seed: seed of the patterns (fixed: they are part of the model, not parameters).
    """

    num_inputs: int
    hidden_sizes: Sequence[int] = (500,)
    num_masks: int = 1
    ordering: str = "natural"
    seed: int = 0

    def _structure(self) -> tuple[int, tuple[int, ...], int, str, int]:
        return (
            self.num_inputs,
            tuple(self.hidden_sizes),
            self.num_masks,
            self.ordering,
            self.seed,
        )

    def input_degrees(self) -> np.ndarray:
        """``[num_masks, D]``: the place of every input in each pattern's ordering."""
        return made_degrees(*self._structure())[0]

    @nn.compact
    def __call__(self, x: jax.Array, mask_index: jax.Array | int = 0) -> jax.Array:
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.num_inputs:
            raise ValueError(
                f"x has {x.shape[1]} dimensions per example but MADE(num_inputs="
                f"{self.num_inputs}); set num_inputs to the flattened example size"
            )
        masks = [jnp.asarray(mask)[mask_index] for mask in made_masks(*self._structure())]
        hidden = x
        for width, mask in zip(self.hidden_sizes, masks[:-1], strict=True):
            hidden = nn.relu(MaskedDense(width)(hidden, mask))
        return MaskedDense(self.num_inputs)(hidden, masks[-1])


def made_log_prob(
    model: MADE,
    params,
    x: jax.Array,
    condition: None = None,
    *,
    key: jax.Array | None = None,
    mask_index: jax.Array | int = 0,
) -> jax.Array:
    """``[B]`` exact :math:`\\log p(x)` (nats) under one connectivity pattern.

    With ``key`` the pattern is drawn uniformly (order-agnostic training, one pattern per
    minibatch); without, pattern ``mask_index`` is used. Fits ``make_likelihood_step``'s
    ``log_prob_fn``.

    Args:
        model: the ``MADE``.
        params: its parameters.
        x: ``[B, ...]`` binary data (floats in {0, 1}), ``D`` values per example.
        condition: must be ``None`` (MADE here is unconditional).
        key: optional randomness that picks the pattern.
        mask_index: the pattern used when ``key`` is ``None``.
    """
    if condition is not None:
        raise ValueError("made_log_prob: MADE is unconditional; use condition_key=None")
    if key is not None:
        mask_index = jax.random.randint(key, (), 0, model.num_masks)
    logits = model.apply({"params": params}, x, mask_index)
    return bernoulli_log_prob(logits, x.reshape(x.shape[0], -1))


def made_ensemble_log_prob(model: MADE, params, x: jax.Array) -> jax.Array:
    r"""``[B]`` :math:`\log \frac1K \sum_{k=1}^K p_k(x)`, the mixture over all ``K`` patterns.

    Each :math:`p_k` is a normalised distribution, so the mixture is one too.
    """
    flat = x.reshape(x.shape[0], -1)

    def one(mask_index):
        return bernoulli_log_prob(model.apply({"params": params}, x, mask_index), flat)

    log_probs = jax.vmap(one)(jnp.arange(model.num_masks))
    return jax.nn.logsumexp(log_probs, axis=0) - math.log(model.num_masks)


def made_sample(
    model: MADE, params, num_samples: int, *, key: jax.Array, mask_index: int = 0
) -> jax.Array:
    """``[num_samples, D]`` exact samples, drawn dimension by dimension in the ordering.

    Step :math:`t` runs the network on the partial sample and draws the input of degree
    :math:`t` from its conditional (a ``lax.scan`` of :math:`D` passes).

    Args:
        model: the ``MADE``.
        params: its parameters.
        num_samples: how many vectors.
        key: randomness.
        mask_index: which pattern (and ordering) to sample with.
    """
    if not 0 <= mask_index < model.num_masks:
        raise ValueError(f"mask_index={mask_index}: must be in [0, {model.num_masks})")
    dims_in_order = jnp.asarray(np.argsort(model.input_degrees()[mask_index]))
    keys = jax.random.split(key, model.num_inputs)

    def draw(x, inputs):
        dim, step_key = inputs
        logits = model.apply({"params": params}, x, mask_index)[:, dim]
        bit = jax.random.bernoulli(step_key, jax.nn.sigmoid(logits)).astype(x.dtype)
        return x.at[:, dim].set(bit), None

    x0 = jnp.zeros((num_samples, model.num_inputs), jnp.float32)
    samples, _ = jax.lax.scan(draw, x0, (dims_in_order, keys))
    return samples
