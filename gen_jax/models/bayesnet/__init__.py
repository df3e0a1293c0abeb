"""Discrete Bayesian networks: structure (``structure``), conditional probability tables
(``cpt``), tabular data (``data``), exact inference by variable elimination
(``variable_elimination``), likelihood weighting (``sampling``), EM with missing cells
(``em``), structure scores (``scores``), Markov equivalence (``equivalence``) and score-based
structure search (``search``). The estimators ``BayesianNetwork``
and ``NaiveBayes`` are in :mod:`gen_jax.estimators`.
"""

from gen_jax.models.bayesnet.em import BayesNetEM
from gen_jax.models.bayesnet.equivalence import markov_equivalent
from gen_jax.models.bayesnet.scores import structure_score
from gen_jax.models.bayesnet.search import hill_climb_search
from gen_jax.models.bayesnet.structure import BayesNetStructure

__all__ = [
    "BayesNetEM",
    "BayesNetStructure",
    "hill_climb_search",
    "markov_equivalent",
    "structure_score",
]
