"""Training states: immutable pytrees that a Step's ``update`` consumes and returns.

Every state carries ``step``, a scalar int32 count of completed updates; the step key is
derived from it (``gen_jax.core.rng.step_key``), so a state plus the run's root seed is all
that a resumed run needs.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

PyTree = Any


def zero_step() -> jax.Array:
    """The initial value of ``state.step``: a scalar int32 zero."""
    return jnp.zeros((), jnp.int32)


@struct.dataclass
class TrainState:
    """State of a gradient-trained model (variational, autoregressive, contrastive).

    Attributes:
        step: scalar int32, number of completed updates.
        params: the model's parameter pytree (a Linen ``variables['params']``).
        opt_state: the optax optimiser state for ``params``.
    """

    step: jax.Array
    params: PyTree
    opt_state: PyTree


@struct.dataclass
class SupervisedState:
    """State of a gradient-trained network with BatchNorm statistics (the classifiers, the
    face VAE): a ``TrainState`` plus the variables the forward pass updates.

    Attributes:
        step: scalar int32, number of completed updates.
        params: the network's ``params`` collection.
        opt_state: the optax optimiser state for ``params``.
        batch_stats: the network's BatchNorm moving statistics (an empty dict when it has
            no BatchNorm).
    """

    step: jax.Array
    params: PyTree
    opt_state: PyTree
    batch_stats: PyTree

    def variables(self) -> dict[str, PyTree]:
        """The Linen variables for inference: ``model.apply(state.variables(), x)``."""
        return {"params": self.params, "batch_stats": self.batch_stats}


@struct.dataclass
class Player:
    """One side of a two-player game: its Flax variables and its own optimiser state.

    Attributes:
        variables: the module's variables, ``{"params": ..., "batch_stats": ...}`` (batch
            statistics only when the network has batch normalisation); apply the module
            with ``module.apply(player.variables, ...)``.
        opt_state: the optimiser state of ``variables["params"]``.
    """

    variables: PyTree
    opt_state: PyTree


@struct.dataclass
class AdversarialState:
    """State of an adversarial game (GAN, adversarial autoencoder).

    Attributes:
        step: scalar int32, number of completed generator updates.
        gen: the generator's ``Player``.
        disc: the discriminator's (or critic's) ``Player``.
    """

    step: jax.Array
    gen: Player
    disc: Player


@struct.dataclass
class EMState:
    """State of an expectation-maximisation fit.

    Attributes:
        step: scalar int32, number of completed EM iterations.
        params: the model's parameter pytree (mixture weights, means, ...).
        stats: running sufficient statistics for stochastic (minibatch) EM, or ``None``
            for full-batch EM.
    """

    step: jax.Array
    params: PyTree
    stats: PyTree = None
