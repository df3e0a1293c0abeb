r"""``PCFG``: a probabilistic context-free grammar with exact inference and EM (sklearn style).

Build one from the familiar notation, from dense arrays, or from a treebank::

    grammar = PCFG.from_string('''
        S  -> NP VP [1.0]
        NP -> 'she' [0.6] | Det N [0.4]
        ...''')
    grammar.inside_log_prob("she saw the dog")         # log P(sentence), the inside pass
    tree, log_prob = grammar.viterbi_parse("she saw the dog")   # Viterbi CKY
    grammar.sample(key=jax.random.key(0))              # a derivation tree
    grammar.fit(sentences)                             # inside-outside EM

Any grammar in the notation can be used (unary rules and chains, rules longer than two,
terminals inside longer rules): it is rewritten to binary/unary/lexical form for the chart
(:mod:`gen_jax.models.pcfg.cnf`) and parse trees are mapped back. :meth:`PCFG.to_cnf` gives
an equivalent grammar in strict Chomsky normal form. Batches of sentences are padded (to
lengths and counts in steps of 8, so few shapes compile) and sharded over every device.

References:
    Manning & Schütze (1999), Foundations of Statistical Natural Language Processing,
    ch. 11.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.em import fit_em
from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import Estimator
from gen_jax.models.pcfg import chart
from gen_jax.models.pcfg.cnf import cnf_rules, compile_rules, debinarize
from gen_jax.models.pcfg.em import PCFGInsideOutsideEM
from gen_jax.models.pcfg.grammar import (
    Rule,
    Terminal,
    parse_rules,
    relative_frequency_rules,
    tree_productions,
    validate_rules,
)
from gen_jax.models.pcfg.tree import Tree

__all__ = ["PCFG", "Rule", "Terminal", "Tree"]

_BUCKET = 8


def _round_up(value: int, step: int = _BUCKET) -> int:
    return max(step, -(-value // step) * step)


def _words(tokens, name: str = "tokens") -> list[str]:
    """A sentence as a list of words: a str is split on whitespace."""
    words = tokens.split() if isinstance(tokens, str) else list(tokens)
    if not words or not all(isinstance(word, str) for word in words):
        raise ValueError(
            f"{name}={tokens!r}: pass a sentence as a non-empty str or a list of words (str)"
        )
    return words


class PCFG(Estimator):
    """A probabilistic context-free grammar (see the module docstring).

    Usable as soon as it is built (its rules are its parameters), so no method needs
    ``fit``. The constructor stores ``rules`` and ``start`` as given and checks them
    (scikit-learn's ``get_params``, ``set_params`` and ``clone`` work); the chart form
    (``compiled``) is derived from them when first needed, and again after they change.
    ``fit`` re-estimates the probabilities of ``rules`` in place, as hmmlearn's ``fit``
    does with parameters set before it, so a clone of a fitted grammar starts from the
    fitted rules.

    Args:
        rules: the productions (:class:`Rule`); each left-hand side's probabilities sum to 1.
        start: the start symbol; by default the left-hand side of the first rule
            (``start_symbol``). The ``from_*`` constructors pass it explicitly.

    Attributes (after ``fit``): log_likelihood_history_, n_iter_, converged_.
    """

    def __init__(self, rules: Sequence[Rule], start: str | None = None):
        self.rules, self.start = rules, start
        self._compile()  # checks the grammar now

    @property
    def start_symbol(self) -> str:
        """``start``, or the left-hand side of the first rule when it is ``None``."""
        rules = tuple(self.rules)
        if not rules:
            raise ValueError("rules is empty; a grammar needs at least one rule")
        return rules[0].lhs if self.start is None else self.start

    def _compile(self):
        """The compiled grammar of the current ``rules`` and ``start`` (cached until
        ``set_params`` or ``fit`` replaces them)."""
        cache = self.__dict__.get("_cache", {})
        if cache.get("rules") is not self.rules or cache.get("start") != self.start:
            rules, start = tuple(self.rules), self.start_symbol
            validate_rules(rules, start)
            compiled = compile_rules(rules, start)
            cache = {"rules": self.rules, "start": self.start, "compiled": compiled}
            self._cache = cache
        return cache

    @property
    def compiled(self):
        """The grammar in the chart's binary/unary/lexical form
        (:func:`~gen_jax.models.pcfg.cnf.compile_rules`)."""
        return self._compile()["compiled"]

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_string(cls, text: str, start: str | None = None) -> PCFG:
        """A grammar written as ``S -> NP VP [0.9] | VP [0.1]``, one left-hand side a line."""
        rules = parse_rules(text)
        return cls(rules, rules[0].lhs if start is None and rules else start)

    @classmethod
    def from_arrays(
        cls,
        nonterminals: Sequence[str],
        vocabulary: Sequence[str],
        *,
        binary: np.ndarray,
        lexical: np.ndarray,
        unary: np.ndarray | None = None,
        start: str | None = None,
    ) -> PCFG:
        """A grammar from dense probabilities: ``binary [N, N, N]`` (``P(A -> B C)``),
        ``lexical [N, V]`` (``P(A -> w)``), optional ``unary [N, N]``; zeros are absent rules.
        The start symbol defaults to ``nonterminals[0]``."""
        n, v = len(nonterminals), len(vocabulary)
        unary = np.zeros((n, n)) if unary is None else unary
        arrays = {
            "binary": (binary, (n, n, n)),
            "lexical": (lexical, (n, v)),
            "unary": (unary, (n, n)),
        }
        for name, (array, shape) in arrays.items():
            if np.shape(array) != shape:
                raise ValueError(f"{name} has shape {np.shape(array)}; expected {shape} (N, V)")
            if not np.all(np.isfinite(array)) or np.any(np.asarray(array) < 0):
                raise ValueError(f"{name} must hold finite probabilities >= 0")
        rules = []
        for a, lhs in enumerate(nonterminals):
            for b, c in zip(*np.nonzero(binary[a]), strict=True):
                rules.append(Rule(lhs, (nonterminals[b], nonterminals[c]), float(binary[a, b, c])))
            for b in np.flatnonzero(unary[a]):
                rules.append(Rule(lhs, (nonterminals[b],), float(unary[a, b])))
            for w in np.flatnonzero(lexical[a]):
                rules.append(Rule(lhs, (Terminal(vocabulary[w]),), float(lexical[a, w])))
        return cls(rules, nonterminals[0] if start is None else start)

    @classmethod
    def from_treebank(
        cls, trees: Sequence[Tree], *, start: str | None = None, pseudo_count: float = 0.0
    ) -> PCFG:
        """Relative-frequency (maximum-likelihood) rules from parse trees, with additive
        smoothing ``pseudo_count`` (see ``pcfg_grammar.relative_frequency_rules``). The
        start symbol defaults to the first tree's root label."""
        rules = relative_frequency_rules(trees, pseudo_count=pseudo_count)
        return cls(rules, trees[0].label if start is None else start)

    def __str__(self) -> str:
        return "\n".join(map(str, self.rules))

    @property
    def nonterminals(self) -> tuple[str, ...]:
        """The grammar's non-terminals (left-hand sides), start symbol's rules first."""
        return self.compiled.nonterminals[: self.compiled.num_original]

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """The words (terminals), sorted."""
        return self.compiled.vocabulary

    def is_cnf(self) -> bool:
        """Whether every rule is ``A -> B C`` (non-terminals) or ``A -> 'w'``."""
        return all(
            (len(r.rhs) == 2 and not any(isinstance(s, Terminal) for s in r.rhs))
            or (len(r.rhs) == 1 and isinstance(r.rhs[0], Terminal))
            for r in self.rules
        )

    def to_cnf(self) -> PCFG:
        """An equivalent grammar in Chomsky normal form: every sentence keeps its probability
        (trees are binarised and unary chains folded away, so they change)."""
        return PCFG(cnf_rules(self.compiled, [r.prob for r in self.rules]), self.start_symbol)

    # -- arrays for the chart ----------------------------------------------------------------
    def params(self, dtype=None) -> chart.PCFGParams:
        """The dense log-probabilities (:class:`~gen_jax.models.pcfg.chart.PCFGParams`)."""
        dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
        arrays = self.compiled.probability_arrays([r.prob for r in self.rules])
        with np.errstate(divide="ignore"):
            logs = {k: jnp.asarray(np.log(a), dtype) for k, a in arrays.items()}
        return chart.PCFGParams(logs["binary"], logs["unary"], logs["lexical"])

    def _max_closure(self):
        cache = self._compile()
        if "max_closure" not in cache:
            unary = self.compiled.probability_arrays([r.prob for r in self.rules])["unary"]
            cache["max_closure"] = chart.max_unary_closure(unary)
        return cache["max_closure"]

    def encode(self, sentences: Sequence, *, name: str = "sentences"):
        """``(tokens [B', L'] int32, lengths [B'] int32, words)``, padded to steps of 8.

        Raises ``ValueError`` naming the first word the grammar does not know.
        """
        if isinstance(sentences, str) or not len(sentences):
            raise ValueError(f"{name}: pass a non-empty list of sentences")
        words = [_words(s, f"{name}[{i}]") for i, s in enumerate(sentences)]
        ids = {word: i for i, word in enumerate(self.vocabulary)}
        length = _round_up(max(map(len, words)))
        tokens = np.zeros((_round_up(len(words)), length), np.int32)
        for row, sentence in enumerate(words):
            for column, word in enumerate(sentence):
                if word not in ids:
                    raise ValueError(
                        f"{name}[{row}] has the word {word!r} (position {column}), which no "
                        "rule of the grammar produces; add a lexical rule for it or map it to "
                        "a known word"
                    )
                tokens[row, column] = ids[word]
        lengths = np.zeros(tokens.shape[0], np.int32)
        lengths[: len(words)] = [len(s) for s in words]
        return tokens, lengths, words

    # -- inference -------------------------------------------------------------------------
    def score_samples(self, sentences: Sequence) -> np.ndarray:
        """``[B]`` inside log-probabilities ``log P(sentence)`` (``-inf`` if ungrammatical)."""
        tokens, lengths, words = self.encode(sentences)
        params = self.params()
        tokens, lengths = pad_and_shard(tokens, lengths)
        log_probs = _batch_inside(params, tokens, lengths, self.compiled.start)
        return np.asarray(log_probs)[: len(words)]

    def score(self, sentences: Sequence) -> float:
        """Mean log-probability per sentence."""
        return float(np.mean(self.score_samples(sentences)))

    def inside_log_prob(self, tokens) -> float:
        """``log P(tokens)`` summed over all parses (the inside algorithm)."""
        return float(self.score_samples([_words(tokens)])[0])

    def viterbi_parses(self, sentences: Sequence) -> list[tuple[Tree | None, float]]:
        """Most probable parse and its log-probability for every sentence (Viterbi CKY);
        ``(None, -inf)`` for a sentence the grammar cannot derive."""
        tokens, lengths, words = self.encode(sentences)
        log_best, next_hop = self._max_closure()
        params = self.params()
        charts = jax.device_get(
            _batch_viterbi(params, jnp.asarray(log_best, params.log_unary.dtype), tokens)
        )
        return [
            self._read_tree(jax.tree.map(lambda a, i=i: a[i], charts), next_hop, sentence)
            for i, sentence in enumerate(words)
        ]

    def viterbi_parse(self, tokens) -> tuple[Tree | None, float]:
        """``(best tree, its log-probability)`` for one sentence (a str or list of words)."""
        return self.viterbi_parses([_words(tokens)])[0]

    def _read_tree(self, charts: chart.ViterbiChart, next_hop, words):
        n, start = len(words), self.compiled.start
        log_prob = float(charts.log_prob[n, 0, start])
        if not math.isfinite(log_prob):
            return None, -math.inf
        names, size = self.compiled.nonterminals, self.compiled.num_nonterminals

        def build(i: int, width: int, symbol: int) -> Tree:
            bottom = int(charts.bottom[width, i, symbol])
            if width == 1:
                tree = Tree(names[bottom], (words[i],))
            else:
                left = int(charts.split[width, i, bottom])
                b, c = divmod(int(charts.children[width, i, bottom]), size)
                tree = Tree(names[bottom], (build(i, left, b), build(i + left, width - left, c)))
            chain = [symbol]
            while chain[-1] != bottom:
                chain.append(int(next_hop[chain[-1], bottom]))
            for above in reversed(chain[:-1]):
                tree = Tree(names[above], (tree,))
            return tree

        return debinarize(build(0, n, start), self.compiled), log_prob

    def tree_log_prob(self, tree: Tree) -> float:
        """``log P(tree)``: the sum of its rules' log-probabilities (``-inf`` if one is absent)."""
        probs = {(r.lhs, r.rhs): r.prob for r in self.rules}
        used = [probs.get(production, 0.0) for production in tree_productions(tree)]
        return sum(math.log(p) for p in used) if all(used) else -math.inf

    def sample(self, n_samples: int | None = None, *, key: jax.Array, max_depth: int = 50):
        """Derivation trees drawn top-down from the start symbol (``tree.leaves()`` is the
        sentence). Derivations deeper than ``max_depth`` are redrawn (the depth guard).

        Returns:
            One :class:`Tree` if ``n_samples`` is None, else a list of them.
        """
        if max_depth < 1:
            raise ValueError(f"max_depth={max_depth}: must be >= 1")
        expansions: dict = defaultdict(lambda: ([], []))
        for rule in self.rules:
            expansions[rule.lhs][0].append(rule.rhs)
            expansions[rule.lhs][1].append(rule.prob)
        expansions = {k: (rhs, np.asarray(p) / np.sum(p)) for k, (rhs, p) in expansions.items()}
        data = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
        rng = np.random.default_rng(np.asarray(data, np.uint32).ravel().tolist())
        trees = []
        for _ in range(1 if n_samples is None else n_samples):
            for _attempt in range(1000):
                tree = chart.sample_tree(expansions, self.start_symbol, rng, max_depth=max_depth)
                if tree is not None:
                    break
            else:
                raise ValueError(
                    f"1000 draws in a row passed max_depth={max_depth}: the grammar is likely "
                    "not tight (its derivations need not end); raise max_depth or lower the "
                    "probabilities of recursive rules"
                )
            trees.append(tree)
        return trees[0] if n_samples is None else trees

    # -- learning ------------------------------------------------------------------------------
    def fit(
        self,
        sentences: Sequence,
        *,
        max_iter: int = 50,
        tol: float = 1e-4,
        pseudo_count: float = 0.0,
        sample_weight=None,
    ) -> PCFG:
        """Re-estimate the rule probabilities by inside-outside EM (the rules stay); ``self``.

        Args:
            sentences: training sentences (str or lists of words).
            max_iter: the most EM iterations. tol: stop when the mean log-likelihood per
                sentence changes by less. pseudo_count: added to every rule's expected count.
            sample_weight: ``[B]`` non-negative sentence weights.
        """
        tokens, lengths, words = self.encode(sentences)
        weights = np.zeros(tokens.shape[0], jax.dtypes.canonicalize_dtype(np.float64))
        weights[: len(words)] = 1.0 if sample_weight is None else np.asarray(sample_weight)
        if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
            raise ValueError("sample_weight must be finite and >= 0 with a positive sum")
        model = PCFGInsideOutsideEM(self.compiled, pseudo_count)
        data, weights = pad_and_shard(np.concatenate([tokens, lengths[:, None]], 1), weights)
        result = jax.device_get(
            _fit(self.params(), data, weights, tol, model=model, max_iter=max_iter)
        )
        if not np.isfinite(result.log_likelihood[0]):
            raise ValueError(
                "some training sentence has probability 0 under the starting grammar; parse "
                "them with score_samples to find it, or add rules that can derive it"
            )
        arrays = {"binary": result.params.log_binary, "unary": result.params.log_unary}
        arrays["lexical"] = result.params.log_lexical
        entries = self.compiled.rule_entries
        table = {k: getattr(self.compiled, k) for k in arrays}
        probs = np.exp([np.float64(arrays[k][table[k][p]]) for k, p in entries])
        totals: dict[str, float] = defaultdict(float)
        for rule, prob in zip(self.rules, probs, strict=True):
            totals[rule.lhs] += prob  # renormalised in float64 against float32 rounding
        kept = [
            Rule(r.lhs, r.rhs, float(p / totals[r.lhs]))
            for r, p in zip(self.rules, probs, strict=True)
            if p > 0
        ]
        self.rules, self.start = tuple(kept), self.start_symbol
        self._store_em_result(result)
        return self


@functools.partial(jax.jit, static_argnames="start")
def _batch_inside(params, tokens, lengths, start):
    return chart.batch_inside(params, tokens, lengths, start)


@jax.jit
def _batch_viterbi(params, log_max_closure, tokens):
    return jax.vmap(chart.viterbi_chart, in_axes=(None, None, 0))(params, log_max_closure, tokens)


@functools.partial(jax.jit, static_argnames=("model", "max_iter"))
def _fit(params, data, weights, tol, *, model, max_iter):
    sentences = {"tokens": data[:, :-1], "lengths": data[:, -1]}
    return fit_em(model, params, sentences, weights=weights, tol=tol, max_iter=max_iter)
