r"""From any PCFG to the dense form the chart algorithms run on, and to Chomsky normal form.

The chart algorithms (:mod:`gen_jax.models.pcfg.chart`) take three kinds of rule: binary
:math:`A \to B\,C`, unary :math:`A \to B` and lexical :math:`A \to w`. Any grammar in the
notation reaches that form by two derivation-preserving rewrites (each derivation of the
original grammar corresponds to exactly one of the rewritten grammar, with the same
probability, so parse trees map back):

- a terminal inside a longer rule, :math:`A \to B\ w`, is replaced by a fresh preterminal
  :math:`\langle w\rangle` with :math:`\langle w\rangle \to w` of probability 1;
- a longer rule :math:`A \to X_1 \dots X_n [p]`, :math:`n > 2`, is binarised to
  :math:`A \to X_1\ H_1 [p]`, :math:`H_1 \to X_2\ H_2 [1]`, ...,
  :math:`H_{n-2} \to X_{n-1} X_n [1]` with helper symbols named ``A|<X2-...-Xn>``.

Unary rules, chains and even cycles stay: the chart applies their closure in every cell.
:func:`cnf_rules` removes them as well, giving strict Chomsky normal form (only
:math:`A \to B\,C` and :math:`A \to w`) in which every *sentence* keeps its probability:
with :math:`Q_{AB} = P(A \to B)` the unary matrix, :math:`U = (I - Q)^{-1} = \sum_k Q^k`
sums over all unary chains, and :math:`P'(A \to \gamma) = \sum_X U_{AX} P(X \to \gamma)`
for every non-unary :math:`\gamma`. These sum to 1 for every :math:`A`, since
:math:`U (I - Q) \mathbf 1 = \mathbf 1`.

References:
    Hopcroft, Motwani & Ullman (2006), Introduction to Automata Theory, Languages, and
    Computation, §7.1 (Chomsky normal form).
    Stolcke (1995), An efficient probabilistic context-free parsing algorithm that computes
    prefix probabilities, Computational Linguistics 21(2) (unary closure via (I - Q)^{-1}).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from gen_jax.models.pcfg.grammar import Rule, Symbol, Terminal
from gen_jax.models.pcfg.tree import Tree


@dataclasses.dataclass(frozen=True)
class CompiledGrammar:
    """A grammar's structure in binary/unary/lexical form (hashable, so usable as static).

    Attributes:
        nonterminals: ``N`` names, the grammar's own first, then helper symbols.
        vocabulary: ``V`` words; token ids index it.
        start: index of the start symbol.
        binary: ``(A, B, C)`` index triples of the binary rules.
        unary: ``(A, B)`` pairs of the unary rules.
        lexical: ``(A, w)`` pairs of the lexical rules.
        rule_entries: for each original rule, ``(kind, position)``: the entry of
            ``binary``/``unary``/``lexical`` that carries its probability (the others
            helper rules of probability 1).
        num_original: how many of ``nonterminals`` are the grammar's own (not helpers).
    """

    nonterminals: tuple[str, ...]
    vocabulary: tuple[str, ...]
    start: int
    binary: tuple[tuple[int, int, int], ...]
    unary: tuple[tuple[int, int], ...]
    lexical: tuple[tuple[int, int], ...]
    rule_entries: tuple[tuple[str, int], ...]
    num_original: int

    @property
    def num_nonterminals(self) -> int:
        return len(self.nonterminals)

    def probability_arrays(self, rule_probs: Sequence[float]) -> dict[str, np.ndarray]:
        """Dense float64 ``binary [N, N, N]``, ``unary [N, N]``, ``lexical [N, V]``.

        Args:
            rule_probs: one probability per original rule (helper rules get 1).
        """
        n, v = self.num_nonterminals, len(self.vocabulary)
        values = {
            kind: np.ones(len(getattr(self, kind))) for kind in ("binary", "unary", "lexical")
        }
        for (kind, position), prob in zip(self.rule_entries, rule_probs, strict=True):
            values[kind][position] = prob
        arrays = {
            "binary": np.zeros((n, n, n)),
            "unary": np.zeros((n, n)),
            "lexical": np.zeros((n, v)),
        }
        for kind, array in arrays.items():
            entries = getattr(self, kind)
            if entries:
                array[tuple(np.asarray(entries).T)] = values[kind]
        return arrays

    def masks(self) -> dict[str, np.ndarray]:
        """Boolean masks of the rules that exist, shaped as :meth:`probability_arrays`."""
        return {
            k: a > 0 for k, a in self.probability_arrays([1.0] * len(self.rule_entries)).items()
        }


def _fresh(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "'"
    return name


def compile_rules(rules: Sequence[Rule], start: str) -> CompiledGrammar:
    """Rewrite validated ``rules`` into a :class:`CompiledGrammar` (see the module docstring)."""
    names = list(dict.fromkeys(rule.lhs for rule in rules))
    taken = set(names)
    index = {name: i for i, name in enumerate(names)}
    vocabulary = sorted({s.word for rule in rules for s in rule.rhs if isinstance(s, Terminal)})
    word_id = {word: i for i, word in enumerate(vocabulary)}
    binary: dict[tuple[int, int, int], int] = {}
    unary: dict[tuple[int, int], int] = {}
    lexical: dict[tuple[int, int], int] = {}

    def symbol(name: str) -> int:
        if name not in index:
            index[name] = len(names)
            names.append(name)
        return index[name]

    def add(table: dict, key: tuple) -> int:
        return table.setdefault(key, len(table))

    preterminal: dict[str, int] = {}  # word -> its helper preterminal
    binarized: dict[str, int] = {}  # canonical helper name -> its symbol

    def as_nonterminal(item: Symbol) -> int:
        if isinstance(item, str):
            return index[item]
        if item.word not in preterminal:
            helper = _fresh(f"<{item.word}>", taken)
            taken.add(helper)
            preterminal[item.word] = symbol(helper)
            add(lexical, (preterminal[item.word], word_id[item.word]))
        return preterminal[item.word]

    entries: list[tuple[str, int]] = []
    for rule in rules:
        lhs = index[rule.lhs]
        if len(rule.rhs) == 1:
            (item,) = rule.rhs
            if isinstance(item, Terminal):
                entries.append(("lexical", add(lexical, (lhs, word_id[item.word]))))
            else:
                entries.append(("unary", add(unary, (lhs, index[item]))))
            continue
        items = [as_nonterminal(item) for item in rule.rhs]
        labels = [str(item) for item in rule.rhs]
        parent, first = lhs, True
        while len(items) > 2:
            key = f"{rule.lhs}|<{'-'.join(labels[1:])}>"
            if key not in binarized:
                name = _fresh(key, taken)
                taken.add(name)
                binarized[key] = symbol(name)
            helper = binarized[key]
            position = add(binary, (parent, items[0], helper))
            if first:
                entries.append(("binary", position))
                first = False
            parent, items, labels = helper, items[1:], labels[1:]
        position = add(binary, (parent, items[0], items[1]))
        if first:
            entries.append(("binary", position))
    return CompiledGrammar(
        nonterminals=tuple(names),
        vocabulary=tuple(vocabulary),
        start=index[start],
        binary=tuple(binary),
        unary=tuple(unary),
        lexical=tuple(lexical),
        rule_entries=tuple(entries),
        num_original=len(dict.fromkeys(rule.lhs for rule in rules)),
    )


def debinarize(tree: Tree, compiled: CompiledGrammar) -> Tree:
    """Undo :func:`compile_rules` on a parse tree: splice out every helper node."""
    helpers = set(compiled.nonterminals[compiled.num_original :])

    def children(node: Tree) -> list[Tree | str]:
        out: list[Tree | str] = []
        for child in node.children:
            if isinstance(child, Tree) and child.label in helpers:
                out.extend(children(child))
            elif isinstance(child, Tree):
                out.append(Tree(child.label, tuple(children(child))))
            else:
                out.append(child)
        return out

    return Tree(tree.label, tuple(children(tree)))


def unary_closure(unary: np.ndarray) -> np.ndarray:
    r""":math:`U = (I - Q)^{-1}`, the total probability of unary chains :math:`A \Rightarrow^* B`.

    Raises ``ValueError`` when a set of non-terminals rewrites only into itself by unary
    rules (a unary cycle of probability 1: no finite derivation leaves it).
    """
    n = unary.shape[0]
    system = np.eye(n) - unary
    if np.linalg.cond(system) > 1e12:
        raise ValueError(
            "the grammar has a cycle of unary rules with total probability 1 (e.g. A -> B "
            "[1.0], B -> A [1.0]); such symbols never derive a sentence: give them other rules"
        )
    closure = np.linalg.inv(system)
    reachable = np.eye(n, dtype=bool) | (unary > 0)
    for _ in range(max(1, n).bit_length()):
        reachable = reachable | (reachable.astype(int) @ reachable.astype(int) > 0)
    return np.where(reachable, np.maximum(closure, 0.0), 0.0)


def cnf_rules(compiled: CompiledGrammar, rule_probs: Sequence[float]) -> list[Rule]:
    """Rules in strict Chomsky normal form with the same sentence probabilities.

    Args:
        compiled: the grammar's :class:`CompiledGrammar`.
        rule_probs: one probability per original rule.

    Returns:
        Binary rules ``A -> B C`` and lexical rules ``A -> 'w'`` (helper symbols included),
        unary chains folded in as described in the module docstring.
    """
    arrays = compiled.probability_arrays(rule_probs)
    closure = unary_closure(arrays["unary"])
    binary = np.einsum("ax,xbc->abc", closure, arrays["binary"])
    lexical = closure @ arrays["lexical"]
    names, words = compiled.nonterminals, compiled.vocabulary
    rules = []
    for a in range(len(names)):
        for b, c in zip(*np.nonzero(binary[a]), strict=True):
            rules.append(Rule(names[a], (names[b], names[c]), float(binary[a, b, c])))
        for w in np.flatnonzero(lexical[a]):
            rules.append(Rule(names[a], (Terminal(words[w]),), float(lexical[a, w])))
    return rules
