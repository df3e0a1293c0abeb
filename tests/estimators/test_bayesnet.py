"""BayesianNetwork: CPTs, queries and likelihoods against pgmpy; EM; sampling; bad input."""

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from pgmpy.estimators import BayesianEstimator, MaximumLikelihoodEstimator
from pgmpy.inference import VariableElimination
from pgmpy.models import DiscreteBayesianNetwork
from sklearn.exceptions import NotFittedError

from gen_jax.estimators.bayesnet import BayesianNetwork
from gen_jax.models.bayesnet.cpt import family_counts
from gen_jax.models.bayesnet.em import BayesNetEM
from tests.models.bayesnet.networks import CARDS, CPTS, EDGES, cancer_network

logging.getLogger("pgmpy").setLevel(logging.ERROR)

TRUTH = cancer_network(CPTS)
DATA = TRUTH.sample(400, key=jax.random.key(0))
NAMES = {
    "smoker": ["no", "yes"],
    "pollution": ["low", "mid", "high"],
    "cancer": ["no", "yes"],
    "xray": ["neg", "pos"],
    "cough": ["no", "yes"],
}
FRAME = pd.DataFrame({node: np.asarray(NAMES[node])[DATA[:, j]] for j, node in enumerate(CARDS)})


def _peer(estimator=MaximumLikelihoodEstimator, **kwargs):
    model = DiscreteBayesianNetwork(EDGES)
    model.add_cpds(*estimator(model, FRAME).get_parameters(**kwargs))
    return model


def _peer_table(peer, node, ours):
    """pgmpy's CPT reordered to gen_jax's layout (parents in ``ours.parents_`` order, child
    last), with states in ``ours.state_names_`` order."""
    cpd = peer.get_cpds(node)
    order = [cpd.variable, *ours.parents_[node]]
    cpd = cpd.copy()
    values = cpd.get_values().reshape(
        [cpd.cardinality[cpd.variables.index(v)] for v in cpd.variables]
    )
    for axis, v in enumerate(cpd.variables):  # state names to our index order
        perm = [cpd.state_names[v].index(s) for s in ours.state_names_[v]]
        values = np.take(values, perm, axis=axis)
    values = np.transpose(values, [cpd.variables.index(v) for v in order])
    return np.moveaxis(values, 0, -1)


@pytest.mark.parametrize(
    "ours_kwargs, peer_kwargs",
    [
        ({"prior": "mle"}, {}),
        (
            {"prior": "bdeu", "equivalent_sample_size": 7.0},
            {"estimator": BayesianEstimator, "prior_type": "BDeu", "equivalent_sample_size": 7},
        ),
        ({"prior": "k2"}, {"estimator": BayesianEstimator, "prior_type": "K2"}),
    ],
)
def test_cpts_equal_pgmpy(ours_kwargs, peer_kwargs):
    ours = BayesianNetwork(EDGES, **ours_kwargs).fit(FRAME)
    peer = _peer(**peer_kwargs)
    assert ours.state_names_["pollution"] == ("high", "low", "mid")  # sorted, as in pgmpy
    for node in CARDS:
        np.testing.assert_allclose(ours.cpts_[node], _peer_table(peer, node, ours), rtol=2e-6)


def test_queries_map_and_log_likelihood_equal_pgmpy():
    ours = BayesianNetwork(EDGES, prior="bdeu").fit(FRAME)
    peer = _peer(BayesianEstimator, prior_type="BDeu")
    engine = VariableElimination(peer)
    for variables, evidence in [
        (["cancer"], {"xray": "pos", "cough": "yes"}),
        (["smoker", "pollution"], {"xray": "neg"}),
        (["cough"], {}),
    ]:
        expected = engine.query(variables, evidence=evidence, show_progress=False)
        expected = expected.get_value  # state-name lookups below
        table = ours.query(variables, evidence)
        for index in np.ndindex(table.shape):
            states = {v: ours.state_names_[v][i] for v, i in zip(variables, index, strict=True)}
            assert table[index] == pytest.approx(expected(**states), rel=1e-5)
    best, _ = ours.map_query(["smoker", "pollution"], {"xray": "pos"})
    assert best == engine.map_query(["smoker", "pollution"], {"xray": "pos"}, show_progress=False)
    rows = FRAME.iloc[:40]
    expected = [
        sum(
            np.log(peer.get_cpds(v).get_value(**{u: row[u] for u in peer.get_cpds(v).variables}))
            for v in CARDS
        )
        for _, row in rows.iterrows()
    ]
    np.testing.assert_allclose(ours.score_samples(rows), expected, rtol=1e-5)


def test_batched_evidence_equals_single_queries():
    ours = BayesianNetwork(EDGES, cardinalities=CARDS).fit(DATA)
    batch = ours.query("cancer", {"xray": np.array([0, 1, 1]), "cough": np.array([1, 0, 1])})
    for row, (x, c) in enumerate([(0, 1), (1, 0), (1, 1)]):
        np.testing.assert_allclose(
            batch[row], ours.query("cancer", {"xray": x, "cough": c}), rtol=1e-6
        )


def test_em_with_missing_cells_never_decreases_the_likelihood(x64):
    values = DATA.astype(float)
    values[np.random.default_rng(1).random(values.shape) < 0.3] = np.nan
    model = BayesianNetwork(EDGES, cardinalities=CARDS, tol=0.0, max_iter=25)
    model.fit(values, key=jax.random.key(3))
    history = model.log_likelihood_history_
    assert len(history) == 25 and np.isfinite(history).all()
    assert np.diff(history).min() >= (-1e-12 if x64 else -2e-6)
    assert history[-1] > history[0] + 0.05
    # The final likelihood of the observed cells, recomputed by exact inference.
    assert model.score(values) >= history[-1] - 1e-5


def test_em_statistics_on_complete_data_are_the_counts_and_latent_nodes_are_learned():
    structure, log_cpts = TRUTH.structure_, TRUTH.log_cpts_
    values, weights = jnp.asarray(DATA), jnp.linspace(0.5, 1.5, len(DATA))
    model = BayesNetEM(structure, (0.0,) * 5)
    data = {"values": values, "observed": jnp.ones(DATA.shape, bool)}
    counts, log_likelihood = jax.jit(model.e_step)(log_cpts, data, weights)
    for ours, expected in zip(counts, family_counts(structure, values, weights), strict=True):
        np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(log_likelihood, TRUTH.score_samples(DATA), rtol=1e-5)
    latent = BayesianNetwork(EDGES, cardinalities=CARDS, latent=["cancer"], max_iter=30)
    latent.fit(np.delete(DATA, 2, axis=1))
    assert np.diff(latent.log_likelihood_history_).min() > -1e-5
    assert latent.sample(5).shape == (5, 5)


def test_ancestral_samples_follow_the_joint():
    samples = TRUTH.sample(20_000, key=jax.random.key(5))
    assert samples.shape == (20_000, 5)
    np.testing.assert_allclose(
        np.bincount(samples[:, 2], minlength=2) / 20_000, TRUTH.query("cancer"), atol=0.01
    )
    pairs = samples[:, 3] * 2 + samples[:, 4]
    np.testing.assert_allclose(
        np.bincount(pairs, minlength=4) / 20_000, TRUTH.query(["xray", "cough"]).ravel(), atol=0.012
    )
    estimate = TRUTH.likelihood_weighting("cancer", {"xray": 1}, num_samples=30_000)
    np.testing.assert_allclose(estimate, TRUTH.query("cancer", {"xray": 1}), atol=0.02)


def test_bad_networks_and_data_give_clear_errors():
    with pytest.raises(ValueError, match="cycle 'a' -> 'b' -> 'c' -> 'a'"):
        BayesianNetwork([("a", "b"), ("b", "c"), ("c", "a")])
    with pytest.raises(ValueError, match="unknown parent 'z'"):
        BayesianNetwork([("z", "a")], cardinalities={"a": 2})
    with pytest.raises(ValueError, match=r"cardinalities\['a'\] = 0"):
        BayesianNetwork([], cardinalities={"a": 0})
    with pytest.raises(ValueError, match="self-loop"):
        BayesianNetwork([("a", "a")])
    with pytest.raises(ValueError, match="given twice"):
        BayesianNetwork([("a", "b"), ("a", "b")])
    with pytest.raises(ValueError, match="latent nodes .* need cardinalities"):
        BayesianNetwork([("h", "a")], latent=["h"])
    with pytest.raises(ValueError, match=r"rows summing to"):
        BayesianNetwork(
            [("a", "b")],
            cardinalities={"a": 2, "b": 2},
            cpts={"a": [0.5, 0.5], "b": [[0.5, 0.6], [0.5, 0.5]]},
        )
    with pytest.raises(ValueError, match=r"data\['smoker'\] holds state 2"):
        BayesianNetwork(EDGES, cardinalities=CARDS).fit(np.minimum(DATA + 1, 2))
    with pytest.raises(ValueError, match="has 4 columns"):
        BayesianNetwork(EDGES).fit(DATA[:, :4])
    with pytest.raises(ValueError, match="not nodes of the network"):
        BayesianNetwork(EDGES).fit(FRAME.assign(age=1))
    with pytest.raises(ValueError, match="no column for nodes"):
        BayesianNetwork(EDGES).fit(FRAME.drop(columns="xray"))
    with pytest.raises(ValueError, match="evidence names the node 'fever'"):
        TRUTH.query("cancer", {"fever": 1})
    with pytest.raises(ValueError, match="not in evidence"):
        TRUTH.query("cancer", {"cancer": 1})
    with pytest.raises(ValueError, match="state index in 0..1"):
        TRUTH.query("cancer", {"xray": 3})
    with pytest.raises(NotFittedError, match="no CPTs yet"):
        BayesianNetwork(EDGES).query("cancer")
