"""Structure search: scores against pgmpy's, hill climbing against pgmpy's HillClimbSearch,
recovery of a known network's skeleton, the search options and bad input."""

import logging
import warnings

import jax
import numpy as np
import pandas as pd
import pytest

from gen_jax.estimators.bayesnet import BayesianNetwork
from gen_jax.models.bayesnet.equivalence import markov_equivalent, v_structures
from gen_jax.models.bayesnet.scores import LocalScore, structure_score
from gen_jax.models.bayesnet.search import hill_climb_search
from tests.models.bayesnet.networks import CARDS, EDGES, STRONG_CPTS, cancer_network

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from pgmpy.base import DAG
    from pgmpy.causal_discovery import ExpertKnowledge
    from pgmpy.estimators import BIC, K2, BDeu, HillClimbSearch
logging.getLogger("pgmpy").setLevel(logging.ERROR)

TRUTH = cancer_network(STRONG_CPTS)
DATA = TRUTH.sample(3000, key=jax.random.key(0))
FRAME = pd.DataFrame(
    {node: np.char.add("s", DATA[:, j].astype(str)) for j, node in enumerate(CARDS)}
)


def _skeleton(edges):
    return {frozenset(edge) for edge in edges}


@pytest.mark.parametrize(
    "score, peer",
    [("bic", BIC(FRAME)), ("k2", K2(FRAME)), ("bdeu", BDeu(FRAME, equivalent_sample_size=7))],
)
def test_local_and_total_scores_equal_pgmpy(score, peer):
    local = LocalScore(DATA, list(CARDS.values()), score, equivalent_sample_size=7)
    index = {node: i for i, node in enumerate(CARDS)}
    for node, parents in [("cancer", []), ("cancer", ["pollution", "smoker"]), ("xray", ["cough"])]:
        ours = local(index[node], [index[p] for p in parents])
        assert ours == pytest.approx(peer.local_score(node, parents), rel=1e-10)
    total = structure_score(FRAME, EDGES, score=score, equivalent_sample_size=7)
    assert total == pytest.approx(peer.score(DAG(EDGES)), rel=1e-10)


def test_hill_climbing_with_a_node_order_equals_pgmpy():
    # Forbidding every edge against an order leaves one direction per pair, so no two
    # candidate operations tie and both searches take the same path.
    order = list(CARDS)
    backwards = [(order[j], order[i]) for i in range(len(order)) for j in range(i + 1, len(order))]
    found = hill_climb_search(FRAME, black_list=backwards)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        peer = HillClimbSearch(FRAME).estimate(
            scoring_method="bic-d",
            expert_knowledge=ExpertKnowledge(forbidden_edges=backwards),
            show_progress=False,
        )
    assert sorted(found.edges) == sorted(peer.edges()) == sorted(EDGES)
    assert found.score == pytest.approx(BIC(FRAME).score(peer), rel=1e-12)
    assert np.all(np.diff(found.score_history) > 0) and found.num_operations == len(EDGES)


def test_hill_climbing_recovers_the_network():
    greedy = hill_climb_search(FRAME)
    # From the empty graph the climb orients the collider smoker -> cancer <- pollution
    # the wrong way and stops at a local optimum with an extra edge (so may pgmpy's).
    assert _skeleton(greedy.edges) > _skeleton(EDGES)
    assert greedy.score < structure_score(FRAME, EDGES)
    restarted = hill_climb_search(FRAME, restarts=20, perturb=8, random_state=0)
    assert markov_equivalent(restarted.edges, EDGES)
    assert v_structures(EDGES) == {(frozenset(("smoker", "pollution")), "cancer")}
    assert restarted.score >= structure_score(FRAME, EDGES) - 1e-6
    assert restarted.score == restarted.restart_scores.max()
    # The estimator: the same DAG, CPTs fitted, and its bic() is the search's score.
    model = BayesianNetwork.from_structure_search(FRAME, restarts=20, perturb=8)
    assert model.edges == restarted.edges
    assert model.bic(FRAME) == pytest.approx(restarted.score, rel=1e-6)


def test_options_black_white_lists_max_parents_start_and_restarts():
    found = hill_climb_search(
        DATA, nodes=list(CARDS), black_list=[("cancer", "xray"), ("xray", "cancer")]
    )
    assert frozenset(("cancer", "xray")) not in _skeleton(found.edges)
    required = hill_climb_search(DATA, white_list=[(4, 0)], max_parents=1)
    assert (4, 0) in required.edges
    assert max(sum(1 for _, c in required.edges if c == v) for v in range(5)) <= 1
    # Starting at the truth, the climb can only improve on it.
    from_truth = hill_climb_search(FRAME, start_edges=EDGES)
    assert from_truth.score >= structure_score(FRAME, EDGES)
    restarted = hill_climb_search(FRAME, max_parents=1, restarts=3, perturb=2, random_state=1)
    assert restarted.score >= hill_climb_search(FRAME, max_parents=1).score
    local = LocalScore(DATA, list(CARDS.values()))
    assert local.counts(2, [1, 0]).shape == (6, 2) and local.counts(2, [1, 0]).sum() == 3000


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"score": "aic"}, "score='aic'; choose one of"),
        ({"max_parents": -1}, "max_parents=-1: must be an int >= 0"),
        ({"start_edges": [("xray", "cough"), ("cough", "xray")]}, "cycle"),
        ({"white_list": [("xray", "tumour")]}, "unknown node 'tumour'"),
        (
            {"white_list": [("xray", "cough")], "black_list": [("xray", "cough")]},
            "black_list forbids",
        ),
        ({"start_edges": [("a", "b", "c")]}, "must be a \\(parent, child\\) pair"),
        ({"epsilon": float("nan")}, "epsilon=nan"),
    ],
)
def test_bad_options_give_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        hill_climb_search(FRAME, **kwargs)


def test_missing_cells_and_cyclic_edges_are_rejected():
    holes = FRAME.copy()
    holes.iloc[0, 0] = None
    with pytest.raises(ValueError, match="missing cells.*dropna"):
        hill_climb_search(holes)
    with pytest.raises(ValueError, match="cycle"):
        structure_score(FRAME, [("xray", "cough"), ("cough", "xray")])
