r"""Penalised latent and output attacks on autoencoders (Tabacof et al., 2016).

Given a feature map :math:`f` (an encoder's posterior mean, or the reconstruction
:math:`\mathrm{dec}(\mathrm{enc}(x))`), a reference input :math:`x_r` and a target
:math:`x_t`, the attack finds the perturbation

.. math::
    d^\star(\lambda) = \arg\min_{d}\; D\big(f(x_r + d), f(x_t)\big) + \lambda\,\Omega(d)
    \quad\text{s.t.}\quad \mathrm{low} \le x_r + d \le \mathrm{high},

with :math:`D` the squared Euclidean distance (or the Gaussian KL between posteriors,
:func:`gaussian_kl_distance`) and :math:`\Omega` one of ``"l2_squared"``
(:math:`\|d\|_2^2`), ``"l2"`` (:math:`\|d\|_2`) or ``"l1"`` (:math:`\|d\|_1`). The
minimisation is projected Adam: ``num_steps`` Adam updates with a cosine-decayed learning
rate, each followed by the exact projection onto the box (a coordinate-wise clip), inside
one ``lax.scan`` from :math:`d = 0`. The whole sweep, ``L`` penalty weights times ``B``
examples, is one jitted, doubly vmapped call. Small :math:`\lambda` buys a close code match
at a large distortion; large :math:`\lambda` keeps :math:`x_r` nearly unchanged.

Functions are per example: ``feature_fn(x [*event]) -> features [...]``; wrap a batched
network with :func:`gen_jax.attacks.per_example`.

References:
    Tabacof, Tavares & Valle (2016), Adversarial Images for Variational Autoencoders,
    arXiv:1612.00155.
    Gondim-Ribeiro, Tabacof & Valle (2018), Adversarial Attacks on Variational
    Autoencoders, arXiv:1806.04646.
    Kos, Fischer & Song (2018), Adversarial Examples for Generative Models,
    arXiv:1702.06832.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from gen_jax.attacks import _checks
from gen_jax.core.optim import apply_optimizer
from gen_jax.losses import gaussian_kl_between

_NORM_FLOOR = 1e-12


class AttackResult(NamedTuple):
    """The outcome of an attack sweep over ``L`` budgets and ``B`` examples.

    Attributes:
        adversarial: ``[L, B, *event]`` the adversarial inputs ``x_ref + perturbation``
            (clipped into the box once more, against float rounding).
        perturbation: ``[L, B, *event]``.
        feature_distance: ``[L, B]`` ``D(f(adversarial), f(x_target))``.
        l2_distortion: ``[L, B]`` the Euclidean norm of each perturbation.
        linf_distortion: ``[L, B]`` the largest absolute change of each perturbation.
    """

    adversarial: jax.Array
    perturbation: jax.Array
    feature_distance: jax.Array
    l2_distortion: jax.Array
    linf_distortion: jax.Array


def squared_distance(features: jax.Array, target_features: jax.Array) -> jax.Array:
    """:math:`\\|f - f_t\\|_2^2` summed over every axis; a scalar."""
    return jnp.sum(jnp.square(features - target_features))


def gaussian_kl_distance(features, target_features) -> jax.Array:
    """KL(q(z | x_adv) || q(z | x_t)) for features ``(mean [k], log_var [k])``; a scalar."""
    (mean, log_var), (target_mean, target_log_var) = features, target_features
    return gaussian_kl_between(mean, log_var, target_mean, target_log_var)


def perturbation_penalty(delta: jax.Array, penalty: str) -> jax.Array:
    """:math:`\\Omega(d)` for ``penalty`` in ``("l2_squared", "l2", "l1")``; a scalar.

    The ``"l2"`` norm is :math:`\\sqrt{\\|d\\|^2 + 10^{-12}}` so its gradient at 0 is finite.
    """
    if penalty == "l2_squared":
        return jnp.sum(jnp.square(delta))
    if penalty == "l2":
        return jnp.sqrt(jnp.sum(jnp.square(delta)) + _NORM_FLOOR)
    return jnp.sum(jnp.abs(delta))


def project_to_box(x_ref: jax.Array, delta: jax.Array, box: tuple[float, float] | None):
    """The perturbation nearest ``delta`` with ``x_ref + delta`` inside ``box`` (a clip)."""
    if box is None:
        return delta
    return jnp.clip(x_ref + delta, box[0], box[1]) - x_ref


@dataclasses.dataclass(frozen=True)
class _Reconstruction:
    """``x -> decode(encode(x))``, hashable by its two functions (one compile per pair)."""

    encode: Callable
    decode: Callable

    def __call__(self, x):
        return self.decode(self.encode(x))


def _summarise(feature_fn, distance, x_ref, x_target, delta, box) -> AttackResult:
    """Fills an :class:`AttackResult` from perturbations ``[L, B, *event]``.

    The adversarial inputs are clipped into ``box`` once more, so that float rounding of
    ``x_ref + delta`` cannot leave it.
    """
    adversarial = x_ref + delta
    if box is not None:
        adversarial = jnp.clip(adversarial, box[0], box[1])
    targets = jax.vmap(feature_fn)(x_target)

    def example_distance(x, target):
        return distance(feature_fn(x), target)

    feature_distance = jax.vmap(jax.vmap(example_distance), in_axes=(0, None))(adversarial, targets)
    flat = delta.reshape(*delta.shape[:2], -1)
    return AttackResult(
        adversarial=adversarial,
        perturbation=delta,
        feature_distance=feature_distance,
        l2_distortion=jnp.linalg.norm(flat, axis=-1),
        linf_distortion=jnp.max(jnp.abs(flat), axis=-1),
    )


@functools.partial(
    jax.jit, static_argnames=("feature_fn", "distance", "penalty", "num_steps", "box")
)
def _penalised_sweep(
    x_ref,
    x_target,
    penalty_weights,
    learning_rate,
    *,
    feature_fn,
    distance,
    penalty,
    num_steps,
    box,
) -> AttackResult:
    optimizer = optax.adam(optax.cosine_decay_schedule(learning_rate, num_steps))

    def attack_one(weight, x, target):
        target_features = feature_fn(target)

        def objective(delta):
            mismatch = distance(feature_fn(x + delta), target_features)
            return mismatch + weight * perturbation_penalty(delta, penalty)

        def update(carry, _):
            delta, opt_state = carry
            grads = jax.grad(objective)(delta)
            delta, opt_state = apply_optimizer(optimizer, grads, opt_state, delta)
            return (project_to_box(x, delta, box), opt_state), None

        start = jnp.zeros_like(x)
        (delta, _), _ = jax.lax.scan(update, (start, optimizer.init(start)), length=num_steps)
        return delta

    per_weight = jax.vmap(attack_one, in_axes=(None, 0, 0))
    delta = jax.vmap(per_weight, in_axes=(0, None, None))(penalty_weights, x_ref, x_target)
    return _summarise(feature_fn, distance, x_ref, x_target, delta, box)


def feature_matching_attack(
    feature_fn: Callable,
    x_ref,
    x_target,
    penalty_weights,
    *,
    penalty: str = "l2_squared",
    distance: Callable = squared_distance,
    num_steps: int = 500,
    learning_rate: float = 0.01,
    box: tuple[float, float] | None = (0.0, 1.0),
) -> AttackResult:
    """Minimise ``distance(f(x_ref + d), f(x_target)) + lambda * penalty(d)`` in a box.

    Args:
        feature_fn: per-example ``x [*event] -> features`` (an array, or any pytree that
            ``distance`` accepts). Pass the same function object to reuse the compilation.
        x_ref: ``[B, *event]`` reference inputs, inside ``box``.
        x_target: ``[B, *event]`` targets whose features the attack matches.
        penalty_weights: ``lambda``, a number or ``[L]`` values ``>= 0``; the sweep is vmapped.
        penalty: ``"l2_squared"``, ``"l2"`` or ``"l1"``.
        distance: ``(features, target_features) -> scalar``; :func:`squared_distance` or
            :func:`gaussian_kl_distance`.
        num_steps: Adam steps (cosine-decayed learning rate), each followed by the box
            projection.
        learning_rate: Adam's initial step size, in input units.
        box: ``(low, high)`` bounds of a valid input, or ``None`` for no constraint.

    Returns:
        An :class:`AttackResult` with leading axes ``[L, B]``.

    Raises:
        ValueError: on a negative or non-finite ``penalty_weights``, mismatched
            ``x_ref``/``x_target`` shapes, ``x_ref`` outside ``box``, an unknown
            ``penalty``, or a non-positive ``num_steps``/``learning_rate``.
    """
    x_ref, x_target = _checks.check_pair(x_ref, x_target)
    weights = _checks.check_budgets(
        "penalty_weights", penalty_weights, fix="use lambda >= 0 (0 ignores the distortion)"
    )
    return _penalised_sweep(
        x_ref,
        x_target,
        weights,
        _checks.check_positive("learning_rate", learning_rate),
        feature_fn=feature_fn,
        distance=distance,
        penalty=_checks.check_choice("penalty", penalty, _checks.PENALTIES),
        num_steps=_checks.check_positive_int("num_steps", num_steps),
        box=_checks.check_box(box, x_ref),
    )


def latent_attack(encode: Callable, x_ref, x_target, penalty_weights, **options) -> AttackResult:
    """The latent attack: match the code ``encode(x_ref + d)`` to ``encode(x_target)``.

    ``encode`` is per example, ``x [*event] -> code [k]`` (e.g. the posterior mean), or
    ``(mean, log_var)`` with ``distance=gaussian_kl_distance``. Options and result as
    :func:`feature_matching_attack`.
    """
    return feature_matching_attack(encode, x_ref, x_target, penalty_weights, **options)


def output_attack(
    encode: Callable, decode: Callable, x_ref, x_target, penalty_weights, **options
) -> AttackResult:
    """The output attack: match ``decode(encode(x_ref + d))`` to ``decode(encode(x_target))``.

    Both functions are per example (``encode: x -> code``, ``decode: code -> x_hat``).
    Options and result as :func:`feature_matching_attack`; ``feature_distance`` is then the
    squared distance between the two reconstructions.
    """
    reconstruct = _Reconstruction(encode, decode)
    return feature_matching_attack(reconstruct, x_ref, x_target, penalty_weights, **options)
