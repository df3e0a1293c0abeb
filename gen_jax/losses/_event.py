"""Summing element-wise terms over the trailing event axes of an example."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def sum_event(values: jax.Array, event_ndims: int) -> jax.Array:
    """Sum ``values`` over its last ``event_ndims`` axes (batch axes stay)."""
    if not 0 <= event_ndims <= values.ndim:
        raise ValueError(
            f"event_ndims={event_ndims} but the input has {values.ndim} axes; pass the number "
            "of trailing axes that make up one example (1 for vectors, 3 for HWC images)"
        )
    return jnp.sum(values, axis=tuple(range(values.ndim - event_ndims, values.ndim)))
