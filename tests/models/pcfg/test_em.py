"""Inside-outside EM: monotone likelihood, 8 devices equal 1; authorship attribution."""

import jax
import numpy as np
import pytest

from gen_jax.algorithms.em import em_iteration
from gen_jax.core.sharding import make_mesh, pad_and_shard
from gen_jax.estimators.pcfg import PCFG
from gen_jax.estimators.pcfg_classifier import PCFGAuthorshipClassifier
from gen_jax.models.pcfg.em import PCFGInsideOutsideEM
from gen_jax.models.pcfg.grammar import Rule
from tests.models.pcfg.grammars import MIXED


def perturbed(grammar: PCFG, seed: int, strength: float = 1.0) -> PCFG:
    """The same rules with probabilities multiplied by random factors and renormalised."""
    rng = np.random.default_rng(seed)
    factors = np.exp(strength * rng.normal(size=len(grammar.rules)))
    totals = {}
    for rule, factor in zip(grammar.rules, factors, strict=True):
        totals[rule.lhs] = totals.get(rule.lhs, 0.0) + rule.prob * factor
    return PCFG(
        [
            Rule(r.lhs, r.rhs, r.prob * f / totals[r.lhs])
            for r, f in zip(grammar.rules, factors, strict=True)
        ],
        grammar.start,
    )


@pytest.fixture(scope="module")
def sentences():
    trees = PCFG.from_string(MIXED).sample(24, key=jax.random.key(0), max_depth=8)
    return [" ".join(t.leaves()) for t in trees if len(t.leaves()) <= 8][:16]


def test_em_never_decreases_the_likelihood(sentences):
    with jax.enable_x64(True):
        grammar = perturbed(PCFG.from_string(MIXED), seed=1).fit(sentences, max_iter=6, tol=0.0)
        history = grammar.log_likelihood_history_
        assert len(history) == 6 and np.all(np.diff(history) >= -1e-10), history
        assert history[-1] > history[0] + 0.1
        # the fitted grammar scores its training data as EM reported (one more E-step)
        assert grammar.score(sentences) >= history[-1] - 1e-10


def test_em_iteration_on_eight_devices_equals_one(sentences):
    grammar = perturbed(PCFG.from_string(MIXED), seed=2)
    model = PCFGInsideOutsideEM(grammar.compiled, pseudo_count=0.01)
    tokens, lengths, _ = grammar.encode(sentences)
    step = jax.jit(
        lambda p, d, w: em_iteration(model, p, {"tokens": d[:, :-1], "lengths": d[:, -1]}, w)
    )
    data = np.concatenate([tokens, lengths[:, None]], 1)
    weights = (lengths > 0).astype(np.float32)
    outcomes = [step(grammar.params(), *pad_and_shard(data, weights, make_mesh(k))) for k in (1, 8)]
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), *outcomes)
    # helper symbols keep probability 1; every left-hand side stays normalised
    params = outcomes[0][0]
    total = sum(
        np.exp(np.asarray(a)).reshape(a.shape[0], -1).sum(1) for a in jax.tree.leaves(params)
    )
    np.testing.assert_allclose(total, 1.0, rtol=1e-5)


def test_authorship_classifier_tells_two_grammars_apart():
    base = PCFG.from_string(MIXED)
    authors = {"ann": perturbed(base, seed=10, strength=1.5), "ben": perturbed(base, 11, 1.5)}
    keys = jax.random.split(jax.random.key(4), 4)
    treebanks = {
        a: g.sample(60, key=keys[i], max_depth=8) for i, (a, g) in enumerate(authors.items())
    }
    classifier = PCFGAuthorshipClassifier(pseudo_count=0.5).fit(treebanks)
    documents, labels = [], []
    for i, (author, grammar) in enumerate(authors.items()):
        for tree_group in np.array_split(np.arange(40), 8):
            trees = grammar.sample(
                len(tree_group),
                key=jax.random.fold_in(keys[2 + i], int(tree_group[0])),
                max_depth=8,
            )
            documents.append([t.leaves() for t in trees])
            labels.append(author)
    scores = classifier.decision_function(documents)
    assert scores.shape == (16, 2)
    accuracy = np.mean(np.asarray(classifier.predict(documents)) == np.asarray(labels))
    assert accuracy >= 0.85, accuracy
    with pytest.raises(ValueError, match="at least two authors"):
        PCFGAuthorshipClassifier().fit({"ann": treebanks["ann"]})
