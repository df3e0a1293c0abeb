"""``Tree``: a small immutable parse tree (label, children), printed in bracketed notation.

A tree's leaves are words (``str``); every inner node is a ``Tree`` whose label is a
non-terminal. ``str(tree)`` gives the Penn-treebank bracketing ``(S (NP (D the) (N dog))
(VP (V barks)))`` and :meth:`Tree.from_string` reads it back. :meth:`Tree.to_nltk` and
:meth:`Tree.from_nltk` convert to and from ``nltk.Tree`` (nltk is only needed for the
former; gen_jax itself never imports it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


@dataclasses.dataclass(frozen=True)
class Tree:
    """A parse tree: ``label`` (a non-terminal) over ``children`` (sub-trees or words).

    Attributes:
        label: the non-terminal at this node.
        children: a tuple of ``Tree`` and ``str`` (a word, i.e. a leaf).
    """

    label: str
    children: tuple[Tree | str, ...]

    def __post_init__(self):
        if not isinstance(self.label, str) or not self.label:
            raise TypeError(f"label={self.label!r}: a tree's label must be a non-empty str")
        object.__setattr__(self, "children", tuple(self.children))
        for child in self.children:
            if not isinstance(child, Tree | str):
                raise TypeError(
                    f"child {child!r} of {self.label!r} is a {type(child).__name__}; children "
                    "are Tree nodes or words (str)"
                )

    def leaves(self) -> list[str]:
        """The words under this node, left to right (the tree's yield)."""
        words: list[str] = []
        for child in self.children:
            words.extend(child.leaves() if isinstance(child, Tree) else [child])
        return words

    def subtrees(self) -> Iterator[Tree]:
        """Every node of the tree in pre-order, this one first."""
        yield self
        for child in self.children:
            if isinstance(child, Tree):
                yield from child.subtrees()

    def height(self) -> int:
        """Nodes on the longest path from here to a word (a preterminal has height 1)."""
        return 1 + max(
            (child.height() if isinstance(child, Tree) else 0 for child in self.children),
            default=0,
        )

    def __repr__(self) -> str:
        return f"Tree.from_string({str(self)!r})"

    def __str__(self) -> str:
        inner = " ".join(str(child) for child in self.children)
        return f"({self.label} {inner})" if inner else f"({self.label})"

    @classmethod
    def from_string(cls, text: str) -> Tree:
        """Read one bracketed tree, e.g. ``"(S (NP (D the) (N dog)) (VP (V barks)))"``."""
        tokens = _TOKEN.findall(text)
        if not tokens:
            raise ValueError("text is empty; pass a bracketed tree such as '(S (N dog))'")
        tree, position = _read(tokens, 0, text)
        if position != len(tokens):
            raise ValueError(
                f"text has {len(tokens) - position} token(s) after the tree ends: "
                f"{' '.join(tokens[position:][:5])!r}; pass one tree per call"
            )
        return tree

    def to_nltk(self) -> Any:
        """The same tree as an ``nltk.Tree`` (requires nltk)."""
        import nltk  # a test/benchmark dependency only

        return nltk.Tree(
            self.label, [c.to_nltk() if isinstance(c, Tree) else c for c in self.children]
        )

    @classmethod
    def from_nltk(cls, tree: Any) -> Tree:
        """A ``Tree`` from an ``nltk.Tree`` (or anything with ``label()`` and children)."""
        if isinstance(tree, str):
            raise TypeError(f"tree={tree!r} is a word, not a tree")
        label = tree.label()
        label = label.symbol() if hasattr(label, "symbol") else str(label)
        return cls(label, tuple(c if isinstance(c, str) else cls.from_nltk(c) for c in tree))


def _read(tokens: list[str], position: int, text: str) -> tuple[Tree, int]:
    """Parse the tree starting at ``tokens[position]`` (an opening bracket)."""
    if tokens[position] != "(" or position + 1 >= len(tokens) or tokens[position + 1] in "()":
        raise ValueError(
            f"text={text[:60]!r}: expected '(' and a label at token {position}; a tree reads "
            "'(LABEL child ...)'"
        )
    label, position = tokens[position + 1], position + 2
    children: list[Tree | str] = []
    while position < len(tokens) and tokens[position] != ")":
        if tokens[position] == "(":
            child, position = _read(tokens, position, text)
            children.append(child)
        else:
            children.append(tokens[position])
            position += 1
    if position >= len(tokens):
        raise ValueError(f"text={text[:60]!r}: a bracket is not closed; add the missing ')'")
    return Tree(label, tuple(children)), position + 1
