r"""Score-based structure learning for discrete Bayesian networks: hill climbing over DAGs.

The scores (BIC, K2, BDeu) are in :mod:`gen_jax.models.bayesnet.scores`; they are
*decomposable*, a DAG's score being a sum of local terms, one per node and its parent set.

Hill climbing starts at a DAG (empty by default) and repeatedly applies the single edge
addition, removal or reversal that raises the score most, keeping the graph acyclic, until
no operation gains more than ``epsilon``. Because the score decomposes, an operation's gain
involves only the one or two nodes whose parent sets change, and local scores are cached by
``(node, parent set)``: each step costs one cache look-up per candidate operation, and new
counts only for parent sets not seen before. The options follow pgmpy's ``HillClimbSearch``
and bnlearn's ``hc``: a tabu list forbids undoing the last ``tabu_length`` operations, a
maximum number of parents, black-listed (forbidden) and white-listed (required) edges, and
random restarts that perturb the best DAG with random operations and climb again.

Counting is host-side numpy (``bincount`` over flat family indices): the parent sets and so
the table shapes change at every step, which would recompile a jitted counter each time.

References:
    Koller & Friedman (2009), Probabilistic Graphical Models, §18.4.3 (local search over
    structures, tabu lists, random restarts).
    Scutari (2010), Learning Bayesian networks with the bnlearn R package, JSS 35(3).
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

from gen_jax.models.bayesnet.scores import LocalScore, edge_set, encode_complete
from gen_jax.models.bayesnet.structure import find_cycle

__all__ = ["StructureSearchResult", "hill_climb_search"]


@dataclasses.dataclass(frozen=True)
class StructureSearchResult:
    """What :func:`hill_climb_search` found.

    Attributes:
        edges: ``(parent, child)`` node-name pairs of the best DAG.
        nodes: the node names (data-column order).
        cardinalities: node -> number of states used for scoring.
        state_names: node -> state labels, or None for integer states.
        score: the best DAG's total score.
        score_history: the score after every accepted operation, over all climbs.
        num_operations: operations accepted in all climbs (perturbations not counted).
        restart_scores: the local optimum reached by the first climb and each restart.
    """

    edges: list[tuple[Hashable, Hashable]]
    nodes: tuple[Hashable, ...]
    cardinalities: dict[Hashable, int]
    state_names: dict[Hashable, tuple | None]
    score: float
    score_history: np.ndarray
    num_operations: int
    restart_scores: np.ndarray


def _descendants(children: list[set[int]], start: int) -> set[int]:
    """``start`` and every node reachable from it."""
    seen, stack = {start}, [start]
    while stack:
        for child in children[stack.pop()]:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _reachable_avoiding_edge(children: list[set[int]], source: int, target: int) -> bool:
    """Whether a directed path ``source -> ... -> target`` exists besides the edge itself."""
    for child in children[source]:
        if child != target and target in _descendants(children, child):
            return True
    return False


def _legal_operations(parents, children, local, *, tabu, max_parents, black, white):
    """Yield ``(gain, operation)`` for every legal single-edge change, in a fixed order.

    Operations are ``("+", x, y)`` (add ``x -> y``), ``("-", x, y)`` and ``("flip", x, y)``
    (``x -> y`` becomes ``y -> x``), as in pgmpy's ``HillClimbSearch``.
    """
    num_nodes = len(parents)
    descendants = [_descendants(children, v) for v in range(num_nodes)]
    for x in range(num_nodes):
        for y in range(num_nodes):
            if x == y or x in parents[y] or y in parents[x] or x in descendants[y]:
                continue
            if ("+", x, y) in tabu or (x, y) in black or len(parents[y]) + 1 > max_parents:
                continue
            yield local(y, parents[y] | {x}) - local(y, parents[y]), ("+", x, y)
    for y in range(num_nodes):
        for x in sorted(parents[y]):
            if ("-", x, y) in tabu or (x, y) in white:
                continue
            yield local(y, parents[y] - {x}) - local(y, parents[y]), ("-", x, y)
    for y in range(num_nodes):
        for x in sorted(parents[y]):
            if ("flip", x, y) in tabu or ("flip", y, x) in tabu:
                continue
            if (x, y) in white or (y, x) in black or len(parents[x]) + 1 > max_parents:
                continue
            if _reachable_avoiding_edge(children, x, y):
                continue
            gain = (
                local(x, parents[x] | {y})
                + local(y, parents[y] - {x})
                - local(x, parents[x])
                - local(y, parents[y])
            )
            yield gain, ("flip", x, y)


def _apply(parents, children, operation) -> None:
    kind, x, y = operation
    if kind in ("-", "flip"):
        parents[y].discard(x)
        children[x].discard(y)
    if kind == "+":
        parents[y].add(x)
        children[x].add(y)
    if kind == "flip":
        parents[x].add(y)
        children[y].add(x)


def _climb(parents, local, *, tabu_length, max_parents, black, white, epsilon, max_iter):
    """Greedy ascent from ``parents`` (modified in place); returns the score history."""
    children = [set() for _ in parents]
    for child, parent_set in enumerate(parents):
        for parent in parent_set:
            children[parent].add(child)
    tabu: deque = deque(maxlen=tabu_length)
    history = []
    for _ in range(max_iter):
        best_gain, best = -math.inf, None
        for gain, operation in _legal_operations(
            parents,
            children,
            local,
            tabu=set(tabu),
            max_parents=max_parents,
            black=black,
            white=white,
        ):
            if gain > best_gain:
                best_gain, best = gain, operation
        if best is None or best_gain < epsilon:
            break
        _apply(parents, children, best)
        kind, x, y = best
        tabu.append(("-" if kind == "+" else "+" if kind == "-" else "flip", x, y))
        history.append(local.total(parents))
    return history


def _perturb(parents, rng, num_operations, *, max_parents, black, white) -> None:
    """Apply ``num_operations`` random legal operations (a restart's kick), in place."""
    children = [set() for _ in parents]
    for child, parent_set in enumerate(parents):
        for parent in parent_set:
            children[parent].add(child)

    def no_score(node, parent_set):
        return 0.0

    for _ in range(num_operations):
        operations = [
            op
            for _, op in _legal_operations(
                parents,
                children,
                no_score,
                tabu=set(),
                max_parents=max_parents,
                black=black,
                white=white,
            )
        ]
        if not operations:
            return
        _apply(parents, children, operations[rng.integers(len(operations))])


def hill_climb_search(
    data,
    *,
    score: str = "bic",
    nodes: Sequence[Hashable] | None = None,
    cardinalities: Mapping[Hashable, int] | None = None,
    state_names: Mapping[Hashable, Sequence] | None = None,
    start_edges: Iterable[tuple[Hashable, Hashable]] = (),
    black_list: Iterable[tuple[Hashable, Hashable]] = (),
    white_list: Iterable[tuple[Hashable, Hashable]] = (),
    max_parents: int | None = None,
    tabu_length: int = 100,
    epsilon: float = 1e-4,
    max_iter: int = 1_000_000,
    restarts: int = 0,
    perturb: int = 1,
    random_state: int = 0,
    equivalent_sample_size: float = 10.0,
) -> StructureSearchResult:
    """Greedy hill climbing over DAGs maximising a decomposable score.

    Each step applies the single legal edge addition, removal or reversal with the largest
    score gain (the first in a fixed order on ties); the climb stops when no gain reaches
    ``epsilon`` or after ``max_iter`` steps. Without restarts this is pgmpy's
    ``HillClimbSearch.estimate`` with the same options.

    Args:
        data: ``[N, V]`` array or DataFrame, one column per node, no missing cells.
        score: ``"bic"`` (default), ``"k2"`` or ``"bdeu"``.
        nodes: node names in column order; a DataFrame's columns or ``0..V-1`` by default.
        cardinalities: node -> number of states (default: inferred from the data).
        state_names: node -> state labels (default: inferred, as in pgmpy).
        start_edges: the initial DAG (empty by default).
        black_list: edges never added (and not allowed in ``start_edges``).
        white_list: edges always present (added to the start, never removed or reversed).
        max_parents: the largest number of parents of any node (no limit by default).
        tabu_length: how many recent operations may not be undone.
        epsilon: the smallest score gain that counts as an improvement.
        max_iter: the most operations per climb.
        restarts: random restarts: each perturbs the best DAG so far with ``perturb``
            random legal operations and climbs again; the best local optimum is kept.
        perturb: operations per restart's perturbation.
        random_state: seed of the perturbations.
        equivalent_sample_size: BDeu's ESS.

    Returns:
        A :class:`StructureSearchResult`.

    Raises:
        ValueError: bad options, missing cells, unknown nodes in an edge list, a start DAG
            that is cyclic or uses black-listed edges, white-listed edges that form a cycle
            or exceed ``max_parents``.
    """
    values, nodes, cards, labels = encode_complete(data, nodes, cardinalities, state_names)
    if max_parents is None:
        max_parents = len(nodes)
    for name, value, least in (
        ("max_parents", max_parents, 0),
        ("tabu_length", tabu_length, 0),
        ("max_iter", max_iter, 0),
        ("restarts", restarts, 0),
        ("perturb", perturb, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{name}={value!r}: must be an int >= {least}")
    if not (epsilon >= 0 and math.isfinite(epsilon)):
        raise ValueError(f"epsilon={epsilon!r}: must be a finite number >= 0")
    index = {node: i for i, node in enumerate(nodes)}
    black = edge_set(black_list, index, "black_list")
    white = edge_set(white_list, index, "white_list")
    start = edge_set(start_edges, index, "start_edges")
    if black & (white | start):
        clash = sorted((nodes[x], nodes[y]) for x, y in black & (white | start))
        raise ValueError(
            f"black_list forbids the edges {clash}, which white_list or start_edges require; "
            "remove them from one of the lists"
        )
    parents = [set() for _ in nodes]
    for x, y in start | white:
        parents[y].add(x)
    cycle = find_cycle(len(nodes), [sorted(p) for p in parents])
    if cycle is not None:
        path = " -> ".join(repr(nodes[i]) for i in cycle)
        raise ValueError(
            f"start_edges and white_list together contain the cycle {path}; the start must be a DAG"
        )
    crowded = [nodes[i] for i, p in enumerate(parents) if len(p) > max_parents]
    if crowded:
        raise ValueError(
            f"nodes {crowded} start with more than max_parents={max_parents} parents; raise "
            "max_parents or shorten start_edges/white_list"
        )
    local = LocalScore(
        values,
        [cards[n] for n in nodes],
        score,
        equivalent_sample_size=equivalent_sample_size,
    )
    options = dict(max_parents=max_parents, black=black, white=white)
    history = _climb(
        parents, local, tabu_length=tabu_length, epsilon=epsilon, max_iter=max_iter, **options
    )
    num_operations = len(history)
    best, best_score = [set(p) for p in parents], local.total(parents)
    restart_scores = [best_score]
    rng = np.random.default_rng(random_state)
    for _ in range(restarts):
        candidate = [set(p) for p in best]
        _perturb(candidate, rng, perturb, **options)
        climbed = _climb(
            candidate,
            local,
            tabu_length=tabu_length,
            epsilon=epsilon,
            max_iter=max_iter,
            **options,
        )
        history.extend(climbed)
        num_operations += len(climbed)
        candidate_score = local.total(candidate)
        restart_scores.append(candidate_score)
        if candidate_score > best_score + epsilon:
            best, best_score = candidate, candidate_score
    edges = [(nodes[x], nodes[y]) for y in range(len(nodes)) for x in sorted(best[y])]
    return StructureSearchResult(
        edges=edges,
        nodes=nodes,
        cardinalities=cards,
        state_names={node: labels.get(node) for node in nodes},
        score=best_score,
        score_history=np.asarray(history, np.float64),
        num_operations=num_operations,
        restart_scores=np.asarray(restart_scores, np.float64),
    )
