"""``BayesianNetwork``'s exact queries: arguments checked and turned into indices, and the
jitted variable-elimination calls (:mod:`~gen_jax.models.bayesnet.variable_elimination`).

:class:`BayesNetQueryMixin` gives the estimator its ``query``, ``map_query`` and
``likelihood_weighting``. A query names its variables and its evidence nodes by node name;
an evidence state is an index ``0..r-1`` or, for a node with state names, one of those
names. Arrays of states ``[B]`` (one length for every evidence node) ask ``B`` queries at
once.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.estimators.base import requires_fit
from gen_jax.models.bayesnet import sampling as sampling_bn
from gen_jax.models.bayesnet import variable_elimination
from gen_jax.models.bayesnet.structure import BayesNetStructure

_query = jax.jit(
    variable_elimination.query_log_table,
    static_argnames=("heuristic",),
    static_argnums=(0, 2, 3),
)
_map = jax.jit(
    variable_elimination.map_query,
    static_argnames=("heuristic",),
    static_argnums=(0, 2, 3),
)


@functools.partial(jax.jit, static_argnums=(0, 2, 3, 5))
def _query_batch(structure, log_cpts, variables, evidence_vars, evidence_values, heuristic):
    def one(values):
        return variable_elimination.query_log_table(
            structure, log_cpts, variables, evidence_vars, values, heuristic=heuristic
        )

    return jax.vmap(one)(evidence_values)


def state_indices(
    structure: BayesNetStructure, names: Sequence | None, node: Hashable, value, argument: str
) -> np.ndarray:
    """``value`` (a state of ``node``, or an array of them) as int32 state indices.

    Args:
        structure: the network.
        names: ``node``'s state names, or None.
        node: the node.
        value: state indices, or state names when ``names`` is given.
        argument: the argument's name in error messages.

    Raises:
        ValueError: naming ``argument`` and ``node`` for an unknown name or an index out of
            range.
    """
    card = structure.cardinalities[structure.index(node, argument=argument)]
    array = np.asarray(value)
    if names is not None and array.dtype.kind not in "iu":
        lookup = {label: k for k, label in enumerate(names)}
        flat = [lookup.get(v) for v in np.ravel(array).tolist()]
        if None in flat:
            raise ValueError(
                f"{argument}[{node!r}] = {value!r}: not a state of {node!r} ({list(names)})"
            )
        array = np.asarray(flat).reshape(array.shape)
    if array.dtype.kind not in "iu" or (array < 0).any() or (array >= card).any():
        raise ValueError(
            f"{argument}[{node!r}] = {value!r}: pass a state index in 0..{card - 1}"
            + (f" or a name in {list(names)}" if names is not None else "")
        )
    return array.astype(np.int32)


def parse_query(
    structure: BayesNetStructure,
    state_names: Mapping[Hashable, Sequence | None],
    variables,
    evidence: Mapping | None,
) -> tuple[tuple[int, ...], tuple[int, ...], list[np.ndarray]]:
    """``(query, observed, states)``: the indices of the query variables and of the evidence
    nodes, and each evidence node's states (all of one shape).

    Args:
        structure: the network.
        state_names: node -> state names or None.
        variables: a node, or a sequence of distinct nodes not in ``evidence``.
        evidence: node -> state (index or name), or arrays of them ``[B]``.
    """
    if isinstance(variables, (str, int)) or not isinstance(variables, Iterable):
        variables = [variables]
    query = tuple(structure.index(v, argument="variables") for v in variables)
    evidence = dict(evidence or {})
    observed = tuple(structure.index(v, argument="evidence") for v in evidence)
    clash = set(query) & set(observed)
    if len(set(query)) != len(query) or clash:
        raise ValueError(
            f"variables={list(variables)} must be distinct and not in evidence "
            f"({[structure.nodes[v] for v in clash]} are both)"
        )
    states = [
        state_indices(structure, state_names.get(node), node, value, "evidence")
        for node, value in evidence.items()
    ]
    shapes = {s.shape for s in states}
    if len(shapes) > 1:
        raise ValueError(f"evidence values have different shapes {sorted(shapes)}")
    return query, observed, states


def single_evidence(states: list[np.ndarray]) -> jax.Array:
    """``[E]`` int32 states of a query with one state per evidence node."""
    return jnp.asarray(np.asarray(states, np.int32).reshape(len(states)))


def posterior_table(structure, log_cpts, query, observed, states, heuristic: str) -> np.ndarray:
    """:math:`p(x_Q \\mid e)`, ``[*cards of Q]``, or ``[B, *cards]`` for ``[B]`` states."""
    if states and states[0].ndim == 1:
        values = jnp.asarray(np.stack(states, 1))
        log_table, _ = _query_batch(structure, log_cpts, query, observed, values, heuristic)
    else:
        values = single_evidence(states)
        log_table, _ = _query(structure, log_cpts, query, observed, values, heuristic=heuristic)
    return np.exp(np.asarray(log_table))


def most_probable_states(
    structure, log_cpts, query, observed, states, heuristic: str
) -> tuple[list[int], jax.Array]:
    """``(states of Q, log p(those states | e))``: the MAP assignment of the query."""
    values = single_evidence(states)
    best, log_prob = _map(structure, log_cpts, query, observed, values, heuristic=heuristic)
    return np.asarray(best).tolist(), log_prob


class BayesNetQueryMixin:
    """``BayesianNetwork``'s queries: exact posteriors and MAP states by variable
    elimination, and likelihood weighting; needs ``structure_``, ``log_cpts_``,
    ``state_names_``, ``nodes_``, ``heuristic`` and ``_key``."""

    def _parse_query(self, variables, evidence):
        return parse_query(self.structure_, self.state_names_, variables, evidence)

    @requires_fit
    def query(self, variables, evidence: Mapping | None = None) -> np.ndarray:
        """The exact posterior table :math:`p(x_Q \\mid e)` by variable elimination.

        Args:
            variables: a node, or a sequence of nodes ``Q`` (the table's axes, in order).
            evidence: node -> observed state (index or name). Arrays of states ``[B]``
                (the same length for every node) answer ``B`` queries in one vmapped call.

        Returns:
            ``[*cards of Q]`` probabilities summing to one (``[B, *cards]`` for batched
            evidence); NaN where the evidence has probability zero.
        """
        query, observed, states = self._parse_query(variables, evidence)
        return posterior_table(
            self.structure_, self.log_cpts_, query, observed, states, self.heuristic
        )

    @requires_fit
    def map_query(self, variables=None, evidence: Mapping | None = None):
        """The most probable joint state of ``variables`` (default: all unobserved nodes).

        Returns:
            ``(states, probability)``: node -> state (its name when it has one) and
            :math:`p(\\hat x_Q \\mid e)`.
        """
        if variables is None:
            variables = [v for v in self.nodes_ if v not in dict(evidence or {})]
        query, observed, states = self._parse_query(variables, evidence)
        best, log_prob = most_probable_states(
            self.structure_, self.log_cpts_, query, observed, states, self.heuristic
        )
        result = {}
        for v, state in zip(query, best, strict=True):
            names = self.state_names_.get(self.nodes_[v])
            result[self.nodes_[v]] = names[state] if names is not None else state
        return result, float(np.exp(log_prob))

    @requires_fit
    def likelihood_weighting(
        self,
        variables,
        evidence: Mapping | None = None,
        *,
        num_samples: int = 10_000,
        key: jax.Array | None = None,
    ) -> np.ndarray:
        """A likelihood-weighting estimate of :meth:`query`'s table (single evidence)."""
        query, observed, states = self._parse_query(variables, evidence)
        return np.asarray(
            sampling_bn.likelihood_weighting_query(
                self.structure_,
                self.log_cpts_,
                query,
                observed,
                single_evidence(states),
                self._key(key),
                num_samples,
            )
        )
