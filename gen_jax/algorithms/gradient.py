r"""The gradient Step: one optimiser update on the gradient of a differentiable objective.

Every gradient-trained family (VAEs, autoencoders, autoregressive models, classifiers)
builds its Step here. Given an objective :math:`\mathcal L(\theta; x, \xi)` of the
parameters, a batch and a key, one update is

.. math::
    g = \nabla_\theta \mathcal L(\theta_t; x_t, \xi_t), \qquad
    (\theta_{t+1}, s_{t+1}) = \mathrm{optimizer}(g, s_t, \theta_t),

with the optimiser state :math:`s` of an optax ``GradientTransformation``. Two options
cover the families' variations without another factory:

- ``batch_stats=True``: the network has variables that the forward pass updates instead
  of the optimiser (BatchNorm moving statistics); they live in the state beside the
  parameters and the objective returns their new value.
- ``frozen_keys``: top-level entries of the parameter dict that the objective reads but
  the optimiser never updates (the lower layers of a stack trained layer by layer).

References:
    Goodfellow, Bengio & Courville (2016), Deep Learning, ch. 8 (optimisation for
    training deep models).
    Ioffe & Szegedy (2015), Batch Normalization, arXiv:1502.03167 (moving statistics).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import optax

from gen_jax.core.optim import apply_optimizer
from gen_jax.core.state import SupervisedState, TrainState, zero_step
from gen_jax.core.step import Step

PyTree = Any
Batch = Any
Metrics = dict[str, jax.Array]


def _check_objective_output(output, *, batch_stats: bool) -> tuple[jax.Array, Metrics, PyTree]:
    """``(loss, metrics, new_batch_stats)`` from the objective's return value, or a clear
    error; runs at trace time, so shapes and dtypes are known."""
    expected = "(loss, (metrics, new_batch_stats))" if batch_stats else "(loss, metrics)"
    aux = output[1] if isinstance(output, tuple) and len(output) == 2 else None
    if aux is None or (batch_stats and not (isinstance(aux, tuple) and len(aux) == 2)):
        raise TypeError(
            f"make_gradient_step: objective returned {type(output).__name__} "
            f"{jax.tree.structure(output)}; it must return {expected}"
        )
    loss = output[0]
    metrics, new_batch_stats = aux if batch_stats else (aux, None)
    if jnp.shape(loss) != () or not jnp.issubdtype(jnp.result_type(loss), jnp.floating):
        raise ValueError(
            f"make_gradient_step: objective returned a loss of shape {jnp.shape(loss)} and "
            f"dtype {jnp.result_type(loss)}; it must be a float scalar (reduce over the "
            "batch, e.g. with jnp.mean)"
        )
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"make_gradient_step: objective returned metrics of type {type(metrics).__name__};"
            f" they must be a flat dict of scalars, {expected}"
        )
    for name, value in metrics.items():
        if jnp.shape(value) != ():
            raise ValueError(
                f"make_gradient_step: objective's metric {name!r} has shape "
                f"{jnp.shape(value)}; metrics must be scalars (batch means)"
            )
    return loss, dict(metrics), new_batch_stats


def make_gradient_step(
    objective: Callable[..., tuple[jax.Array, Any]],
    init: Callable[[jax.Array, Batch], PyTree],
    optimizer: optax.GradientTransformation,
    *,
    batch_stats: bool = False,
    frozen_keys: Sequence[str] = (),
) -> Step:
    r"""A Step that takes one ``optimizer`` update on the gradient of ``objective``.

    Args:
        objective: the loss to minimise, differentiable in ``params``. Without
            ``batch_stats``: ``objective(params, batch, key) -> (loss, metrics)``; with it:
            ``objective(params, batch_stats, batch, key) -> (loss, (metrics,
            new_batch_stats))``. ``loss`` is a float scalar (already a mean over the global
            batch), ``metrics`` a flat dict of scalars; ``key`` is the step key, to split
            for reparameterisation noise, dropout or corruption. It is traced inside the
            jitted update, so it must be a pure function of its arguments.
        init: ``init(key, example_batch) -> params``, the initial parameter pytree (the
            batch only fixes shapes); with ``batch_stats`` it returns the Linen variables
            ``{"params": ..., "batch_stats": ...}`` instead (``batch_stats`` may be absent
            for a network without BatchNorm).
        optimizer: the optax optimiser; its state covers the trained parameters only.
        batch_stats: carry the network's non-trained variables (BatchNorm moving
            statistics, or any collection its training-mode forward pass updates) in the
            state; the state is then a :class:`SupervisedState`.
        frozen_keys: top-level entries of a ``params`` dict that are not trained: the
            objective receives them, the gradient and ``grad_norm`` leave them out and the
            optimiser never sees them, so they are carried through unchanged.

    Returns:
        A ``Step`` whose state is a :class:`~gen_jax.core.state.TrainState` (or a
        :class:`SupervisedState` with ``batch_stats``) and whose metrics are the
        objective's plus ``loss`` and ``grad_norm`` (the global L2 norm of the gradient of
        the trained parameters).

    Raises:
        TypeError: ``objective`` or ``init`` is not callable, or (when the update is
            traced) ``objective`` does not return the pair described above.
        ValueError: a loss or metric that is not a scalar; ``frozen_keys`` that are not in
            the parameter dict.

    Example::

        def objective(params, batch, key):
            residual = batch["x"] @ params["w"] - batch["y"]
            loss = jnp.mean(jnp.square(residual))
            return loss, {"mse": loss}

        step = make_gradient_step(
            objective, lambda key, batch: {"w": jnp.zeros(3)}, optax.sgd(0.1)
        )
    """
    for name, function in (("objective", objective), ("init", init)):
        if not callable(function):
            raise TypeError(f"make_gradient_step: {name}={function!r} must be callable")
    if isinstance(frozen_keys, str):
        raise TypeError(f"frozen_keys={frozen_keys!r}; give a sequence of keys, e.g. ('frozen',)")
    frozen_keys = tuple(frozen_keys)

    def split(params) -> tuple[PyTree, dict]:
        """``(trained, frozen)`` parts of ``params``."""
        if not frozen_keys:
            return params, {}
        missing = [key for key in frozen_keys if key not in params]
        if not isinstance(params, Mapping) or missing:
            raise ValueError(
                f"make_gradient_step: frozen_keys={frozen_keys} must be top-level keys of "
                f"the params dict that init returns; it has {jax.tree.structure(params)}"
            )
        trained = {key: value for key, value in params.items() if key not in frozen_keys}
        return trained, {key: params[key] for key in frozen_keys}

    def init_state(key: jax.Array, batch: Batch) -> TrainState | SupervisedState:
        initial = init(key, batch)
        if not batch_stats:
            return TrainState(
                step=zero_step(), params=initial, opt_state=optimizer.init(split(initial)[0])
            )
        if not isinstance(initial, Mapping) or "params" not in initial:
            raise TypeError(
                "make_gradient_step(batch_stats=True): init must return the Linen variables "
                f"{{'params': ..., 'batch_stats': ...}}; it returned {type(initial).__name__}"
            )
        params = initial["params"]
        return SupervisedState(
            step=zero_step(),
            params=params,
            opt_state=optimizer.init(split(params)[0]),
            batch_stats=initial.get("batch_stats", {}),
        )

    def update(state, batch: Batch, key: jax.Array):
        trained, frozen = split(state.params)

        def loss_fn(trained_params):
            params = {**frozen, **trained_params} if frozen_keys else trained_params
            if batch_stats:
                output = objective(params, state.batch_stats, batch, key)
            else:
                output = objective(params, batch, key)
            loss, metrics, new_batch_stats = _check_objective_output(
                output, batch_stats=batch_stats
            )
            return loss, (metrics, new_batch_stats)

        (loss, (metrics, new_batch_stats)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            trained
        )
        trained, opt_state = apply_optimizer(optimizer, grads, state.opt_state, trained)
        changes = dict(
            step=state.step + 1,
            params={**frozen, **trained} if frozen_keys else trained,
            opt_state=opt_state,
        )
        if batch_stats:
            changes["batch_stats"] = new_batch_stats
        metrics = {**metrics, "loss": loss, "grad_norm": optax.tree.norm(grads)}
        return state.replace(**changes), metrics

    return Step(init=init_state, update=update)
