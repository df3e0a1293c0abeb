"""The Step contract and ``compile_step``, the one place where training is jitted.

A ``Step`` pairs two pure functions::

    state = step.init(key, example_batch)
    state, metrics = step.update(state, batch, key)

Factories such as ``make_vae_step(model, optimizer)`` close over everything static, so only
arrays cross the jit boundary. Metrics are a flat dict of scalar arrays, already means over
the global batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
from jax.sharding import Mesh

from gen_jax.core import sharding as sharding_lib

State = Any
Batch = Any
Metrics = dict[str, jax.Array]


class Step(NamedTuple):
    """A training algorithm as two pure functions.

    Attributes:
        init: ``(key, example_batch) -> state``; the batch only fixes shapes.
        update: ``(state, batch, key) -> (state, metrics)``; one training update.
    """

    init: Callable[[jax.Array, Batch], State]
    update: Callable[[State, Batch, jax.Array], tuple[State, Metrics]]


def compile_step(
    update: Callable[[State, Batch, jax.Array], tuple[State, Metrics]],
    *,
    mesh: Mesh | None = None,
    state_sharding: Any = None,
    batch_sharding: Any = None,
    donate: bool = True,
) -> Callable[[State, Batch, jax.Array], tuple[State, Metrics]]:
    """Jit ``update`` with explicit shardings and a donated state.

    Args:
        update: a Step's ``update``.
        mesh: the device mesh. Without it the shardings default to whatever the inputs
            carry (single-device use).
        state_sharding: sharding (or pytree prefix of shardings) of the state; replicated
            over ``mesh`` by default.
        batch_sharding: sharding of every batch leaf; the mesh's data axis by default.
        donate: donate the incoming state's buffers, so the update happens in place.

    Returns:
        The compiled update. Calling it consumes the state passed in (when donated).
    """
    donate_argnums = (0,) if donate else ()
    # keep_unused: a state leaf the update never reads (an EM model's covariances, which
    # the M-step recomputes) would otherwise be pruned from the inputs and not donated.
    if mesh is None:
        if state_sharding is not None or batch_sharding is not None:
            raise ValueError("compile_step: pass mesh= together with state_sharding/batch_sharding")
        return jax.jit(update, donate_argnums=donate_argnums, keep_unused=True)
    replicated = sharding_lib.replicated(mesh)
    if state_sharding is None:
        state_sharding = replicated
    if batch_sharding is None:
        batch_sharding = sharding_lib.batch_sharding(mesh)
    return jax.jit(
        update,
        in_shardings=(state_sharding, batch_sharding, replicated),
        out_shardings=(state_sharding, replicated),
        donate_argnums=donate_argnums,
        keep_unused=True,
    )


def compile_init(
    init: Callable[[jax.Array, Batch], State], *, mesh: Mesh, state_sharding: Any = None
) -> Callable[[jax.Array, Batch], State]:
    """Jit a Step's ``init`` so the state is created directly with its sharding."""
    if state_sharding is None:
        state_sharding = sharding_lib.replicated(mesh)
    return jax.jit(init, out_shardings=state_sharding)
