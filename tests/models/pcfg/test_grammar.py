"""PCFG construction: the notation, arrays, treebanks (against nltk), CNF, trees, bad input."""

import math

import nltk
import numpy as np
import pytest

from gen_jax.estimators.pcfg import PCFG
from gen_jax.models.pcfg.grammar import Rule, Terminal
from gen_jax.models.pcfg.tree import Tree
from tests.models.pcfg.grammars import CNF, MIXED, MIXED_SENTENCES


def test_notation_is_read_like_nltk():
    grammar = PCFG.from_string(
        """
        # a comment
        S -> NP VP [0.9] | 'hi' "there's" [0.1]
        NP -> 'she' [0.5]
            | 'he' [0.5]   # a continuation line
        VP -> 'runs' [1.0]
        """
    )
    assert grammar.start == "S" and grammar.nonterminals == ("S", "NP", "VP")
    assert grammar.rules[1] == Rule("S", (Terminal("hi"), Terminal("there's")), 0.1)
    assert grammar.vocabulary == ("he", "hi", "runs", "she", "there's")
    assert not grammar.is_cnf()
    reread = PCFG.from_string(str(grammar))
    assert reread.rules == grammar.rules
    assert PCFG.from_string(CNF).is_cnf()


@pytest.mark.parametrize(
    "text, message",
    [
        ("S -> A [0.5] | 'a' [0.4]\nA -> 'a' [1.0]", "sum to 0.9"),
        ("S -> A B [1.0]\nA -> 'a' [1.0]", r"non-terminal\(s\) \['B'\] that have no rules"),
        ("S -> 'a' [1.0]\nS -> 'a' [1.0]", "appears twice"),
        ("S -> 'a' [0.0] | 'b' [1.0]", "must lie in"),
        ("S -> 'a' | 'b' [1.0]", "has no probability"),
        ("S -> [1.0]", "non-empty right-hand side"),
        ("S -> 'a' [1.0] 'b'", "symbols after"),
        ("S 'a' [1.0]", "is not 'LHS -> rhs"),
        ("", "holds no rules"),
        ("S -> 'a' [x]", "is not a probability"),
    ],
)
def test_bad_grammars_get_clear_errors(text, message):
    with pytest.raises(ValueError, match=message):
        PCFG.from_string(text)


def test_missing_start_symbol_and_unknown_words():
    with pytest.raises(ValueError, match="start='ROOT' has no rules"):
        PCFG.from_string("S -> 'a' [1.0]", start="ROOT")
    grammar = PCFG.from_string(MIXED)
    with pytest.raises(ValueError, match=r"sentences\[0\] has the word 'cat' \(position 2\)"):
        grammar.inside_log_prob("the big cat ran")
    with pytest.raises(ValueError, match="non-empty str or a list of words"):
        grammar.viterbi_parse("")


def test_from_arrays_equals_the_same_grammar_from_text():
    binary = np.zeros((3, 3, 3))
    binary[0, 1, 2] = 0.75
    lexical = np.array([[0.25, 0.0], [1.0, 0.0], [0.0, 1.0]])
    grammar = PCFG.from_arrays(["S", "A", "B"], ["a", "b"], binary=binary, lexical=lexical)
    text = PCFG.from_string("S -> A B [0.75] | 'a' [0.25]\nA -> 'a' [1.0]\nB -> 'b' [1.0]")
    assert set(grammar.rules) == set(text.rules)
    with pytest.raises(ValueError, match=r"binary has shape \(2, 2, 2\)"):
        PCFG.from_arrays(["S", "A", "B"], ["a", "b"], binary=binary[:2, :2, :2], lexical=lexical)


def test_treebank_estimate_equals_nltk_induce_pcfg():
    grammar = PCFG.from_string(MIXED)
    trees = [grammar.viterbi_parse(s)[0] for s in MIXED_SENTENCES]
    ours = PCFG.from_treebank(trees)
    productions = [p for t in trees for p in t.to_nltk().productions()]
    theirs = nltk.induce_pcfg(nltk.Nonterminal("S"), productions)
    expected = {(str(p.lhs()), str(p).split(" [")[0]): p.prob() for p in theirs.productions()}
    got = {(r.lhs, f"{r.lhs} -> {' '.join(map(str, r.rhs))}"): r.prob for r in ours.rules}
    assert got.keys() == expected.keys()
    for key, prob in expected.items():
        assert got[key] == pytest.approx(prob)


def test_treebank_smoothing_keeps_every_word_possible_for_every_preterminal():
    trees = [Tree.from_string("(S (A a) (B b))"), Tree.from_string("(S (A a) (B a))")]
    smooth = PCFG.from_treebank(trees, pseudo_count=1.0)
    probs = {(r.lhs, r.rhs): r.prob for r in smooth.rules}
    assert probs[("A", (Terminal("b"),))] == pytest.approx(1 / 4)  # (0 + 1) / (2 + 2)
    assert probs[("B", (Terminal("a"),))] == pytest.approx(2 / 4)
    assert math.isfinite(smooth.inside_log_prob("b b"))


@pytest.mark.parametrize("text", [MIXED, "S -> X [0.3] | 'a' [0.7]\nX -> S [0.4] | 'b' [0.6]"])
def test_cnf_conversion_preserves_every_sentence_probability(text):
    grammar = PCFG.from_string(text)
    converted = grammar.to_cnf()
    assert converted.is_cnf() and converted.start == grammar.start
    sentences = [s for s in MIXED_SENTENCES if set(s.split()) <= set(grammar.vocabulary)]
    sentences = sentences or ["a", "b"]
    np.testing.assert_allclose(
        converted.score_samples(sentences), grammar.score_samples(sentences), rtol=2e-6
    )


def test_trees_round_trip_through_brackets_and_nltk():
    text = "(S (NP (D the) (N dog)) (VP (V barks)))"
    tree = Tree.from_string(text)
    assert str(tree) == text and tree.leaves() == ["the", "dog", "barks"] and tree.height() == 3
    assert Tree.from_nltk(tree.to_nltk()) == tree
    assert Tree.from_nltk(nltk.Tree.fromstring(text)) == tree
    assert eval(repr(tree)) == tree
    for bad in ["(S (NP the)", "S x", "(S x) (T y)", ""]:
        with pytest.raises(ValueError, match="text"):
            Tree.from_string(bad)
