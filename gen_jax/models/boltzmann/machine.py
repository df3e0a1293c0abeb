r"""General Boltzmann machines: energy, annealed Gibbs sampling, exact enumeration.

``N = V + H`` binary units, the first ``V`` visible, with symmetric weights and no
self-connections,

.. math::
    E(s) = -\tfrac12 s^\top W s - b^\top s, \quad W = W^\top,\ W_{ii} = 0, \qquad
    p_T(s) \propto e^{-E(s)/T},

so unit ``i`` given the rest is on with probability :math:`\sigma((W_i^\top s + b_i)/T)`.
Gibbs sampling updates the units one at a time (a sweep); simulated annealing runs
sweeps at a falling temperature schedule (Kirkpatrick et al., 1983), and at ``T = 1``
draws from the model. Learning follows Ackley, Hinton & Sejnowski (1985):
:math:`\Delta W_{ij} = \eta(\langle s_i s_j\rangle_{\mathrm{clamped}} - \langle s_i
s_j\rangle_{\mathrm{free}})`, the exact log-likelihood gradient; the Step is
``gen_jax.algorithms.contrastive.make_boltzmann_step``. Tiny models are enumerated
exactly (:func:`exact_log_partition`, :func:`exact_statistics`).

References:
    Ackley, Hinton & Sejnowski (1985), A learning algorithm for Boltzmann machines,
    Cognitive Science 9.
    Kirkpatrick, Gelatt & Vecchi (1983), Optimization by simulated annealing, Science 220.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from gen_jax.models.boltzmann.rbm import all_binary_states


@struct.dataclass
class BoltzmannParams:
    """Parameters of a Boltzmann machine with ``N`` units.

    Attributes:
        weights: ``[N, N]`` symmetric, zero-diagonal couplings (see :func:`symmetrize`).
        bias: ``[N]`` unit biases.
    """

    weights: jax.Array
    bias: jax.Array

    @property
    def num_units(self) -> int:
        return self.bias.shape[0]


def symmetrize(weights: jax.Array) -> jax.Array:
    """``(W + W^T) / 2`` with the diagonal set to zero: a valid coupling matrix."""
    symmetric = 0.5 * (weights + weights.T)
    return symmetric * (1.0 - jnp.eye(weights.shape[0], dtype=weights.dtype))


def check_params(params: BoltzmannParams) -> None:
    """Raise a ``ValueError`` unless ``weights`` is square, symmetric and zero-diagonal."""
    weights = np.asarray(params.weights)
    n = params.num_units
    if weights.shape != (n, n):
        raise ValueError(f"weights has shape {weights.shape}; expected ({n}, {n}) for {n} biases")
    if not np.allclose(weights, weights.T) or np.any(np.diag(weights) != 0):
        raise ValueError(
            "weights must be symmetric with a zero diagonal (no self-connections); "
            "pass symmetrize(weights)"
        )


def init_boltzmann_params(
    key: jax.Array, num_units: int, *, scale: float = 0.1, dtype=jnp.float32
) -> BoltzmannParams:
    """Symmetrised ``N(0, scale^2)`` couplings and zero biases."""
    if num_units < 2:
        raise ValueError(f"num_units={num_units}: a Boltzmann machine needs at least 2 units")
    weights = symmetrize(scale * jax.random.normal(key, (num_units, num_units), dtype))
    return BoltzmannParams(weights=weights, bias=jnp.zeros(num_units, dtype))


def energy(params: BoltzmannParams, s: jax.Array) -> jax.Array:
    """``[...]`` :math:`E(s) = -\\frac12 s^\\top W s - b^\\top s` of states ``[..., N]``."""
    return -0.5 * jnp.sum((s @ params.weights) * s, axis=-1) - s @ params.bias


def gibbs_sweep(
    params: BoltzmannParams,
    s: jax.Array,
    *,
    key: jax.Array,
    temperature: float | jax.Array = 1.0,
    num_clamped: int = 0,
) -> jax.Array:
    """Update units ``num_clamped .. N-1`` of ``s [..., N]`` one at a time at ``temperature``.

    The first ``num_clamped`` units (the visible ones, in the clamped phase) stay fixed.
    """
    uniforms = jax.random.uniform(key, s.shape, s.dtype)

    def update(i, s):
        logits = s @ params.weights[:, i] + params.bias[i]
        on = uniforms[..., i] < jax.nn.sigmoid(logits / temperature)
        return s.at[..., i].set(on.astype(s.dtype))

    return jax.lax.fori_loop(num_clamped, params.num_units, update, s)


def geometric_temperatures(start: float, end: float, num: int) -> np.ndarray:
    """``[num]`` temperatures ``start * c^k`` falling geometrically to ``end > 0``."""
    if not (start >= end > 0) or num < 1:
        raise ValueError(f"start={start}, end={end}, num={num}: need start >= end > 0 and num >= 1")
    return np.geomspace(start, end, num)


def anneal(
    params: BoltzmannParams,
    s: jax.Array,
    *,
    key: jax.Array,
    temperatures: jax.Array,
    sweeps_per_temperature: int = 1,
    num_clamped: int = 0,
) -> jax.Array:
    """Simulated annealing: ``sweeps_per_temperature`` Gibbs sweeps at each temperature.

    Args:
        params: the machine.
        s: ``[..., N]`` starting states (batched chains); clamped units hold the data.
        key: randomness.
        temperatures: ``[T]`` positive temperatures, in order (end at 1 to sample the
            model, near 0 to minimise the energy).
        sweeps_per_temperature: sweeps at each temperature.
        num_clamped: the first units that stay fixed.

    Returns:
        ``[..., N]`` final states.
    """
    temperatures = jnp.asarray(temperatures, s.dtype)

    def at_temperature(s, inputs):
        temperature, temperature_key = inputs

        def sweep(j, s):
            return gibbs_sweep(
                params,
                s,
                key=jax.random.fold_in(temperature_key, j),
                temperature=temperature,
                num_clamped=num_clamped,
            )

        return jax.lax.fori_loop(0, sweeps_per_temperature, sweep, s), None

    keys = jax.random.split(key, temperatures.shape[0])
    final, _ = jax.lax.scan(at_temperature, s, (temperatures, keys))
    return final


def simulated_annealing(
    energy_fn: Callable[[jax.Array], jax.Array],
    x0: jax.Array,
    *,
    key: jax.Array,
    temperatures: jax.Array,
    proposal: Callable[[jax.Array, jax.Array], jax.Array],
    steps_per_temperature: int = 1,
) -> tuple[jax.Array, jax.Array]:
    """Generic Metropolis simulated annealing: minimise ``energy_fn`` from ``x0``.

    A move ``x' = proposal(key, x)`` is accepted with probability
    :math:`\\min(1, e^{-(E(x') - E(x)) / T})`. Returns ``(best_x, best_energy)`` seen.
    """
    temperatures = jnp.asarray(temperatures)
    steps = jnp.repeat(temperatures, steps_per_temperature)
    keys = jax.random.split(key, steps.shape[0])

    def move(carry, inputs):
        x, e, best_x, best_e = carry
        temperature, step_key = inputs
        propose_key, accept_key = jax.random.split(step_key)
        candidate = proposal(propose_key, x)
        candidate_e = energy_fn(candidate)
        accept = jnp.log(jax.random.uniform(accept_key, (), e.dtype)) < -(candidate_e - e) / (
            temperature
        )
        x, e = jax.tree.map(lambda a, b: jnp.where(accept, a, b), (candidate, candidate_e), (x, e))
        better = e < best_e
        best_x, best_e = jax.tree.map(
            lambda a, b: jnp.where(better, a, b), (x, e), (best_x, best_e)
        )
        return (x, e, best_x, best_e), None

    e0 = energy_fn(x0)
    (_, _, best_x, best_e), _ = jax.lax.scan(move, (x0, e0, x0, e0), (steps, keys))
    return best_x, best_e


def exact_log_partition(params: BoltzmannParams) -> jax.Array:
    """Exact :math:`\\log Z` at ``T = 1`` by enumerating all ``2^N`` states."""
    states = all_binary_states(params.num_units, params.weights.dtype)
    return jax.nn.logsumexp(-energy(params, states))


def _clamped_log_weights(params: BoltzmannParams, v: jax.Array):
    """All completions ``[B, 2^H, N]`` of the rows of ``v [B, V]``, and their ``-E [B, 2^H]``."""
    num_visible = v.shape[-1]
    hidden = all_binary_states(params.num_units - num_visible, params.weights.dtype)
    states = jnp.concatenate(
        [jnp.broadcast_to(v[:, None, :], (v.shape[0], hidden.shape[0], num_visible)),
         jnp.broadcast_to(hidden, (v.shape[0], *hidden.shape))], axis=-1,
    )  # fmt: skip
    return states, -energy(params, states)


def exact_log_likelihood(params: BoltzmannParams, v: jax.Array) -> jax.Array:
    """``[B]`` exact :math:`\\log p(v)` of visible rows ``v [B, V]``, hidden summed out."""
    _, log_weights = _clamped_log_weights(params, v)
    return jax.nn.logsumexp(log_weights, axis=-1) - exact_log_partition(params)


def exact_statistics(
    params: BoltzmannParams, v: jax.Array
) -> tuple[tuple[jax.Array, jax.Array], tuple[jax.Array, jax.Array]]:
    """Exact clamped and free moments: ``((E_c[s s^T], E_c[s]), (E_f[s s^T], E_f[s]))``.

    The clamped expectation averages, over the rows of ``v [B, V]``, the posterior over
    the hidden units; the free one is under the model. Their difference is the gradient
    of the mean log-likelihood with respect to ``W`` (off the diagonal) and ``b``.
    """
    states, log_weights = _clamped_log_weights(params, v)
    posterior = jax.nn.softmax(log_weights, axis=-1)  # [B, 2^H]
    clamped_corr = jnp.einsum("bk,bki,bkj->ij", posterior, states, states) / v.shape[0]
    clamped_mean = jnp.einsum("bk,bki->i", posterior, states) / v.shape[0]
    all_states = all_binary_states(params.num_units, params.weights.dtype)
    model = jax.nn.softmax(-energy(params, all_states))
    free_corr = jnp.einsum("k,ki,kj->ij", model, all_states, all_states)
    return (clamped_corr, clamped_mean), (free_corr, model @ all_states)
