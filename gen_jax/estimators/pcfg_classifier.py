r"""Authorship attribution with one PCFG per author (Raghavan, Kovashka & Mooney 2010).

Each author's grammar is estimated from that author's parse trees (relative frequencies,
smoothed over the rules and words of *every* author's treebank, so no grammar gives a
construction it has not seen probability 0). A document, a list of sentences, goes to the
author whose grammar gives it the highest total log-probability,

.. math::
    \hat a = \arg\max_a \sum_{s \in \text{doc}} \log P(s \mid G_a),

each :math:`P(s \mid G_a)` an inside probability (a sum over all parses).

References:
    Raghavan, Kovashka & Mooney (2010), Authorship attribution using probabilistic
    context-free grammars, ACL 2010 Short Papers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gen_jax.estimators.base import Estimator, requires_fit
from gen_jax.estimators.pcfg import PCFG
from gen_jax.models.pcfg.grammar import relative_frequency_rules, tree_productions
from gen_jax.models.pcfg.tree import Tree


class PCFGAuthorshipClassifier(Estimator):
    """One smoothed treebank PCFG per author; predicts by the highest document log-probability.

    Args:
        pseudo_count: additive smoothing ``> 0`` of every author's rule counts.
        start: the start symbol; by default the first tree's root label.

    Attributes (after ``fit``): classes_ (author names), grammars_ (author -> PCFG).
    """

    _fitted_attributes = ("grammars_",)
    _fit_call = "fit(treebanks)"

    def __init__(self, pseudo_count: float = 0.5, start: str | None = None):
        if not pseudo_count > 0:
            raise ValueError(
                f"pseudo_count={pseudo_count!r}: must be > 0, or a rule one author never used "
                "would make that author's probability of some documents 0"
            )
        self.pseudo_count, self.start = pseudo_count, start

    def fit(self, treebanks: Mapping[str, Sequence[Tree]]) -> PCFGAuthorshipClassifier:
        """Estimate a grammar per author from ``{author: [parse trees]}``; returns ``self``."""
        if len(treebanks) < 2 or not all(len(trees) for trees in treebanks.values()):
            raise ValueError(
                "treebanks must map at least two authors to non-empty lists of parse trees"
            )
        support = list(
            dict.fromkeys(
                production
                for trees in treebanks.values()
                for tree in trees
                for production in tree_productions(tree)
            )
        )
        first = next(iter(treebanks.values()))[0]
        start = first.label if self.start is None else self.start
        self.classes_ = list(treebanks)
        self.grammars_ = {}
        for author, trees in treebanks.items():
            rules = relative_frequency_rules(trees, pseudo_count=self.pseudo_count, support=support)
            self.grammars_[author] = PCFG(rules, start)
        return self

    @requires_fit
    def decision_function(self, documents: Sequence[Sequence]) -> np.ndarray:
        """``[D, A]`` total log-probability of each document under each author's grammar.

        Args:
            documents: each a list of sentences (str or lists of words).
        """
        sentences = [sentence for document in documents for sentence in document]
        bounds = np.cumsum([0] + [len(document) for document in documents])
        if not sentences or np.any(np.diff(bounds) == 0):
            raise ValueError("documents must be non-empty lists of sentences")
        scores = np.stack([self.grammars_[a].score_samples(sentences) for a in self.classes_], 1)
        return np.add.reduceat(scores, bounds[:-1], axis=0)

    @requires_fit
    def predict(self, documents: Sequence[Sequence]) -> list[str]:
        """The most probable author of each document."""
        return [self.classes_[i] for i in np.argmax(self.decision_function(documents), axis=1)]
