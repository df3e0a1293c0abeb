"""Variable elimination against brute-force enumeration of the joint on small networks."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.bayesnet import variable_elimination as ve
from gen_jax.models.bayesnet.em import random_log_cpts
from gen_jax.models.bayesnet.sampling import likelihood_weighting_query
from gen_jax.models.bayesnet.structure import make_structure

# One compilation per query shape (eager op-by-op dispatch would compile every primitive).
query_log_table = jax.jit(ve.query_log_table, static_argnums=(0, 2, 3), static_argnames="heuristic")
map_query = jax.jit(ve.map_query, static_argnums=(0, 2, 3))

# A loopy six-node network (A -> C <- B, C -> D, B -> E, D,E -> F) with mixed cardinalities.
EDGES = [("A", "C"), ("B", "C"), ("C", "D"), ("B", "E"), ("D", "F"), ("E", "F")]
CARDS = {"A": 2, "B": 3, "C": 2, "D": 3, "E": 2, "F": 2}
STRUCTURE = make_structure(EDGES, CARDS)


def _log_cpts(seed, dtype):
    return random_log_cpts(STRUCTURE, jax.random.key(seed), dtype=dtype)


def brute_force_joint(structure, log_cpts):
    """``[*cards]`` joint probability table by enumerating every assignment."""
    cpts = [np.exp(np.asarray(t, np.float64)) for t in log_cpts]
    joint = np.zeros(structure.cardinalities)
    for assignment in itertools.product(*(range(c) for c in structure.cardinalities)):
        p = 1.0
        for node in range(structure.num_nodes):
            family = (*structure.parents[node], node)
            p *= cpts[node][tuple(assignment[v] for v in family)]
        joint[assignment] = p
    return joint


def brute_force_query(joint, variables, evidence):
    """``p(x_Q | e)`` from the full joint table."""
    index = [slice(None)] * joint.ndim
    for v, value in evidence.items():
        index[v] = value
    table = joint[tuple(index)]
    kept = [v for v in range(joint.ndim) if v not in evidence]
    summed = table.sum(axis=tuple(i for i, v in enumerate(kept) if v not in variables))
    remaining = [v for v in kept if v in variables]
    summed = np.transpose(summed, [remaining.index(v) for v in variables])
    return summed / summed.sum()


QUERIES = [
    ((5,), {}),
    ((0,), {5: 1}),
    ((0, 3), {5: 0, 4: 1}),
    ((3, 1), {0: 1}),
    ((2,), {1: 2, 3: 0}),
]


def test_queries_equal_brute_force_enumeration(x64, heuristic="min_fill"):
    dtype = jnp.float64 if x64 else jnp.float32
    log_cpts = _log_cpts(0, dtype)
    joint = brute_force_joint(STRUCTURE, log_cpts)
    assert joint.sum() == pytest.approx(1.0)
    for variables, evidence in QUERIES:
        values = jnp.asarray(list(evidence.values()), jnp.int32)
        log_table, log_evidence = query_log_table(
            STRUCTURE, log_cpts, variables, tuple(evidence), values, heuristic=heuristic
        )
        expected = brute_force_query(joint, variables, evidence)
        np.testing.assert_allclose(np.exp(log_table), expected, rtol=1e-10 if x64 else 2e-5)
        marginal = brute_force_query(joint, tuple(evidence), {}) if evidence else np.array(1.0)
        expected_log_e = np.log(marginal[tuple(evidence.values())]) if evidence else 0.0
        np.testing.assert_allclose(log_evidence, expected_log_e, atol=1e-10 if x64 else 2e-5)


@pytest.mark.parametrize("heuristic", ve.HEURISTICS[1:])
def test_every_heuristic_gives_the_same_exact_answer(heuristic):
    log_cpts = _log_cpts(4, jnp.float32)
    joint = brute_force_joint(STRUCTURE, log_cpts)
    log_table, _ = query_log_table(
        STRUCTURE, log_cpts, (0, 3), (5, 4), jnp.asarray([0, 1]), heuristic=heuristic
    )
    np.testing.assert_allclose(
        np.exp(log_table), brute_force_query(joint, (0, 3), {5: 0, 4: 1}), rtol=2e-5
    )


def test_map_query_equals_the_argmax_of_the_enumerated_posterior():
    log_cpts = _log_cpts(1, jnp.float32)
    joint = brute_force_joint(STRUCTURE, log_cpts)
    for variables, evidence in [((0, 2), {5: 1}), ((0, 1, 2, 3, 4), {5: 0}), ((3,), {})]:
        values = jnp.asarray(list(evidence.values()), jnp.int32)
        states, log_prob = map_query(STRUCTURE, log_cpts, variables, tuple(evidence), values)
        posterior = brute_force_query(joint, variables, evidence)
        best = np.unravel_index(np.argmax(posterior), posterior.shape)
        assert tuple(np.asarray(states).tolist()) == tuple(int(b) for b in best)
        np.testing.assert_allclose(np.exp(log_prob), posterior.max(), rtol=2e-5)


def test_log_evidence_gradient_is_the_family_posterior():
    log_cpts = _log_cpts(2, jnp.float32)
    joint = brute_force_joint(STRUCTURE, log_cpts)
    observed = {1: 2, 5: 0}  # B = 2, F = 0; the rest summed out
    indicators = [
        jnp.where(jnp.arange(c) == observed[i], 0.0, -jnp.inf) if i in observed else jnp.zeros(c)
        for i, c in enumerate(STRUCTURE.cardinalities)
    ]
    value, grads = jax.jit(
        jax.value_and_grad(lambda cpts: ve.log_evidence(STRUCTURE, cpts, indicators))
    )(log_cpts)
    np.testing.assert_allclose(value, np.log(joint[:, 2, :, :, :, 0].sum()), rtol=1e-5)
    assert all(np.isfinite(np.asarray(g)).all() for g in grads)
    for node in range(STRUCTURE.num_nodes):
        family = (*STRUCTURE.parents[node], node)
        rest = tuple(v for v in family if v not in observed)
        # Zero off the observed states; the posterior of the unobserved members on them.
        expected = np.zeros(STRUCTURE.cpt_shape(node))
        index = tuple(observed[v] if v in observed else slice(None) for v in family)
        expected[index] = brute_force_query(joint, rest, observed) if rest else 1.0
        np.testing.assert_allclose(grads[node], expected, atol=2e-6)


def test_elimination_order_heuristics_on_known_graphs():
    # A chain eliminated by min-fill never adds an edge: leaves first.
    chain = [(0, 1), (1, 2), (2, 3)]
    assert ve.elimination_order(chain, [0, 1, 2, 3], [2] * 4)[0] in (0, 3)
    # A star: the hub has the most neighbours, so min_neighbors takes three leaves first.
    star = [(0, leaf) for leaf in range(1, 5)]
    assert ve.elimination_order(star, range(5), [2] * 5, "min_neighbors") == [1, 2, 3, 0, 4]
    # min_weight prefers the variable whose neighbours have few states.
    scopes = [(0, 1), (2, 3)]
    assert ve.elimination_order(scopes, [0, 2], [2, 2, 2, 9], "min_weight")[0] == 0
    with pytest.raises(ValueError, match="heuristic='fastest'"):
        ve.elimination_order(chain, [0], [2] * 4, "fastest")


def test_likelihood_weighting_approaches_the_exact_posterior():
    log_cpts = _log_cpts(3, jnp.float32)
    joint = brute_force_joint(STRUCTURE, log_cpts)
    estimate = likelihood_weighting_query(
        STRUCTURE, log_cpts, (0, 3), (5, 4), jnp.asarray([1, 0]), jax.random.key(0), 40_000
    )
    np.testing.assert_allclose(estimate, brute_force_query(joint, (0, 3), {5: 1, 4: 0}), atol=0.02)
