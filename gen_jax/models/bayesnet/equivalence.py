"""Markov equivalence of DAGs: v-structures and the equivalence test.

Two DAGs encode the same conditional independences exactly when they have the same skeleton
and the same v-structures; score-equivalent scores (BIC, BDeu) cannot tell them apart.

References:
    Verma & Pearl (1990), Equivalence and synthesis of causal models, UAI 6.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

__all__ = ["markov_equivalent", "v_structures"]


def v_structures(edges: Iterable[tuple[Hashable, Hashable]]) -> set:
    """The colliders ``a -> c <- b`` with ``a`` and ``b`` not adjacent, as
    ``(frozenset({a, b}), c)``."""
    edges = list(edges)
    skeleton = {frozenset(edge) for edge in edges}
    parents: dict[Hashable, list] = {}
    for parent, child in edges:
        parents.setdefault(child, []).append(parent)
    return {
        (frozenset((a, b)), child)
        for child, ps in parents.items()
        for i, a in enumerate(ps)
        for b in ps[i + 1 :]
        if frozenset((a, b)) not in skeleton
    }


def markov_equivalent(
    edges: Iterable[tuple[Hashable, Hashable]], other: Iterable[tuple[Hashable, Hashable]]
) -> bool:
    """Whether two DAGs encode the same independences: the same skeleton and the same
    v-structures (Verma & Pearl 1990). Score-equivalent scores (BIC, BDeu) cannot tell such
    DAGs apart, so a search can only be asked to find the class."""
    edges, other = list(edges), list(other)
    return {frozenset(e) for e in edges} == {frozenset(e) for e in other} and v_structures(
        edges
    ) == v_structures(other)
