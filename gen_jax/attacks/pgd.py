r"""Budgeted (projected gradient) latent and output attacks in an L2 or L-infinity ball.

The constrained form of :mod:`gen_jax.attacks.latent`: for each budget :math:`\epsilon`,

.. math::
    \min_{d}\; D\big(f(x_r + d), f(x_t)\big)
    \quad\text{s.t.}\quad \|d\|_p \le \epsilon,\;\; \mathrm{low} \le x_r + d \le \mathrm{high},

by ``num_steps`` projected steps from :math:`d = 0`: for :math:`p = \infty` a signed
gradient step :math:`d \leftarrow d - \alpha\,\mathrm{sign}(\nabla_d D)`, clipped to
:math:`[-\epsilon, \epsilon]`; for :math:`p = 2` a normalised gradient step
:math:`d \leftarrow d - \alpha\,\nabla_d D / \|\nabla_d D\|_2`, rescaled into the ball.
Both are followed by the clip into the box; since ``x_ref`` is in the box, that clip only
shrinks coordinates, so the result satisfies both constraints exactly. The step decays as
:math:`\alpha_t = \alpha\,(1 + \cos(\pi t / T)) / 2` so that the iterates settle
instead of oscillating by :math:`\alpha` around the optimum (Madry et al. use a constant
step); the default :math:`\alpha = 4\epsilon / T` gives a path of total length
:math:`2\epsilon`. ``epsilon = 0`` returns ``x_ref`` unchanged.

References:
    Madry, Makelov, Schmidt, Tsipras & Vladu (2018), Towards Deep Learning Models
    Resistant to Adversarial Attacks, arXiv:1706.06083.
    Gondim-Ribeiro, Tabacof & Valle (2018), Adversarial Attacks on Variational
    Autoencoders, arXiv:1806.04646.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp

from gen_jax.attacks import _checks
from gen_jax.attacks.latent import (
    AttackResult,
    _Reconstruction,
    _summarise,
    project_to_box,
    squared_distance,
)

_NORM_FLOOR = 1e-12
DEFAULT_STEP_FACTOR = 4.0


def project_to_ball(delta: jax.Array, epsilon: jax.Array, norm: str) -> jax.Array:
    """The nearest point to ``delta`` in the ``norm`` ball of radius ``epsilon``."""
    if norm == "linf":
        return jnp.clip(delta, -epsilon, epsilon)
    length = jnp.sqrt(jnp.sum(jnp.square(delta)))
    return delta * jnp.minimum(1.0, epsilon / jnp.maximum(length, _NORM_FLOOR))


@functools.partial(jax.jit, static_argnames=("feature_fn", "distance", "norm", "num_steps", "box"))
def _pgd_sweep(
    x_ref, x_target, epsilons, step_sizes, *, feature_fn, distance, norm, num_steps, box
) -> AttackResult:
    def attack_one(epsilon, step_size, x, target):
        target_features = feature_fn(target)

        def mismatch(delta):
            return distance(feature_fn(x + delta), target_features)

        def update(delta, step):
            size = step_size * 0.5 * (1.0 + jnp.cos(jnp.pi * step / num_steps))
            grads = jax.grad(mismatch)(delta)
            if norm == "linf":
                direction = jnp.sign(grads)
            else:
                length = jnp.sqrt(jnp.sum(jnp.square(grads)))
                direction = grads / jnp.maximum(length, _NORM_FLOOR)
            delta = project_to_ball(delta - size * direction, epsilon, norm)
            return project_to_box(x, delta, box), None

        delta, _ = jax.lax.scan(update, jnp.zeros_like(x), jnp.arange(num_steps, dtype=x.dtype))
        return delta

    per_budget = jax.vmap(attack_one, in_axes=(None, None, 0, 0))
    delta = jax.vmap(per_budget, in_axes=(0, 0, None, None))(epsilons, step_sizes, x_ref, x_target)
    return _summarise(feature_fn, distance, x_ref, x_target, delta, box)


def pgd_feature_attack(
    feature_fn: Callable,
    x_ref,
    x_target,
    epsilons,
    *,
    norm: str = "linf",
    distance: Callable = squared_distance,
    num_steps: int = 100,
    step_size: float | None = None,
    box: tuple[float, float] | None = (0.0, 1.0),
) -> AttackResult:
    """Match ``feature_fn(x_ref + d)`` to ``feature_fn(x_target)`` with ``||d||_norm <= eps``.

    Args:
        feature_fn: per-example ``x [*event] -> features``.
        x_ref: ``[B, *event]`` reference inputs, inside ``box``.
        x_target: ``[B, *event]`` targets.
        epsilons: the budget, a number or ``[L]`` values ``>= 0``; the sweep is vmapped.
        norm: ``"linf"`` (signed gradient steps) or ``"l2"`` (normalised gradient steps).
        distance: ``(features, target_features) -> scalar``.
        num_steps: projected steps.
        step_size: the first step ``alpha`` (same for every budget), cosine-decayed to 0;
            default ``4 * epsilon / num_steps`` for each budget.
        box: ``(low, high)`` bounds of a valid input, or ``None``.

    Returns:
        An :class:`~gen_jax.attacks.AttackResult` with leading axes ``[L, B]``.

    Raises:
        ValueError: on negative ``epsilons``, mismatched shapes, ``x_ref`` outside ``box``,
            an unknown ``norm`` or a non-positive ``num_steps``/``step_size``.
    """
    x_ref, x_target = _checks.check_pair(x_ref, x_target)
    epsilons = _checks.check_budgets("epsilons", epsilons, fix="use a budget eps >= 0")
    num_steps = _checks.check_positive_int("num_steps", num_steps)
    if step_size is None:
        step_sizes = DEFAULT_STEP_FACTOR * epsilons / num_steps
    else:
        step_sizes = jnp.full(epsilons.shape, _checks.check_positive("step_size", step_size))
    return _pgd_sweep(
        x_ref,
        x_target,
        epsilons,
        step_sizes,
        feature_fn=feature_fn,
        distance=distance,
        norm=_checks.check_choice("norm", norm, _checks.NORMS),
        num_steps=num_steps,
        box=_checks.check_box(box, x_ref),
    )


def pgd_latent_attack(encode: Callable, x_ref, x_target, epsilons, **options) -> AttackResult:
    """:func:`pgd_feature_attack` on the code ``encode(x) [k]`` (per example)."""
    return pgd_feature_attack(encode, x_ref, x_target, epsilons, **options)


def pgd_output_attack(
    encode: Callable, decode: Callable, x_ref, x_target, epsilons, **options
) -> AttackResult:
    """:func:`pgd_feature_attack` on the reconstruction ``decode(encode(x))``."""
    return pgd_feature_attack(_Reconstruction(encode, decode), x_ref, x_target, epsilons, **options)
