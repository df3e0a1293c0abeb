"""Applying an optax optimiser inside a Step."""

from __future__ import annotations

from typing import Any

import jax
import optax


def apply_optimizer(
    optimizer: optax.GradientTransformation, grads: Any, opt_state: Any, params: Any
) -> tuple[Any, Any]:
    """One optimiser update: returns ``(new_params, new_opt_state)``.

    optax mixes Python floats with its int32 step count (Adam's bias correction), which
    strict dtype promotion rejects; the update is therefore traced under standard
    promotion, so gen_jax code stays checkable with ``jax_numpy_dtype_promotion=strict``.
    """
    with jax.numpy_dtype_promotion("standard"):
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state
