"""Inside, expected counts, Viterbi CKY and sampling against independent references:
brute-force enumeration of every parse, an explicit outside pass, closed forms and nltk."""

import functools
import itertools
import math
from collections import Counter

import jax
import jax.numpy as jnp
import nltk
import numpy as np
import pytest

from gen_jax.estimators.pcfg import PCFG
from gen_jax.models.pcfg import chart
from gen_jax.models.pcfg.grammar import Terminal, tree_productions
from gen_jax.models.pcfg.tree import Tree
from tests.models.pcfg.grammars import CNF, CNF_SENTENCES, MIXED, MIXED_SENTENCES

expected_rule_counts = jax.jit(chart.expected_rule_counts, static_argnums=4)


# -- references ------------------------------------------------------------------------------
def enumerate_parses(grammar: PCFG, words: list[str]) -> list[tuple[Tree, float]]:
    """Every parse tree of ``words`` with its probability, by exhaustive search over the
    original rules (every split of a span among a rule's symbols; no unary cycles)."""
    by_lhs = {}
    for rule in grammar.rules:
        by_lhs.setdefault(rule.lhs, []).append(rule)

    @functools.cache
    def parses(symbol, i, j):
        found = []
        for rule in by_lhs[symbol]:
            m = len(rule.rhs)
            for cuts in itertools.combinations(range(i + 1, j), m - 1):
                bounds = (i, *cuts, j)
                options = []
                for item, a, b in zip(rule.rhs, bounds, bounds[1:], strict=False):
                    if isinstance(item, Terminal):
                        options.append(
                            [(item.word, 1.0)] if (b - a == 1 and words[a] == item.word) else []
                        )
                    else:
                        options.append(parses(item, a, b))
                for combo in itertools.product(*options):
                    prob = rule.prob * math.prod(p for _, p in combo)
                    found.append((Tree(symbol, tuple(c for c, _ in combo)), prob))
        return tuple(found)

    return list(parses(grammar.start, 0, len(words)))


def explicit_outside_counts(grammar: PCFG, words: list[str]):
    """Lari & Young's inside and outside passes written out with loops (strict CNF only);
    returns the expected counts of the binary and lexical rules, and P(words)."""
    arrays = grammar.compiled.probability_arrays([r.prob for r in grammar.rules])
    binary, lexical = arrays["binary"], arrays["lexical"]
    ids = [grammar.vocabulary.index(w) for w in words]
    n, size = len(words), binary.shape[0]
    inside = np.zeros((n + 1, n + 1, size))
    for i, w in enumerate(ids):
        inside[i, i + 1] = lexical[:, w]
    for width in range(2, n + 1):
        for i in range(n - width + 1):
            j = i + width
            for k in range(i + 1, j):
                inside[i, j] += np.einsum("abc,b,c->a", binary, inside[i, k], inside[k, j])
    outside = np.zeros_like(inside)
    outside[0, n, grammar.compiled.start] = 1.0
    for width in range(n, 1, -1):
        for i in range(n - width + 1):
            j = i + width
            for k in range(i + 1, j):
                outside[i, k] += np.einsum("a,abc,c->b", outside[i, j], binary, inside[k, j])
                outside[k, j] += np.einsum("a,abc,b->c", outside[i, j], binary, inside[i, k])
    total = inside[0, n, grammar.compiled.start]
    binary_counts = np.zeros_like(binary)
    for i in range(n):
        for j in range(i + 2, n + 1):
            for k in range(i + 1, j):
                binary_counts += np.einsum(
                    "a,abc,b,c->abc", outside[i, j], binary, inside[i, k], inside[k, j]
                )
    lexical_counts = np.zeros_like(lexical)
    for i, w in enumerate(ids):
        lexical_counts[:, w] += outside[i, i + 1] * lexical[:, w]
    return binary_counts / total, lexical_counts / total, total


@pytest.fixture(scope="module")
def cnf():
    return PCFG.from_string(CNF)


@pytest.fixture(scope="module")
def mixed():
    return PCFG.from_string(MIXED)


# -- inside ----------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["cnf", "mixed"])
def test_inside_equals_the_sum_over_all_parses(which, cnf, mixed, x64):
    grammar, sentences = (cnf, CNF_SENTENCES) if which == "cnf" else (mixed, MIXED_SENTENCES)
    sentences = sentences + ["she she"]  # ungrammatical: probability 0
    got = grammar.score_samples(sentences)
    for sentence, value in zip(sentences, got, strict=True):
        parses = enumerate_parses(grammar, sentence.split())
        total = sum(p for _, p in parses)
        if not parses:
            assert value == -np.inf
            continue
        np.testing.assert_allclose(value, math.log(total), rtol=1e-10 if x64 else 2e-6)
        assert len({str(t) for t, _ in parses}) == len(parses)  # distinct trees
    assert got.dtype == (np.float64 if x64 else np.float32)


def test_unary_cycles_are_summed_in_closed_form():
    # S => S => ... => 'a': sum_k 0.5^k * 0.5 = 1; a chain through X adds (0.3)(0.4)...
    grammar = PCFG.from_string("S -> S [0.5] | 'a' [0.5]")
    assert grammar.inside_log_prob("a") == pytest.approx(0.0, abs=1e-6)
    cycle = PCFG.from_string("S -> X [0.3] | 'a' [0.7]\nX -> S [0.4] | 'b' [0.6]")
    # P_S(a) = 0.7 + 0.3 * 0.4 * P_S(a)  =>  0.7 / 0.88
    assert cycle.inside_log_prob("a") == pytest.approx(math.log(0.7 / 0.88), rel=1e-6)
    assert cycle.inside_log_prob("b") == pytest.approx(math.log(0.3 * 0.6 / 0.88), rel=1e-6)


def test_sentences_of_every_length_in_one_batch_match_one_at_a_time(mixed):
    batch = mixed.score_samples(MIXED_SENTENCES)
    single = [mixed.inside_log_prob(s) for s in MIXED_SENTENCES]
    np.testing.assert_allclose(batch, single, rtol=1e-6)


# -- expected counts: the outside pass ----------------------------------------------------------
def test_expected_counts_from_grad_equal_the_explicit_outside_pass(cnf, x64):
    sentences = CNF_SENTENCES[1:3]
    tokens, lengths, _ = cnf.encode(sentences)
    weights = (lengths > 0).astype(np.float64 if x64 else np.float32)
    counts, log_likelihood = expected_rule_counts(
        cnf.params(), jnp.asarray(tokens), jnp.asarray(lengths), jnp.asarray(weights), 0
    )
    binary, lexical = 0, 0
    for sentence, value in zip(sentences, log_likelihood, strict=False):
        b, lex, total = explicit_outside_counts(cnf, sentence.split())
        binary, lexical = binary + b, lexical + lex
        np.testing.assert_allclose(value, math.log(total), rtol=1e-10 if x64 else 2e-6)
    tolerance = dict(rtol=1e-9, atol=1e-12) if x64 else dict(rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(counts.log_binary, binary, **tolerance)
    np.testing.assert_allclose(counts.log_lexical, lexical, **tolerance)
    assert not np.any(counts.log_unary)


def test_expected_counts_with_unary_chains_equal_enumeration(mixed):
    with jax.enable_x64(True):
        sentences = MIXED_SENTENCES[1:4]
        tokens, lengths, _ = mixed.encode(sentences)
        counts, _ = expected_rule_counts(
            mixed.params(), tokens, lengths, jnp.asarray((lengths > 0) * 1.0), 0
        )
    got = {"binary": counts.log_binary, "unary": counts.log_unary, "lexical": counts.log_lexical}
    expected = Counter()
    for sentence in sentences:
        parses = enumerate_parses(mixed, sentence.split())
        total = sum(p for _, p in parses)
        for tree, prob in parses:
            for production in tree_productions(tree):
                expected[production] += prob / total
    compiled = mixed.compiled
    for rule, (kind, position) in zip(mixed.rules, compiled.rule_entries, strict=True):
        value = np.asarray(got[kind])[getattr(compiled, kind)[position]]
        assert value == pytest.approx(expected[(rule.lhs, rule.rhs)], rel=1e-8, abs=1e-10), rule


# -- Viterbi CKY against nltk ------------------------------------------------------------------
@pytest.mark.parametrize("text, sentences", [(CNF, CNF_SENTENCES), (MIXED, MIXED_SENTENCES)])
def test_viterbi_parse_equals_nltk_viterbi_parser(text, sentences):
    grammar = PCFG.from_string(text)
    parser = nltk.ViterbiParser(nltk.PCFG.fromstring(text))
    results = grammar.viterbi_parses(sentences + ["she she"])
    for sentence, (tree, log_prob) in zip(sentences, results, strict=False):
        (expected,) = parser.parse(sentence.split())
        assert tree == Tree.from_nltk(expected), sentence
        assert log_prob == pytest.approx(math.log(expected.prob()), rel=2e-6)
        assert grammar.tree_log_prob(tree) == pytest.approx(log_prob, rel=2e-6)
        assert tree.leaves() == sentence.split()
    assert results[-1] == (None, -math.inf)
    assert list(parser.parse("she she".split())) == []


def test_viterbi_follows_the_best_unary_chain_like_nltk():
    text = "S -> A [0.5] | B [0.3] | 'c' [0.2]\nA -> B [0.9] | 'a' [0.1]\nB -> 'b' [1.0]"
    tree, log_prob = PCFG.from_string(text).viterbi_parse("b")
    (expected,) = nltk.ViterbiParser(nltk.PCFG.fromstring(text)).parse(["b"])
    assert str(tree) == "(S (A (B b)))" and tree == Tree.from_nltk(expected)
    assert log_prob == pytest.approx(math.log(0.45))


def test_best_parse_is_the_best_enumerated_parse(mixed):
    for sentence in MIXED_SENTENCES:
        tree, log_prob = mixed.viterbi_parse(sentence)
        best_tree, best = max(enumerate_parses(mixed, sentence.split()), key=lambda tp: tp[1])
        assert log_prob == pytest.approx(math.log(best), rel=2e-6) and tree == best_tree


def test_max_unary_closure_is_floyd_warshall():
    unary = np.array([[0.0, 0.5, 0.1], [0.0, 0.0, 0.4], [0.0, 0.0, 0.0]])
    best, next_hop = chart.max_unary_closure(unary)
    assert best[0, 2] == pytest.approx(math.log(0.2)) and next_hop[0, 2] == 1
    assert best[2, 0] == -np.inf and np.all(np.diag(best) == 0)


# -- sampling --------------------------------------------------------------------------------
def test_sampled_sentences_follow_the_inside_probabilities():
    grammar = PCFG.from_string(
        "S -> A B [0.7] | 'x' [0.3]\nA -> 'a' [0.6] | 'b' [0.4]\nB -> 'a' [0.2] | 'c' [0.8]"
    )
    trees = grammar.sample(3000, key=jax.random.key(0))
    counts = Counter(" ".join(t.leaves()) for t in trees)
    for sentence, count in counts.items():
        expected = math.exp(grammar.inside_log_prob(sentence))
        assert abs(count / 3000 - expected) < 4 * math.sqrt(expected * (1 - expected) / 3000) + 1e-3
    assert set(counts) == {"x", "a a", "a c", "b a", "b c"}
    assert grammar.sample(key=jax.random.key(0)) == trees[0]  # same key, same first tree


def test_depth_guard():
    grammar = PCFG.from_string("S -> S S [0.45] | 'a' [0.55]")
    assert all(t.height() <= 4 for t in grammar.sample(50, key=jax.random.key(1), max_depth=4))
    endless = PCFG.from_string("S -> S 'a' [1.0]")
    with pytest.raises(ValueError, match="not tight"):
        endless.sample(key=jax.random.key(0), max_depth=5)
