r"""Scores of discrete Bayesian network structures on complete data: BIC, K2 and BDeu.

The scores are *decomposable*: a DAG's score is a sum of local terms, one per node and its
parent set. With :math:`N_{ijk}` the number of rows where node :math:`i` is in state
:math:`k` and its parents in configuration :math:`j` (:math:`q_i` configurations,
:math:`r_i` states, :math:`N` rows),

.. math::
    \mathrm{BIC}_i = \sum_{j,k} N_{ijk} \log\frac{N_{ijk}}{N_{ij}}
        - \tfrac12 \log N \cdot q_i (r_i - 1),

the maximised log-likelihood less the Schwarz penalty (higher is better, as in pgmpy and
bnlearn). The Bayesian-Dirichlet scores are the log marginal likelihoods

.. math::
    \mathrm{BD}_i = \sum_j \Big[\log\Gamma(\alpha_{ij}) - \log\Gamma(\alpha_{ij} + N_{ij})
        + \sum_k \log\Gamma(\alpha_{ijk} + N_{ijk}) - \log\Gamma(\alpha_{ijk})\Big]

with :math:`\alpha_{ijk} = 1` (K2) or :math:`\mathrm{ESS}/(q_i r_i)` (BDeu).

Counting is host-side numpy (``bincount`` over flat family indices): the parent sets and so
the table shapes change at every step, which would recompile a jitted counter each time.

References:
    Schwarz (1978), Estimating the dimension of a model, Annals of Statistics 6(2) (BIC).
    Cooper & Herskovits (1992), A Bayesian method for the induction of probabilistic
    networks from data, Machine Learning 9 (K2).
    Heckerman, Geiger & Chickering (1995), Learning Bayesian networks: the combination of
    knowledge and statistical data, Machine Learning 20 (BDeu).
    Koller & Friedman (2009), Probabilistic Graphical Models, §18.3 (scores).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
from scipy.special import gammaln

from gen_jax.models.bayesnet.data import encode_table, is_dataframe
from gen_jax.models.bayesnet.structure import find_cycle

__all__ = ["SCORES", "LocalScore", "edge_set", "encode_complete", "structure_score"]

SCORES = ("bic", "k2", "bdeu")


class LocalScore:
    """Cached local scores :math:`s(i, \\mathrm{pa}(i))` of complete discrete data.

    Args:
        values: ``[N, V]`` integer states ``0..cardinalities[i]-1``, no missing cells.
        cardinalities: ``[V]`` number of states per node.
        score: one of :data:`SCORES`.
        equivalent_sample_size: BDeu's ESS.
    """

    def __init__(
        self,
        values: np.ndarray,
        cardinalities: Sequence[int],
        score: str = "bic",
        *,
        equivalent_sample_size: float = 10.0,
    ):
        if score not in SCORES:
            raise ValueError(f"score={score!r}; choose one of {SCORES}")
        if not (equivalent_sample_size > 0 and math.isfinite(equivalent_sample_size)):
            raise ValueError(
                f"equivalent_sample_size={equivalent_sample_size!r}: must be a positive number"
            )
        self.values = np.asarray(values, np.int64)
        self.cardinalities = tuple(int(c) for c in cardinalities)
        self.score = score
        self.equivalent_sample_size = float(equivalent_sample_size)
        self._cache: dict[tuple[int, tuple[int, ...]], float] = {}

    def counts(self, node: int, parents: Iterable[int]) -> np.ndarray:
        """``[q, r]`` counts :math:`N_{ijk}`: parent configurations (row-major over the
        sorted ``parents``) by the node's states."""
        parents = sorted(parents)
        index = np.zeros(len(self.values), np.int64)
        for variable in (*parents, node):
            index = index * self.cardinalities[variable] + self.values[:, variable]
        num_configs = math.prod(self.cardinalities[p] for p in parents)
        size = num_configs * self.cardinalities[node]
        return np.bincount(index, minlength=size).reshape(num_configs, -1).astype(np.float64)

    def __call__(self, node: int, parents: Iterable[int]) -> float:
        """The local score of ``node`` with the parent set ``parents`` (order irrelevant)."""
        key = (node, tuple(sorted(parents)))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._compute(node, key[1])
        return cached

    def _compute(self, node: int, parents: tuple[int, ...]) -> float:
        counts = self.counts(node, parents)
        num_configs, num_states = counts.shape
        row_totals = counts.sum(axis=1, keepdims=True)
        if self.score == "bic":
            ratio = np.divide(counts, row_totals, out=np.ones_like(counts), where=counts > 0)
            log_likelihood = float(np.sum(counts * np.log(ratio)))
            penalty = 0.5 * math.log(len(self.values)) * num_configs * (num_states - 1)
            return log_likelihood - penalty
        if self.score == "k2":
            alpha = 1.0
        else:
            alpha = self.equivalent_sample_size / (num_configs * num_states)
        return float(
            np.sum(gammaln(num_states * alpha) - gammaln(num_states * alpha + row_totals))
            + np.sum(gammaln(alpha + counts) - gammaln(alpha))
        )

    def total(self, parents: Sequence[Iterable[int]]) -> float:
        """The score of the DAG whose node ``i`` has the parents ``parents[i]``."""
        return sum(self(node, p) for node, p in enumerate(parents))


def encode_complete(data, nodes, cardinalities, state_names):
    """Complete data as ``[N, V]`` int states, with node names, cardinalities, labels."""
    if nodes is None:
        if is_dataframe(data):
            nodes = list(data.columns)
        else:
            nodes = list(range(np.shape(data)[1] if np.ndim(data) == 2 else 0))
    nodes = tuple(nodes)
    if len(set(nodes)) != len(nodes):
        raise ValueError(f"nodes {list(nodes)} repeat a name; node names must be unique")
    table = encode_table(data, nodes=nodes, state_names=state_names, cardinalities=cardinalities)
    if not table.observed.all():
        raise ValueError(
            "data has missing cells; structure search needs complete data: drop or impute "
            "the incomplete rows (e.g. data.dropna())"
        )
    cards = {
        node: int((cardinalities or {}).get(node, table.cardinalities[node])) for node in nodes
    }
    return table.values, nodes, cards, table.state_names


def edge_set(edges, index, argument: str) -> set[tuple[int, int]]:
    result = set()
    for edge in edges:
        if not (isinstance(edge, Sequence) and len(edge) == 2) or isinstance(edge, str):
            raise ValueError(f"{argument} holds {edge!r}; each edge must be a (parent, child) pair")
        for name in edge:
            if name not in index:
                raise ValueError(
                    f"{argument} names the unknown node {name!r}; the nodes are {list(index)}"
                )
        if edge[0] == edge[1]:
            raise ValueError(f"{argument} holds the self-loop {tuple(edge)!r}; a DAG has none")
        result.add((index[edge[0]], index[edge[1]]))
    return result


def structure_score(
    data,
    edges: Iterable[tuple[Hashable, Hashable]],
    *,
    score: str = "bic",
    nodes: Sequence[Hashable] | None = None,
    cardinalities: Mapping[Hashable, int] | None = None,
    state_names: Mapping[Hashable, Sequence] | None = None,
    equivalent_sample_size: float = 10.0,
) -> float:
    """The total ``score`` of the DAG ``edges`` on complete ``data`` (see the module doc).

    Args:
        data: ``[N, V]`` array or DataFrame, one column per node, no missing cells.
        edges: ``(parent, child)`` pairs.
        score: one of :data:`SCORES`.
        nodes: node names in column order; a DataFrame's columns or ``0..V-1`` by default.
        cardinalities: node -> number of states (default: inferred from the data).
        state_names: node -> state labels (default: inferred, as in pgmpy).
        equivalent_sample_size: BDeu's ESS.
    """
    values, nodes, cards, _ = encode_complete(data, nodes, cardinalities, state_names)
    index = {node: i for i, node in enumerate(nodes)}
    parents = [set() for _ in nodes]
    for x, y in edge_set(edges, index, "edges"):
        parents[y].add(x)
    cycle = find_cycle(len(nodes), [sorted(p) for p in parents])
    if cycle is not None:
        path = " -> ".join(repr(nodes[i]) for i in cycle)
        raise ValueError(f"edges contain the cycle {path}; a Bayesian network must be acyclic")
    local = LocalScore(
        values,
        [cards[n] for n in nodes],
        score,
        equivalent_sample_size=equivalent_sample_size,
    )
    return local.total(parents)
