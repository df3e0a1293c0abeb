"""Probabilistic context-free grammars: rules and their notation (``grammar``), parse trees
(``tree``), the dense form and Chomsky normal form (``cnf``), the chart algorithms (``chart``:
inside, outside counts, Viterbi CKY, sampling) and inside-outside EM (``em``). The estimator
``PCFG`` is in :mod:`gen_jax.estimators`.
"""

from gen_jax.models.pcfg.chart import PCFGParams, expected_rule_counts, inside, viterbi_chart
from gen_jax.models.pcfg.em import PCFGInsideOutsideEM
from gen_jax.models.pcfg.grammar import Rule
from gen_jax.models.pcfg.tree import Tree

__all__ = [
    "PCFGInsideOutsideEM",
    "PCFGParams",
    "Rule",
    "Tree",
    "expected_rule_counts",
    "inside",
    "viterbi_chart",
]
