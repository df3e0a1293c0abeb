r"""Unrestricted adversarial examples by searching a generator's latent space (Song et al.).

Instead of perturbing a real input, search the code :math:`z` of a trained generator (or a
VAE decoder) :math:`G` for a sample that a classifier :math:`f` assigns to a chosen wrong
class :math:`y_t`, while the sample stays on the data manifold. From a start
:math:`z_0` (a prior draw, or the code of a real example of the source class), minimise

.. math::
    -\log f(y_t \mid G(z))
    + \lambda_1 \frac1k \sum_{i=1}^k \max\big(|z_i - z_{0,i}| - \epsilon, 0\big)
    + \lambda_2\,\tfrac12\|z\|_2^2
    - \lambda_3 \log c(y_s \mid G(z)),

where the second term (weight ``radius_weight``) keeps :math:`z` within :math:`\epsilon`
(``radius``, per coordinate) of its start, the third (``prior_weight``) near the prior's
mode, and the optional last term (``source_weight``) asks an independent classifier
:math:`c` to still see the source class :math:`y_s`. Adam runs ``num_steps`` steps inside
one ``lax.scan``, vmapped over the starts. The search succeeds on a start when
:math:`\arg\max f(G(z)) = y_t` and, if :math:`c` is given, :math:`\arg\max c(G(z)) = y_s`.

References:
    Song, Shu, Kushman & Ermon (2018), Constructing Unrestricted Adversarial Examples
    with Generative Models, NeurIPS, arXiv:1805.07894.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.attacks import _checks
from gen_jax.core.optim import apply_optimizer


class UnrestrictedResult(NamedTuple):
    """The outcome of :func:`unrestricted_search` for ``B`` starts.

    Attributes:
        codes: ``[B, k]`` the final codes.
        samples: ``[B, *event]`` ``generate(codes)``.
        predicted: ``[B]`` the attacked classifier's labels of the samples.
        target_probability: ``[B]`` its probability of the target class.
        source_predicted: ``[B]`` the independent classifier's labels (``-1`` without one).
        success: ``[B]`` predicted is the target (and the independent classifier agrees
            with the source label, when given).
        code_shift: ``[B]`` ``max_i |z_i - z_{0,i}|``, to compare with ``radius``.
    """

    codes: jax.Array
    samples: jax.Array
    predicted: jax.Array
    target_probability: jax.Array
    source_predicted: jax.Array
    success: jax.Array
    code_shift: jax.Array


@functools.partial(
    jax.jit, static_argnames=("generate", "classify", "source_classify", "num_steps")
)
def _search(
    start_codes,
    target_labels,
    source_labels,
    weights,
    learning_rate,
    *,
    generate,
    classify,
    source_classify,
    num_steps,
):
    radius, radius_weight, prior_weight, source_weight = weights
    optimizer = optax.adam(learning_rate)

    def search_one(start, target, source):
        def objective(z):
            sample = generate(z)
            loss = -jax.nn.log_softmax(classify(sample))[target]
            outside = jnp.maximum(jnp.abs(z - start) - radius, 0.0)
            loss += radius_weight * jnp.mean(outside) + prior_weight * 0.5 * jnp.sum(z * z)
            if source_classify is not None:
                loss -= source_weight * jax.nn.log_softmax(source_classify(sample))[source]
            return loss

        def update(carry, _):
            z, opt_state = carry
            z, opt_state = apply_optimizer(optimizer, jax.grad(objective)(z), opt_state, z)
            return (z, opt_state), None

        (z, _), _ = jax.lax.scan(update, (start, optimizer.init(start)), length=num_steps)
        sample = generate(z)
        probabilities = jax.nn.softmax(classify(sample))
        predicted = jnp.argmax(probabilities)
        success = predicted == target
        source_predicted = jnp.asarray(-1)
        if source_classify is not None:
            source_predicted = jnp.argmax(source_classify(sample))
            success &= source_predicted == source
        return UnrestrictedResult(
            codes=z,
            samples=sample,
            predicted=predicted,
            target_probability=probabilities[target],
            source_predicted=source_predicted,
            success=success,
            code_shift=jnp.max(jnp.abs(z - start)),
        )

    return jax.vmap(search_one)(start_codes, target_labels, source_labels)


def unrestricted_search(
    generate: Callable,
    classify: Callable,
    start_codes,
    target_labels,
    *,
    radius: float = 0.1,
    radius_weight: float = 100.0,
    prior_weight: float = 0.0,
    source_classify: Callable | None = None,
    source_labels=None,
    source_weight: float = 1.0,
    num_steps: int = 200,
    learning_rate: float = 0.01,
) -> UnrestrictedResult:
    """Search ``generate``'s latent space for samples ``classify`` labels ``target_labels``.

    Args:
        generate: per-example ``z [k] -> sample [*event]`` (a generator or decoder; close
            over the class of a conditional generator).
        classify: per-example ``sample -> logits [num_classes]``, the attacked classifier.
        start_codes: ``[B, k]`` the starts ``z_0``.
        target_labels: ``[B]`` the wrong classes to reach.
        radius: ``epsilon >= 0``, the free move per code coordinate.
        radius_weight: ``lambda_1 >= 0`` on the mean excess over ``radius``.
        prior_weight: ``lambda_2 >= 0`` on ``||z||^2 / 2``.
        source_classify: an optional independent per-example classifier ``c`` that should
            keep seeing ``source_labels``.
        source_labels: ``[B]`` the source classes; needed with ``source_classify``.
        source_weight: ``lambda_3 >= 0`` on ``-log c(y_s | G(z))``.
        num_steps: Adam steps.
        learning_rate: Adam's step size.

    Returns:
        An :class:`UnrestrictedResult`.

    Raises:
        ValueError: on negative weights or radius, labels that do not match the starts, or
            ``source_classify`` without ``source_labels``.
    """
    start_codes = np.asarray(start_codes, dtype=np.float32)
    if start_codes.ndim != 2 or start_codes.shape[0] == 0:
        raise ValueError(f"start_codes must be [B, k] with B >= 1, got shape {start_codes.shape}")
    count = start_codes.shape[0]
    target_labels = np.asarray(target_labels)
    if target_labels.shape != (count,) or not np.issubdtype(target_labels.dtype, np.integer):
        raise ValueError(
            f"target_labels must be {count} integers, one per start, got {target_labels!r}"
        )
    if source_classify is not None and source_labels is None:
        raise ValueError("source_classify needs source_labels: the class each sample should keep")
    source_labels = (
        np.zeros(count, np.int32) if source_labels is None else np.asarray(source_labels)
    )
    if source_labels.shape != (count,) or not np.issubdtype(source_labels.dtype, np.integer):
        raise ValueError(f"source_labels must be {count} integers, got {source_labels!r}")
    weights = {
        "radius": radius,
        "radius_weight": radius_weight,
        "prior_weight": prior_weight,
        "source_weight": source_weight,
    }
    for name, value in weights.items():
        _checks.check_budgets(name, value, fix=f"give {name} >= 0")
    return _search(
        start_codes,
        target_labels.astype(np.int32),
        source_labels.astype(np.int32),
        jnp.asarray(list(weights.values()), jnp.float32),
        _checks.check_positive("learning_rate", learning_rate),
        generate=generate,
        classify=classify,
        source_classify=source_classify,
        num_steps=_checks.check_positive_int("num_steps", num_steps),
    )
