r"""Exact inference in discrete Bayesian networks by variable elimination, in log space.

A factor is a table :math:`\phi(x_S)` over a scope :math:`S` of variables, kept as
``log_values`` with one axis per variable. Variable elimination computes a marginal of the
product of factors by summing variables out one at a time (Zhang & Poole 1994):

.. math::
    \sum_{x_v} \prod_{\phi \ni v} \phi \prod_{\phi \not\ni v} \phi
    = \Big(\prod_{\phi \not\ni v} \phi\Big)\, \tau(x_{N(v)}), \qquad
    \tau = \sum_{x_v} \prod_{\phi \ni v} \phi,

so the cost is set by the largest intermediate scope, which the elimination order decides.
Finding the best order is NP-hard; :func:`elimination_order` is the usual greedy heuristic
on the interaction (moral) graph: eliminate next the variable whose elimination adds the
fewest fill-in edges (``"min_fill"``), has the fewest neighbours (``"min_neighbors"``), the
smallest product of neighbour cardinalities (``"min_weight"``) or the smallest total weight
of fill edges (``"weighted_min_fill"``); ties go to the lowest index.

The graph work (pruning, ordering) is host Python on the static structure at trace time;
the table work is ``jnp`` and jit-compiles into one fused program per query *shape* (which
variables are queried and observed). Evidence values are traced arrays, so one compilation
answers every query of that shape, and ``vmap`` answers many at once. Summations use a
log-sum-exp whose gradient stays finite on impossible (``-inf``) configurations, so
:func:`log_evidence` can be differentiated: its gradient with respect to the log-CPTs is
the expected family counts, which is how :mod:`gen_jax.models.bayesnet.em` does its E-step.

References:
    Zhang & Poole (1994), A simple approach to Bayesian network computations, Proc.
    Canadian Conf. on AI.
    Koller & Friedman (2009), Probabilistic Graphical Models, ch. 9 (variable elimination,
    §9.4.3 greedy orderings) and §13.2 (max-product, MAP).
    Darwiche (2003), A differential approach to inference in Bayesian networks, JACM 50(3)
    (marginals as derivatives of the network polynomial).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import jax
import jax.numpy as jnp

from gen_jax.models.bayesnet.structure import BayesNetStructure

__all__ = [
    "HEURISTICS",
    "Factor",
    "bayesnet_factors",
    "elimination_order",
    "log_evidence",
    "map_query",
    "multiply",
    "query_log_table",
    "sum_out",
]

HEURISTICS = ("min_fill", "min_neighbors", "min_weight", "weighted_min_fill")


@dataclasses.dataclass(frozen=True)
class Factor:
    """A log-space table: ``log_values`` has one axis per entry of ``variables`` (indices)."""

    variables: tuple[int, ...]
    log_values: jax.Array


def _safe_logsumexp(log_values: jax.Array, axis: int) -> jax.Array:
    """``logsumexp`` over ``axis`` that is ``-inf`` (with zero, not NaN, gradient) when every
    entry is ``-inf``."""
    peak = jnp.max(log_values, axis=axis, keepdims=True)
    peak = jax.lax.stop_gradient(jnp.where(jnp.isfinite(peak), peak, 0))
    total = jnp.sum(jnp.exp(log_values - peak), axis=axis)
    positive = total > 0
    return jnp.where(
        positive, jnp.log(jnp.where(positive, total, 1)) + jnp.squeeze(peak, axis), -jnp.inf
    )


def _aligned(factor: Factor, scope: Sequence[int]) -> jax.Array:
    """``factor.log_values`` transposed to ``scope``'s order, size-1 axes for absent ones."""
    present = [v for v in scope if v in factor.variables]
    values = jnp.transpose(factor.log_values, [factor.variables.index(v) for v in present])
    shape = [
        factor.log_values.shape[factor.variables.index(v)] if v in factor.variables else 1
        for v in scope
    ]
    return values.reshape(shape)


def multiply(factors: Sequence[Factor]) -> Factor:
    """The product of ``factors`` (a sum of logs) over the union of their scopes."""
    scope: list[int] = []
    for factor in factors:
        scope.extend(v for v in factor.variables if v not in scope)
    total = sum(_aligned(factor, scope) for factor in factors)
    return Factor(tuple(scope), jnp.asarray(total))


def sum_out(factor: Factor, variable: int) -> Factor:
    """:math:`\\sum_{x_v} \\phi`: remove ``variable`` by summation."""
    axis = factor.variables.index(variable)
    rest = factor.variables[:axis] + factor.variables[axis + 1 :]
    return Factor(rest, _safe_logsumexp(factor.log_values, axis))


def _reduce(factor: Factor, variable: int, value: jax.Array) -> Factor:
    """Fix ``variable`` to ``value`` (a traced int), dropping its axis."""
    axis = factor.variables.index(variable)
    rest = factor.variables[:axis] + factor.variables[axis + 1 :]
    return Factor(rest, jnp.take(factor.log_values, value, axis=axis))


def bayesnet_factors(structure: BayesNetStructure, log_cpts: Sequence[jax.Array]) -> list[Factor]:
    """One factor per node: its log-CPT over ``(*parents, node)``."""
    return [Factor((*structure.parents[i], i), log_cpts[i]) for i in range(structure.num_nodes)]


def elimination_order(
    scopes: Sequence[Sequence[int]],
    to_eliminate: Sequence[int],
    cardinalities: Sequence[int],
    heuristic: str = "min_fill",
) -> list[int]:
    """A greedy elimination order of ``to_eliminate`` for factors with ``scopes``.

    Args:
        scopes: the variable indices of each factor (they define the interaction graph).
        to_eliminate: the variables to order.
        cardinalities: the number of states of every variable (indexed by variable).
        heuristic: one of :data:`HEURISTICS` (see the module docstring).

    Returns:
        ``to_eliminate`` in elimination order.
    """
    if heuristic not in HEURISTICS:
        raise ValueError(f"heuristic={heuristic!r}; choose one of {HEURISTICS}")
    neighbours: dict[int, set[int]] = {}
    for scope in scopes:
        for v in scope:
            neighbours.setdefault(v, set()).update(u for u in scope if u != v)
    for v in to_eliminate:
        neighbours.setdefault(v, set())

    def cost(v: int) -> tuple[float, int]:
        near = sorted(neighbours[v])
        fill = [(a, b) for i, a in enumerate(near) for b in near[i + 1 :] if b not in neighbours[a]]
        if heuristic == "min_neighbors":
            value = len(near)
        elif heuristic == "min_weight":
            value = 1
            for u in near:
                value *= cardinalities[u]
        elif heuristic == "min_fill":
            value = len(fill)
        else:
            value = sum(cardinalities[a] * cardinalities[b] for a, b in fill)
        return value, v

    remaining, order = set(to_eliminate), []
    while remaining:
        v = min(remaining, key=cost)
        near = neighbours.pop(v)
        for u in near:
            neighbours[u].discard(v)
            neighbours[u].update(near - {u})
        remaining.remove(v)
        order.append(v)
    return order


def _eliminate(factors: list[Factor], order: Sequence[int]) -> list[Factor]:
    """Sum out ``order``'s variables one by one (sum-product)."""
    for variable in order:
        touching = [f for f in factors if variable in f.variables]
        factors = [f for f in factors if variable not in f.variables]
        if touching:
            factors.append(sum_out(multiply(touching), variable))
    return factors


def _prepare(structure, log_cpts, keep, evidence_vars, evidence_values, heuristic):
    """Factors of the relevant (ancestral) sub-network, evidence reduced, the rest summed out
    except ``keep``."""
    evidence_vars = tuple(evidence_vars)
    relevant = structure.ancestral_closure((*keep, *evidence_vars))
    factors = [f for f in bayesnet_factors(structure, log_cpts) if f.variables[-1] in relevant]
    for position, variable in enumerate(evidence_vars):
        value = evidence_values[position]
        factors = [_reduce(f, variable, value) if variable in f.variables else f for f in factors]
    hidden = sorted(relevant - set(keep) - set(evidence_vars))
    scopes = [f.variables for f in factors]
    return _eliminate(
        factors, elimination_order(scopes, hidden, structure.cardinalities, heuristic)
    )


def query_log_table(
    structure: BayesNetStructure,
    log_cpts: Sequence[jax.Array],
    variables: Sequence[int],
    evidence_vars: Sequence[int] = (),
    evidence_values: jax.Array | None = None,
    *,
    heuristic: str = "min_fill",
) -> tuple[jax.Array, jax.Array]:
    r"""The posterior :math:`\log p(x_Q \mid x_E = e)` and :math:`\log p(e)`.

    Args:
        structure: the network (static).
        log_cpts: one log-CPT per node (see :mod:`gen_jax.models.bayesnet.structure`).
        variables: the query variable indices ``Q`` (distinct, not in ``evidence_vars``).
        evidence_vars: the observed variable indices ``E`` (static).
        evidence_values: ``[len(E)]`` integer states (may be traced).
        heuristic: the elimination-order heuristic.

    Returns:
        ``(log_table, log_evidence)``: ``log_table`` has one axis per query variable, in the
        order given, and log-sums to 0 (all ``NaN`` if the evidence has probability 0);
        ``log_evidence`` is :math:`\log p(e)` (0 without evidence).
    """
    variables = tuple(variables)
    factors = _prepare(structure, log_cpts, variables, evidence_vars, evidence_values, heuristic)
    if factors:
        joint = multiply(factors)
    else:
        joint = Factor((), jnp.zeros((), log_cpts[0].dtype))
    table = _aligned(joint, variables)
    table = jnp.broadcast_to(table, tuple(structure.cardinalities[v] for v in variables))
    log_norm = jax.nn.logsumexp(table) if variables else table
    return table - log_norm, log_norm


def log_evidence(
    structure: BayesNetStructure,
    log_cpts: Sequence[jax.Array],
    log_indicators: Sequence[jax.Array],
    *,
    heuristic: str = "min_fill",
) -> jax.Array:
    r""":math:`\log \sum_x \prod_i p(x_i \mid x_{\mathrm{pa}(i)}) \prod_i \lambda_i(x_i)`.

    With :math:`\log\lambda_i` equal to 0 at the observed state of an observed node and
    :math:`-\infty` elsewhere, and all 0 for a missing (or latent) node, this is the
    log-probability of the observed cells of one example. Its gradient with respect to
    ``log_cpts[i]`` is the posterior of node ``i``'s family,
    :math:`p(x_i, x_{\mathrm{pa}(i)} \mid \text{observed})` (Darwiche 2003). Every
    variable is summed out with the same static order, so ``vmap`` over examples.

    Args:
        structure: the network (static).
        log_cpts: one log-CPT per node.
        log_indicators: ``log_indicators[i]`` of shape ``[cardinalities[i]]``.
        heuristic: the elimination-order heuristic.
    """
    factors = bayesnet_factors(structure, log_cpts)
    factors += [Factor((i,), lam) for i, lam in enumerate(log_indicators)]
    order = elimination_order(
        [f.variables for f in factors],
        range(structure.num_nodes),
        structure.cardinalities,
        heuristic,
    )
    remaining = _eliminate(factors, order)
    return sum(f.log_values for f in remaining)


def map_query(
    structure: BayesNetStructure,
    log_cpts: Sequence[jax.Array],
    variables: Sequence[int],
    evidence_vars: Sequence[int] = (),
    evidence_values: jax.Array | None = None,
    *,
    heuristic: str = "min_fill",
) -> tuple[jax.Array, jax.Array]:
    r"""The most probable joint state of ``variables`` given the evidence, and its probability.

    :math:`\hat x_Q = \arg\max_{x_Q} p(x_Q \mid e)`: variables outside ``Q`` and ``E`` are
    summed out first, then ``Q`` is maxed out by max-product elimination, storing the
    arg-max of each step, and the assignment is read back in reverse order (Koller &
    Friedman §13.2). With ``Q`` all non-evidence variables this is the MPE.

    Returns:
        ``(states [len(Q)] int32, log_probability)`` with :math:`\log p(\hat x_Q \mid e)`.
    """
    variables = tuple(variables)
    factors = _prepare(structure, log_cpts, variables, evidence_vars, evidence_values, heuristic)
    log_norm = sum(
        f.log_values
        for f in _eliminate(list(factors), sorted({v for f in factors for v in f.variables}))
    )
    order = elimination_order(
        [f.variables for f in factors], variables, structure.cardinalities, heuristic
    )
    choices = []
    for variable in order:
        touching = [f for f in factors if variable in f.variables]
        factors = [f for f in factors if variable not in f.variables]
        product = (
            multiply(touching)
            if touching
            else Factor(
                (variable,), jnp.zeros((structure.cardinalities[variable],), log_norm.dtype)
            )
        )
        axis = product.variables.index(variable)
        rest = product.variables[:axis] + product.variables[axis + 1 :]
        choices.append((variable, rest, jnp.argmax(product.log_values, axis=axis)))
        factors.append(Factor(rest, jnp.max(product.log_values, axis=axis)))
    log_max = sum(f.log_values for f in factors)
    states: dict[int, jax.Array] = {}
    for variable, rest, best in reversed(choices):
        states[variable] = best[tuple(states[v] for v in rest)] if rest else best
    result = jnp.stack([jnp.asarray(states[v], jnp.int32) for v in variables])
    return result, log_max - log_norm
