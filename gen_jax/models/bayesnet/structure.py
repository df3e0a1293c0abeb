r"""The structure of a discrete Bayesian network: nodes, parents, cardinalities, a DAG check.

A Bayesian network over discrete variables :math:`x_1, \dots, x_V` factorises the joint as

.. math::
    p(x_1, \dots, x_V) = \prod_{i=1}^V p(x_i \mid x_{\mathrm{pa}(i)}),

one conditional probability table (CPT) per node, over a directed acyclic graph. This module
holds only the graph: :class:`BayesNetStructure` is hashable, so jitted functions take it as a
static argument and the graph logic (topological order, ancestors, moralisation for the
elimination order) runs in host Python at trace time.

Conventions used throughout ``gen_jax``: node ``i`` is identified by its index in
``structure.nodes`` (the user's order, which is also the column order of data arrays); its
CPT has shape ``(*[cardinalities[p] for p in parents[i]], cardinalities[i])``: the parents'
axes in the order of ``parents[i]`` and the child's states last, each row summing to one.

References:
    Koller & Friedman (2009), Probabilistic Graphical Models, §3.2 (Bayesian networks).
    Lauritzen & Spiegelhalter (1988), Local computations with probabilities on graphical
    structures and their application to expert systems, JRSS-B 50(2).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping, Sequence

__all__ = ["BayesNetStructure", "find_cycle", "make_structure"]


@dataclasses.dataclass(frozen=True)
class BayesNetStructure:
    """A validated DAG over discrete nodes (hashable: usable as a static jit argument).

    Attributes:
        nodes: node names, in data-column order.
        parents: ``parents[i]`` is the tuple of parent indices of node ``i`` (CPT axis order).
        cardinalities: ``cardinalities[i] >= 1``, the number of states of node ``i``.
        order: a topological order of the node indices (parents before children).
    """

    nodes: tuple[Hashable, ...]
    parents: tuple[tuple[int, ...], ...]
    cardinalities: tuple[int, ...]
    order: tuple[int, ...]

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    def index(self, node: Hashable, *, argument: str = "variables") -> int:
        """The index of ``node``; a ``ValueError`` naming ``argument`` if it is unknown."""
        try:
            return self.nodes.index(node)
        except ValueError:
            raise ValueError(
                f"{argument} names the node {node!r}, which is not in the network; the nodes "
                f"are {list(self.nodes)}"
            ) from None

    def cpt_shape(self, node: int) -> tuple[int, ...]:
        """The shape of node ``node``'s CPT: parents' cardinalities, then its own."""
        return (*(self.cardinalities[p] for p in self.parents[node]), self.cardinalities[node])

    def children(self, node: int) -> tuple[int, ...]:
        return tuple(i for i in range(self.num_nodes) if node in self.parents[i])

    def ancestral_closure(self, nodes: Iterable[int]) -> frozenset[int]:
        """``nodes`` together with all their ancestors."""
        closed, frontier = set(), list(nodes)
        while frontier:
            node = frontier.pop()
            if node not in closed:
                closed.add(node)
                frontier.extend(self.parents[node])
        return frozenset(closed)

    def edges(self) -> list[tuple[Hashable, Hashable]]:
        """``(parent, child)`` name pairs."""
        return [
            (self.nodes[p], self.nodes[i]) for i in range(self.num_nodes) for p in self.parents[i]
        ]


def find_cycle(num_nodes: int, parents: Sequence[Sequence[int]]) -> list[int] | None:
    """A directed cycle as a list of node indices (first == last), or None if acyclic."""
    children = [[] for _ in range(num_nodes)]
    for child, parent_list in enumerate(parents):
        for parent in parent_list:
            children[parent].append(child)
    state = [0] * num_nodes  # 0 unvisited, 1 on the stack, 2 done
    for root in range(num_nodes):
        if state[root]:
            continue
        stack, path = [(root, iter(children[root]))], [root]
        state[root] = 1
        while stack:
            node, successors = stack[-1]
            successor = next(successors, None)
            if successor is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state[successor] == 1:
                return path[path.index(successor) :] + [successor]
            elif state[successor] == 0:
                state[successor] = 1
                stack.append((successor, iter(children[successor])))
                path.append(successor)
    return None


def _topological_order(parents: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """Kahn's algorithm; ties broken by node index, so the order is deterministic."""
    remaining = [len(set(p)) for p in parents]
    children = [[] for _ in parents]
    for child, parent_list in enumerate(parents):
        for parent in set(parent_list):
            children[parent].append(child)
    ready = [i for i, count in enumerate(remaining) if count == 0]
    order = []
    while ready:
        ready.sort()
        node = ready.pop(0)
        order.append(node)
        for child in children[node]:
            remaining[child] -= 1
            if remaining[child] == 0:
                ready.append(child)
    return tuple(order)


def make_structure(
    edges: Iterable[tuple[Hashable, Hashable]],
    cardinalities: Mapping[Hashable, int],
    *,
    nodes: Sequence[Hashable] | None = None,
) -> BayesNetStructure:
    """Validate a DAG and build its :class:`BayesNetStructure`.

    Args:
        edges: ``(parent, child)`` pairs.
        cardinalities: node -> number of states (an int >= 1) for every node.
        nodes: the node (data-column) order; the keys of ``cardinalities`` by default.

    Raises:
        ValueError: an edge names a node without a cardinality, a self-loop or repeated
            edge, a cycle (the message shows it), or a cardinality that is not an int >= 1.
    """
    if not isinstance(cardinalities, Mapping):
        raise TypeError(
            f"cardinalities is a {type(cardinalities).__name__}; pass a dict node -> number of "
            "states, e.g. {'rain': 2, 'sprinkler': 2}"
        )
    nodes = tuple(cardinalities) if nodes is None else tuple(nodes)
    if not nodes:
        raise ValueError("the network has no nodes; give cardinalities for at least one node")
    if len(set(nodes)) != len(nodes):
        raise ValueError(f"nodes {list(nodes)} repeat a name; node names must be unique")
    missing = [node for node in nodes if node not in cardinalities]
    if missing:
        raise ValueError(f"cardinalities gives no number of states for nodes {missing}")
    cards = []
    for node in nodes:
        card = cardinalities[node]
        if isinstance(card, bool) or not isinstance(card, int) or card < 1:
            raise ValueError(
                f"cardinalities[{node!r}] = {card!r}: the number of states must be an int >= 1"
            )
        cards.append(int(card))
    index = {node: i for i, node in enumerate(nodes)}
    parents: list[list[int]] = [[] for _ in nodes]
    for edge in edges:
        if not (isinstance(edge, Sequence) and len(edge) == 2) or isinstance(edge, str):
            raise ValueError(f"edges holds {edge!r}; each edge must be a (parent, child) pair")
        parent, child = edge
        for role, name in (("parent", parent), ("child", child)):
            if name not in index:
                raise ValueError(
                    f"edge ({parent!r}, {child!r}) names the unknown {role} {name!r}; add it to "
                    f"cardinalities (known nodes: {list(nodes)})"
                )
        if parent == child:
            raise ValueError(f"edge ({parent!r}, {child!r}) is a self-loop; a DAG has none")
        if index[parent] in parents[index[child]]:
            raise ValueError(f"edge ({parent!r}, {child!r}) is given twice")
        parents[index[child]].append(index[parent])
    cycle = find_cycle(len(nodes), parents)
    if cycle is not None:
        path = " -> ".join(repr(nodes[i]) for i in cycle)
        raise ValueError(f"edges contain the cycle {path}; a Bayesian network must be acyclic")
    return BayesNetStructure(
        nodes=nodes,
        parents=tuple(tuple(p) for p in parents),
        cardinalities=tuple(cards),
        order=_topological_order(parents),
    )
