r"""Expectation-maximisation as pure functions: one iteration, a full fit on device, Steps.

A model plugs in by providing two functions (the :class:`EMModel` protocol):

- ``e_step(params, data, weights) -> (stats, log_likelihood)``: the expected sufficient
  statistics of the whole batch *summed over its examples* (a pytree) and the per-example
  log-likelihood ``[N]`` under ``params``. Examples are weighted by ``weights [N]``.
- ``m_step(stats) -> params``: the closed-form maximiser for those statistics.

Summing inside the E-step (rather than returning per-example statistics for EM to sum)
lets a model write its statistics as matrix products: a full-covariance Gaussian mixture's
``Σ_n γ_nk x_n x_nᵀ`` would otherwise materialise ``N·K·D²`` numbers. Models vmap their
per-example inference (an HMM's forward-backward, say) inside ``e_step``. When ``data`` is
sharded over devices, the sums are global: the compiler inserts the all-reduce.

The log-likelihood reported for an iteration is that of the parameters *entering* it, as
in scikit-learn, so ``fit_em`` reproduces ``GaussianMixture``'s ``lower_bound_``,
``n_iter_`` and ``converged_`` from the same starting point.

References:
    Dempster, Laird & Rubin (1977), Maximum likelihood from incomplete data via the EM
    algorithm, JRSS-B 39(1).
    Cappé & Moulines (2009), On-line expectation-maximization algorithm for latent data
    models, JRSS-B 71(3), arXiv:0712.4273.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import jax
import jax.numpy as jnp
from flax import struct

from gen_jax.core.state import EMState, zero_step
from gen_jax.core.step import Step

PyTree = Any


class EMModel(Protocol):
    """What EM needs from a latent-variable model (see the module docstring)."""

    def e_step(self, params: PyTree, data: Any, weights: jax.Array) -> tuple[PyTree, jax.Array]: ...

    def m_step(self, stats: PyTree) -> PyTree: ...


@struct.dataclass
class EMResult:
    """The outcome of :func:`fit_em`.

    Attributes:
        params: the parameters after the last M-step.
        log_likelihood: ``[max_iter]`` weighted mean log-likelihood per example of the
            parameters entering each iteration; NaN after the last iteration run.
        lower_bound: the last entry of that history (scikit-learn's ``lower_bound_``).
        converged: whether the change fell below ``tol`` before ``max_iter``.
        num_iterations: iterations run.
    """

    params: PyTree
    log_likelihood: jax.Array
    lower_bound: jax.Array
    converged: jax.Array
    num_iterations: jax.Array


def _unit_weights(data: Any, weights: jax.Array | None) -> jax.Array:
    if weights is not None:
        return weights
    leaf = jax.tree.leaves(data)[0]
    dtype = leaf.dtype if jnp.issubdtype(leaf.dtype, jnp.floating) else jnp.result_type(float)
    return jnp.ones((leaf.shape[0],), dtype)


def em_iteration(
    model: EMModel, params: PyTree, data: Any, weights: jax.Array | None = None
) -> tuple[PyTree, jax.Array]:
    """One EM iteration on ``data``.

    Returns:
        ``(new_params, mean_log_likelihood)``, the log-likelihood being the weighted mean
        per example under the incoming ``params``.
    """
    weights = _unit_weights(data, weights)
    stats, log_likelihood = model.e_step(params, data, weights)
    mean = jnp.sum(weights * log_likelihood) / jnp.sum(weights)
    return model.m_step(stats), mean


def fit_em(
    model: EMModel,
    params: PyTree,
    data: Any,
    *,
    weights: jax.Array | None = None,
    tol: float = 1e-3,
    max_iter: int = 100,
) -> EMResult:
    """Run EM to convergence in one ``lax.while_loop`` (jit it, vmap it over restarts).

    Stops when the mean log-likelihood changes by less than ``tol`` between iterations,
    or after ``max_iter`` iterations.

    Args:
        model: an :class:`EMModel`.
        params: the starting parameters.
        data: the data set (a pytree whose leaves share the leading axis ``N``).
        weights: ``[N]`` non-negative example weights; ones by default.
        tol: convergence tolerance on the change in mean log-likelihood.
        max_iter: the most iterations to run (static).

    Returns:
        An :class:`EMResult`.
    """
    if max_iter < 1:
        raise ValueError(f"max_iter={max_iter}: run at least one iteration")
    weights = _unit_weights(data, weights)
    history = jnp.full((max_iter,), jnp.nan, weights.dtype)

    def keep_going(carry):
        _, _, iteration, change, _ = carry
        return (iteration < max_iter) & ~(jnp.abs(change) < tol)

    def body(carry):
        params, previous, iteration, _, history = carry
        params, log_likelihood = em_iteration(model, params, data, weights)
        return (
            params,
            log_likelihood,
            iteration + 1,
            log_likelihood - previous,
            history.at[iteration].set(log_likelihood),
        )

    start = (
        params,
        jnp.asarray(-jnp.inf, weights.dtype),
        jnp.zeros((), jnp.int32),
        jnp.asarray(jnp.inf, weights.dtype),
        history,
    )
    params, lower_bound, iterations, change, history = jax.lax.while_loop(keep_going, body, start)
    return EMResult(
        params=params,
        log_likelihood=history,
        lower_bound=lower_bound,
        converged=jnp.abs(change) < tol,
        num_iterations=iterations,
    )


def best_of_restarts(results: EMResult) -> EMResult:
    """The restart with the highest lower bound from :func:`fit_em` results vmapped over
    restarts (a NaN lower bound never wins)."""
    scores = jnp.where(jnp.isnan(results.lower_bound), -jnp.inf, results.lower_bound)
    return jax.tree.map(lambda leaf: leaf[jnp.argmax(scores)], results)


def make_em_step(
    model: EMModel,
    init_params: Callable[[jax.Array, Any], PyTree],
    *,
    weights_key: str | None = None,
    data_key: str = "x",
) -> Step:
    """A Step doing one full EM iteration on each batch (usually the whole data set).

    Args:
        model: an :class:`EMModel`.
        init_params: ``(key, batch_data) -> params``.
        weights_key: the batch entry holding example weights, if any.
        data_key: the batch entry holding the data.

    Metrics: ``log_likelihood``, the mean per example under the incoming parameters.
    """

    def init(key, batch):
        return EMState(step=zero_step(), params=init_params(key, batch[data_key]))

    def update(state, batch, key):
        weights = batch[weights_key] if weights_key else None
        params, log_likelihood = em_iteration(model, state.params, batch[data_key], weights)
        return state.replace(step=state.step + 1, params=params), {"log_likelihood": log_likelihood}

    return Step(init=init, update=update)


def make_stochastic_em_step(
    model: EMModel,
    init_params: Callable[[jax.Array, Any], PyTree],
    *,
    num_examples: int,
    step_size_exponent: float = 0.6,
    weights_key: str | None = None,
    data_key: str = "x",
) -> Step:
    r"""Online (minibatch) EM with running sufficient statistics, as a Step.

    After minibatch :math:`t` of size :math:`B`, the statistics become
    :math:`s_t = (1 - \rho_t) s_{t-1} + \rho_t \tfrac{N}{B} \hat s_t` with
    :math:`\rho_t = (t + 1)^{-\kappa}` (so :math:`\rho_0 = 1`), and the parameters are the
    M-step of :math:`s_t`. Statistics are kept on the scale of the full data set
    (``num_examples``), so pseudo-counts and floors in the M-step weigh as in batch EM.

    Args:
        model: an :class:`EMModel`.
        init_params: ``(key, batch_data) -> params``.
        num_examples: :math:`N`, the size of the data set the minibatches come from.
        step_size_exponent: :math:`\kappa \in (0.5, 1]` (Cappé & Moulines' condition).
        weights_key, data_key: as in :func:`make_em_step`.

    Metrics: ``log_likelihood`` (minibatch mean under the incoming parameters) and
    ``step_size``.
    """
    if not 0.5 < step_size_exponent <= 1.0:
        raise ValueError(
            f"step_size_exponent={step_size_exponent}: must lie in (0.5, 1] for convergence"
        )
    if num_examples < 1:
        raise ValueError(f"num_examples={num_examples}: give the size of the full data set")

    def batch_stats(params, batch):
        data = batch[data_key]
        weights = _unit_weights(data, batch[weights_key] if weights_key else None)
        stats, log_likelihood = model.e_step(params, data, weights)
        scale = num_examples / jnp.sum(weights)
        mean = jnp.sum(weights * log_likelihood) / jnp.sum(weights)
        return jax.tree.map(lambda s: s * scale.astype(s.dtype), stats), mean

    def init(key, batch):
        params = init_params(key, batch[data_key])
        stats, _ = batch_stats(params, batch)
        return EMState(step=zero_step(), params=params, stats=jax.tree.map(jnp.zeros_like, stats))

    def update(state, batch, key):
        stats, log_likelihood = batch_stats(state.params, batch)
        step_size = (state.step + 1).astype(log_likelihood.dtype) ** -step_size_exponent
        running = jax.tree.map(
            lambda old, new: (
                (1 - step_size).astype(old.dtype) * old + step_size.astype(new.dtype) * new
            ),
            state.stats,
            stats,
        )
        new_state = state.replace(step=state.step + 1, params=model.m_step(running), stats=running)
        return new_state, {"log_likelihood": log_likelihood, "step_size": step_size}

    return Step(init=init, update=update)
