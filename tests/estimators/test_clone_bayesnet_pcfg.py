"""BayesianNetwork and PCFG keep their constructor arguments as given, so scikit-learn's
``get_params``, ``set_params`` and ``clone`` work on them."""

import numpy as np
import pytest
from sklearn.base import clone

from gen_jax.estimators import PCFG, BayesianNetwork
from gen_jax.models.pcfg.grammar import Rule, Terminal
from tests.models.bayesnet.networks import CARDS, CPTS, EDGES


def test_bayesian_network_clones_and_sets_params():
    network = BayesianNetwork(EDGES, cardinalities=CARDS, cpts=CPTS, prior="bdeu")
    params = network.get_params()
    assert params["edges"] is EDGES and params["cpts"] is CPTS and params["nodes"] is None
    copy = clone(network)
    assert copy.get_params()["prior"] == "bdeu" and copy.edges == EDGES
    assert not hasattr(copy, "log_cpts_")  # no fitted state is copied
    np.testing.assert_allclose(copy.query("smoker"), CPTS["smoker"])  # the given tables
    copy.set_params(cpts={**CPTS, "smoker": [0.2, 0.8]})
    np.testing.assert_allclose(copy.query("smoker"), [0.2, 0.8])  # used again after set_params
    fitted = clone(BayesianNetwork(EDGES, nodes=list(CARDS))).fit(copy.sample(50))
    assert fitted.nodes == list(CARDS) and fitted.nodes_ == tuple(CARDS)
    assert fitted.cardinalities is None and fitted.structure_.cardinalities == (2, 3, 2, 2, 2)
    with pytest.raises(ValueError, match="self-loop"):
        BayesianNetwork([("a", "a")])


def test_pcfg_clones_and_sets_params():
    rules = [
        Rule("S", ("A", "A"), 1.0),
        Rule("A", (Terminal("a"),), 0.6),
        Rule("A", (Terminal("b"),), 0.4),
    ]
    grammar = PCFG(rules)
    assert grammar.get_params() == {"rules": rules, "start": None}
    assert grammar.start_symbol == "S" and clone(grammar).rules == rules
    np.testing.assert_allclose(grammar.inside_log_prob("a b"), np.log(0.24), rtol=1e-6)
    grammar.set_params(
        rules=[rules[0], Rule("A", (Terminal("a"),), 0.5), Rule("A", (Terminal("b"),), 0.5)]
    )
    np.testing.assert_allclose(grammar.inside_log_prob("a b"), np.log(0.25), rtol=1e-6)
    with pytest.raises(ValueError, match="rules is empty"):
        PCFG([])
