r"""PCFG rules: the textual notation, validation, and relative-frequency counts from trees.

A probabilistic context-free grammar :math:`G = (M, T, R, P, S)` has non-terminals
:math:`M`, terminals (words) :math:`T`, rules :math:`R` of the form :math:`A \to \beta`
with :math:`A \in M`, :math:`\beta \in (M \cup T)^+`, a probability :math:`P(A \to \beta)`
for each rule with :math:`\sum_\beta P(A \to \beta) = 1` for every :math:`A`, and a start
symbol :math:`S`. A derivation's probability is the product of its rules' probabilities.

The notation is nltk's::

    S  -> NP VP [0.9] | VP [0.1]
    NP -> Det N [0.6] | 'she' [0.4]      # terminals are quoted, ' or "
        | ...                            # a line starting with | continues the last rule

Empty right-hand sides (:math:`\epsilon` rules) are not supported.

References:
    Manning & Schütze (1999), Foundations of Statistical Natural Language Processing,
    ch. 11 (probabilistic context-free grammars).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from gen_jax.models.pcfg.tree import Tree

PROBABILITY_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True, order=True)
class Terminal:
    """A word on the right-hand side of a rule (written quoted in the notation)."""

    word: str

    def __str__(self) -> str:
        quote = '"' if "'" in self.word else "'"
        return f"{quote}{self.word}{quote}"


Symbol = str | Terminal  # a non-terminal is a plain str


@dataclasses.dataclass(frozen=True)
class Rule:
    """One production ``lhs -> rhs [prob]``; ``rhs`` holds non-terminals (str) and Terminals."""

    lhs: str
    rhs: tuple[Symbol, ...]
    prob: float

    def __str__(self) -> str:
        return f"{self.lhs} -> {' '.join(map(str, self.rhs))} [{self.prob:.6g}]"


_RULE_TOKEN = re.compile(r"""\s*(?:(->)|(\|)|\[([^\]]*)\]|'([^']*)'|"([^"]*)"|([^\s|\[\]'"]+))""")


def _tokenize_alternatives(text: str, line_number: int) -> list[tuple[list[Symbol], float]]:
    """Split ``NP VP [0.9] | VP [0.1]`` into (rhs, probability) alternatives."""
    alternatives: list[tuple[list[Symbol], float]] = []
    rhs: list[Symbol] = []
    prob: float | None = None
    position = 0
    while position < len(text.rstrip()):
        match = _RULE_TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"grammar line {line_number}: cannot read {text[position:]!r}")
        arrow, bar, number, single, double, name = match.groups()
        position = match.end()
        if arrow:
            raise ValueError(f"grammar line {line_number}: a second '->'; put one rule per line")
        if bar:
            if prob is None:
                raise ValueError(
                    f"grammar line {line_number}: an alternative has no probability; write "
                    "'[p]' after each right-hand side, e.g. 'NP VP [0.9] | VP [0.1]'"
                )
            alternatives.append((rhs, prob))
            rhs, prob = [], None
        elif number is not None:
            if prob is not None or not rhs:
                raise ValueError(
                    f"grammar line {line_number}: '[{number}]' must follow a non-empty "
                    "right-hand side, once"
                )
            try:
                prob = float(number)
            except ValueError:
                raise ValueError(
                    f"grammar line {line_number}: '[{number}]' is not a probability"
                ) from None
        elif prob is not None:
            raise ValueError(
                f"grammar line {line_number}: symbols after '[{prob}]'; separate alternatives "
                "with '|'"
            )
        elif name is not None:
            rhs.append(name)
        else:
            rhs.append(Terminal(single if single is not None else double))
    if prob is None:
        raise ValueError(
            f"grammar line {line_number}: the last alternative has no probability (or is "
            "empty; epsilon rules are not supported); end it with '[p]'"
        )
    alternatives.append((rhs, prob))
    return alternatives


def parse_rules(text: str) -> list[Rule]:
    """The rules written in ``text`` (see the module docstring), in order."""
    rules: list[Rule] = []
    lhs: str | None = None
    for line_number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("|"):
            if lhs is None:
                raise ValueError(f"grammar line {line_number}: '|' continues no rule")
            body = line[1:]
        else:
            head, arrow, body = line.partition("->")
            lhs = head.strip()
            if not arrow or not re.fullmatch(r"[^\s|\[\]'\"]+", lhs):
                raise ValueError(
                    f"grammar line {line_number}: {raw.strip()!r} is not 'LHS -> rhs [p] | ...' "
                    "with a single non-terminal on the left"
                )
        for rhs, prob in _tokenize_alternatives(body, line_number):
            rules.append(Rule(lhs, tuple(rhs), prob))
    if not rules:
        raise ValueError("the grammar text holds no rules; write e.g. \"S -> 'a' [1.0]\"")
    return rules


def validate_rules(rules: Sequence[Rule], start: str) -> None:
    """Raise ``ValueError`` unless ``rules`` form a proper PCFG with start symbol ``start``.

    Checks: every rule is non-empty with a probability in (0, 1]; no rule appears twice;
    every non-terminal on a right-hand side has rules of its own; ``start`` has rules; each
    left-hand side's probabilities sum to 1 (within 1e-6).
    """
    if not rules:
        raise ValueError("rules is empty; a grammar needs at least one rule")
    totals: dict[str, float] = defaultdict(float)
    seen: set[tuple[str, tuple[Symbol, ...]]] = set()
    for rule in rules:
        if not isinstance(rule.lhs, str) or not rule.lhs:
            raise ValueError(f"rule {rule}: the left-hand side must be a non-empty str")
        if not rule.rhs:
            raise ValueError(f"rule {rule.lhs} -> (empty): epsilon rules are not supported")
        if not all(isinstance(symbol, str | Terminal) for symbol in rule.rhs):
            raise TypeError(f"rule {rule}: rhs symbols are non-terminals (str) or Terminal")
        if not (0.0 < rule.prob <= 1.0 + PROBABILITY_TOLERANCE) or not math.isfinite(rule.prob):
            raise ValueError(
                f"rule {rule}: probability {rule.prob!r} must lie in (0, 1]; drop rules of "
                "probability 0"
            )
        if (rule.lhs, rule.rhs) in seen:
            raise ValueError(f"rule {rule} appears twice; merge duplicates into one rule")
        seen.add((rule.lhs, rule.rhs))
        totals[rule.lhs] += rule.prob
    if start not in totals:
        raise ValueError(
            f"start={start!r} has no rules; the left-hand sides are {sorted(totals)[:10]}"
        )
    for rule in rules:
        unknown = [s for s in rule.rhs if isinstance(s, str) and s not in totals]
        if unknown:
            raise ValueError(
                f"rule {rule} uses non-terminal(s) {unknown} that have no rules; add rules "
                "for them, or quote them if they are words"
            )
    bad = {lhs: total for lhs, total in totals.items() if abs(total - 1) > PROBABILITY_TOLERANCE}
    if bad:
        lhs, total = next(iter(bad.items()))
        raise ValueError(
            f"the probabilities of {lhs}'s rules sum to {total:.8g}, not 1 ({len(bad)} "
            "left-hand side(s) so affected); renormalise them"
        )


def tree_productions(tree: Tree) -> Iterable[tuple[str, tuple[Symbol, ...]]]:
    """The ``(lhs, rhs)`` of every node of ``tree``, words as :class:`Terminal`."""
    for node in tree.subtrees():
        yield (
            node.label,
            tuple(
                child.label if isinstance(child, Tree) else Terminal(child)
                for child in node.children
            ),
        )


def relative_frequency_rules(
    trees: Sequence[Tree],
    *,
    pseudo_count: float = 0.0,
    support: Iterable[tuple[str, tuple[Symbol, ...]]] = (),
) -> list[Rule]:
    r"""Maximum-likelihood rules from a treebank, with additive smoothing.

    :math:`P(A \to \beta) = (c(A \to \beta) + \alpha) / \sum_\gamma (c(A \to \gamma) +
    \alpha)` over the rules seen in ``trees``, the ``support`` rules and, when
    :math:`\alpha > 0`, every lexical rule :math:`P \to w` for each preterminal :math:`P`
    (a left-hand side seen rewriting to a single word) and each word :math:`w` seen, so that
    a word seen only with another part of speech keeps a small probability. With
    :math:`\alpha = 0` this is ``nltk.induce_pcfg``.

    Args:
        trees: parse trees; their leaves are words.
        pseudo_count: :math:`\alpha \ge 0`.
        support: further ``(lhs, rhs)`` rules to smooth over (count 0), e.g. the rules of
            other authors' treebanks; ignored when ``pseudo_count`` is 0.

    Returns:
        The rules, grouped by left-hand side in order of first appearance.
    """
    if not trees:
        raise ValueError("trees is empty; pass at least one parse tree")
    if not (pseudo_count >= 0 and math.isfinite(pseudo_count)):
        raise ValueError(f"pseudo_count={pseudo_count!r}: must be finite and >= 0")
    counts: Counter[tuple[str, tuple[Symbol, ...]]] = Counter()
    for tree in trees:
        if not isinstance(tree, Tree):
            raise TypeError(f"trees holds a {type(tree).__name__}; pass gen_jax Tree objects")
        counts.update(tree_productions(tree))
    keys = list(counts)
    if pseudo_count > 0:
        keys += [key for key in support if key not in counts]
        words = {s for _, rhs in keys for s in rhs if isinstance(s, Terminal)}
        preterminals = dict.fromkeys(lhs for lhs, rhs in keys if len(rhs) == 1 and rhs[0] in words)
        keys += [(lhs, (word,)) for lhs in preterminals for word in sorted(words)]
    by_lhs: dict[str, dict[tuple[Symbol, ...], float]] = defaultdict(dict)
    for lhs, rhs in keys:
        by_lhs[lhs][rhs] = counts[(lhs, rhs)] + pseudo_count
    rules = []
    for lhs, alternatives in by_lhs.items():
        total = sum(alternatives.values())
        rules.extend(Rule(lhs, rhs, count / total) for rhs, count in alternatives.items())
    return rules
