"""The test network shared by the Bayesian-network tests: a five-node "cancer" network
(two root causes, a collider, two effects, one of them with two parents).

``CPTS`` are the estimator tests' tables; ``STRONG_CPTS`` make every dependency strong
enough for structure search to recover the skeleton from a few thousand rows.
"""

from gen_jax.estimators.bayesnet import BayesianNetwork

EDGES = [
    ("smoker", "cancer"),
    ("pollution", "cancer"),
    ("cancer", "xray"),
    ("cancer", "cough"),
    ("smoker", "cough"),
]
CARDS = {"smoker": 2, "pollution": 3, "cancer": 2, "xray": 2, "cough": 2}
CPTS = {
    "smoker": [0.7, 0.3],
    "pollution": [0.5, 0.3, 0.2],
    "cancer": [[[0.99, 0.01], [0.97, 0.03], [0.9, 0.1]], [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4]]],
    "xray": [[0.85, 0.15], [0.1, 0.9]],
    "cough": [[[0.8, 0.2], [0.6, 0.4]], [[0.3, 0.7], [0.2, 0.8]]],  # [cancer, smoker, cough]
}
STRONG_CPTS = {
    "smoker": [0.6, 0.4],
    "pollution": [0.5, 0.3, 0.2],
    "cancer": [[[0.95, 0.05], [0.85, 0.15], [0.7, 0.3]], [[0.7, 0.3], [0.5, 0.5], [0.3, 0.7]]],
    "xray": [[0.85, 0.15], [0.1, 0.9]],
    "cough": [[[0.8, 0.2], [0.5, 0.5]], [[0.3, 0.7], [0.1, 0.9]]],  # [cancer, smoker, cough]
}


def cancer_network(cpts=CPTS) -> BayesianNetwork:
    """The network with the given tables, ready for sampling and queries."""
    return BayesianNetwork(EDGES, cardinalities=CARDS, cpts=cpts)
