r"""Chart algorithms for PCFGs: inside, expected rule counts (outside), Viterbi CKY, sampling.

The grammar comes as dense log-probabilities (:class:`PCFGParams`) of binary rules
:math:`A \to B\,C`, unary rules :math:`A \to B` and lexical rules :math:`A \to w`
(``gen_jax.models.pcfg.cnf`` brings any grammar to that form). The inside score of a span
of width :math:`w` starting at :math:`i` is, before unary rules,

.. math::
    \tilde\beta(A, i, w) = \sum_{k=1}^{w-1} \sum_{B,C} P(A \to B\,C)\,
        \beta(B, i, k)\,\beta(C, i + k, w - k), \qquad
    \tilde\beta(A, i, 1) = P(A \to w_i),

and after them :math:`\beta(\cdot, i, w) = U \tilde\beta(\cdot, i, w)` with the unary
closure :math:`U = (I - Q)^{-1}` (the identity for a grammar in Chomsky normal form);
:math:`P(w_{1:n}) = \beta(S, 0, n)`. Everything is in log space. One ``lax.scan`` runs over
the span width; each step fills the cells of that width for every start at once, and a
batch of sentences of different lengths is a ``vmap`` over padded token arrays, each
sentence reading its answer at its own length (cells beyond it are computed but unused).

The outside pass is the gradient: :math:`\partial \log P(w) / \partial \log P(r)` is the
expected number of uses of rule :math:`r` in a parse of :math:`w` (Eisner 2016), which is
what inside-outside EM needs (:func:`expected_rule_counts`). Viterbi CKY replaces sums by
maxima and keeps back-pointers (split, children, bottom of the unary chain); the tree is
read off them on the host.

References:
    Baker (1979), Trainable grammars for speech recognition, JASA 65(S1).
    Lari & Young (1990), The estimation of stochastic context-free grammars using the
    inside-outside algorithm, Computer Speech and Language 4(1).
    Eisner (2016), Inside-outside and forward-backward algorithms are just backprop,
    Workshop on Structured Prediction for NLP.
    Rush (2020), Torch-Struct: deep structured prediction library, arXiv:2002.00876.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from gen_jax.models.pcfg.grammar import Terminal
from gen_jax.models.pcfg.tree import Tree

_HIGHEST = jax.lax.Precision.HIGHEST


@struct.dataclass
class PCFGParams:
    """Log-probabilities of a grammar's rules; ``-inf`` where a rule does not exist.

    Attributes:
        log_binary: ``[N, N, N]``, ``log P(A -> B C)`` at ``[A, B, C]``.
        log_unary: ``[N, N]``, ``log P(A -> B)``.
        log_lexical: ``[N, V]``, ``log P(A -> w)``.
    """

    log_binary: jax.Array
    log_unary: jax.Array
    log_lexical: jax.Array


def _safe_log(x: jax.Array) -> jax.Array:
    """``log x`` with ``-inf`` (and a zero gradient, not NaN) where ``x <= 0``."""
    positive = x > 0
    return jnp.where(positive, jnp.log(jnp.where(positive, x, 1)), -jnp.inf)


def _finite_or_zero(x: jax.Array) -> jax.Array:
    return jax.lax.stop_gradient(jnp.where(jnp.isfinite(x), x, 0))


def _logsumexp(x: jax.Array, axis: int) -> jax.Array:
    """A logsumexp that returns ``-inf`` for all ``-inf`` input with a finite gradient."""
    shift = _finite_or_zero(jnp.max(x, axis=axis, keepdims=True))
    total = jnp.sum(jnp.exp(x - shift), axis=axis)
    return _safe_log(total) + jnp.squeeze(shift, axis)


def log_unary_closure(log_unary: jax.Array) -> jax.Array:
    r""":math:`\log U`, :math:`U = (I - Q)^{-1}`: all unary chains :math:`A \Rightarrow^* B`.

    Args:
        log_unary: ``[N, N]`` log-probabilities of the unary rules.

    Returns:
        ``[N, N]``; ``-inf`` exactly where no chain of existing rules leads from A to B.
    """
    n = log_unary.shape[0]
    unary = jnp.exp(log_unary)
    closure = jnp.linalg.inv(jnp.eye(n, dtype=unary.dtype) - unary)
    reachable = jnp.eye(n, dtype=bool) | (unary > 0)
    for _ in range(max(1, n).bit_length()):  # repeated squaring of the reachability relation
        steps = reachable.astype(unary.dtype)
        reachable = reachable | (jnp.matmul(steps, steps, precision=_HIGHEST) > 0)
    return jnp.where(reachable, _safe_log(closure), -jnp.inf)


def _spans(chart: jax.Array, width: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Left ``[L, K, N]`` and right ``[L, K, N]`` sub-spans of every width-``width`` span.

    ``chart[i, w]`` is the cell of the span of width ``w`` starting at ``i``; split ``k``
    (1 to ``K = L - 1``) pairs ``chart[i, k]`` with ``chart[i + k, width - k]``; splits
    ``k >= width`` are invalid (``valid [K]``).
    """
    length = chart.shape[0]
    split = jnp.arange(1, length)
    left = chart[:, 1:length]
    starts = jnp.minimum(jnp.arange(length)[:, None] + split[None, :], length - 1)
    right = chart[starts, jnp.clip(width - split, 0, length)[None, :]]
    return left, right, split < width


def _combine_sum(binary: jax.Array, left, right, valid) -> jax.Array:
    """``log sum_{k,B,C} P(A -> B C) exp(left[i,k,B] + right[i,k,C])`` as ``[L, N]``.

    Computed as scaled matrix products: each split's scores are shifted by their maxima,
    so nothing under- or overflows, and the shifts are added back in log space.
    """
    left = jnp.where(valid[None, :, None], left, -jnp.inf)
    left_max = _finite_or_zero(jnp.max(left, axis=-1))
    right_max = _finite_or_zero(jnp.max(right, axis=-1))
    left_scaled = jnp.exp(left - left_max[..., None])
    right_scaled = jnp.exp(right - right_max[..., None])
    split_shift = jnp.where(valid[None, :], left_max + right_max, -jnp.inf)
    shift = _finite_or_zero(jnp.max(split_shift, axis=1))
    split_weight = jnp.exp(split_shift - shift[:, None])
    pairs = jnp.einsum(
        "ik,ikb,ikc->ibc", split_weight, left_scaled, right_scaled, precision=_HIGHEST
    )
    n = binary.shape[0]
    inner = jnp.matmul(pairs.reshape(-1, n * n), binary.reshape(n, n * n).T, precision=_HIGHEST)
    return _safe_log(inner) + shift[:, None]


def _apply_closure_sum(log_closure: jax.Array, pre: jax.Array) -> jax.Array:
    """``[L, N]``: ``log sum_B U[A, B] exp(pre[i, B])``."""
    return _logsumexp(log_closure[None, :, :] + pre[:, None, :], axis=-1)


def _pad_to_two(tokens: jax.Array) -> jax.Array:
    """Charts need ``L >= 2`` (one split); a length-1 array gets a padding token."""
    return tokens if tokens.shape[0] >= 2 else jnp.pad(tokens, (0, 2 - tokens.shape[0]))


def inside_chart(params: PCFGParams, tokens: jax.Array) -> jax.Array:
    """The inside chart of one padded sentence.

    Args:
        params: the grammar.
        tokens: ``[L]`` int token ids (any valid id past the sentence's end).

    Returns:
        ``[L, L + 1, N]`` log inside scores, ``chart[i, w, A] = log beta(A, i, w)``
        (``w = 0`` unused; cells reaching past the sentence hold scores of the padding).
    """
    tokens = _pad_to_two(tokens)
    length, n = tokens.shape[0], params.log_binary.shape[0]
    log_closure = log_unary_closure(params.log_unary)
    binary = jnp.exp(params.log_binary)
    chart = jnp.full((length, length + 1, n), -jnp.inf, params.log_binary.dtype)
    chart = chart.at[:, 1].set(_apply_closure_sum(log_closure, params.log_lexical[:, tokens].T))

    def fill(chart, width):
        pre = _combine_sum(binary, *_spans(chart, width))
        return chart.at[:, width].set(_apply_closure_sum(log_closure, pre)), None

    chart, _ = jax.lax.scan(fill, chart, jnp.arange(2, length + 1))
    return chart


def inside(params: PCFGParams, tokens: jax.Array, length: jax.Array, start: int) -> jax.Array:
    r""":math:`\log P(w_{1:n})`, the inside log-probability of one sentence (a scalar).

    Args:
        params: the grammar.
        tokens: ``[L]`` int token ids, padded past ``length``.
        length: the sentence's length ``n``, ``1 <= n <= L``.
        start: index of the start symbol (static).
    """
    return inside_chart(params, tokens)[0, length, start]


def batch_inside(params: PCFGParams, tokens, lengths, start: int) -> jax.Array:
    """``[B]`` inside log-probabilities of padded sentences ``tokens [B, L]``, ``lengths [B]``."""
    return jax.vmap(inside, in_axes=(None, 0, 0, None))(params, tokens, lengths, start)


def expected_rule_counts(
    params: PCFGParams, tokens: jax.Array, lengths: jax.Array, weights: jax.Array, start: int
) -> tuple[PCFGParams, jax.Array]:
    r"""Expected rule counts summed over sentences, from the gradient of the inside pass.

    :math:`\sum_n \omega_n \partial \log P(w^{(n)}) / \partial \log P(r) = \sum_n
    \omega_n E[c_r \mid w^{(n)}]`, what the outside pass computes. Sentences of weight 0
    (padding) contribute nothing, even if impossible under the grammar.

    Args:
        params: the grammar.
        tokens: ``[B, L]`` padded token ids. lengths: ``[B]``. weights: ``[B]``.
        start: index of the start symbol (static).

    Returns:
        ``(counts, log_likelihood [B])``, ``counts`` a :class:`PCFGParams` of expected
        counts (not logs) in the shape of ``params``.
    """

    def weighted_total(p):
        log_likelihood = batch_inside(p, tokens, lengths, start)
        used = weights > 0
        total = jnp.sum(jnp.where(used, weights * jnp.where(used, log_likelihood, 0), 0))
        return total, log_likelihood

    counts, log_likelihood = jax.grad(weighted_total, has_aux=True)(params)
    return counts, log_likelihood


class ViterbiChart(NamedTuple):
    """Max-product chart of one sentence and its back-pointers (all indexed ``[w, i, A]``).

    Attributes:
        log_prob: ``[L + 1, L, N]`` best log-probability of a tree over each span.
        split: ``[L + 1, L, N]`` left width of the best binary rule (before unary rules).
        children: ``[L + 1, L, N]`` ``B * N + C`` of that rule.
        bottom: ``[L + 1, L, N]`` the symbol at the bottom of the best unary chain from A.
    """

    log_prob: jax.Array
    split: jax.Array
    children: jax.Array
    bottom: jax.Array


def _apply_closure_max(log_max_closure, pre):
    candidates = log_max_closure[None, :, :] + pre[:, None, :]
    return jnp.max(candidates, axis=-1), jnp.argmax(candidates, axis=-1).astype(jnp.int32)


def viterbi_chart(
    params: PCFGParams, log_max_closure: jax.Array, tokens: jax.Array
) -> ViterbiChart:
    """Viterbi CKY over one padded sentence.

    Args:
        params: the grammar.
        log_max_closure: ``[N, N]`` log-probability of the best unary chain from A to B
            (0 on the diagonal: the empty chain), as ``gen_jax.estimators.pcfg`` computes it.
        tokens: ``[L]`` token ids.

    Returns:
        A :class:`ViterbiChart`; the best parse of the first ``n`` tokens scores
        ``log_prob[n, 0, start]``.
    """
    tokens = _pad_to_two(tokens)
    length, n = tokens.shape[0], params.log_binary.shape[0]
    rules = params.log_binary.reshape(n, n * n)
    lexical, bottom = _apply_closure_max(log_max_closure, params.log_lexical[:, tokens].T)
    chart = jnp.full((length, length + 1, n), -jnp.inf, rules.dtype).at[:, 1].set(lexical)

    def fill(chart, width):
        left, right, valid = _spans(chart, width)
        scores = left[:, :, :, None] + right[:, :, None, :]
        scores = jnp.where(valid[None, :, None, None], scores, -jnp.inf)
        best_split = jnp.argmax(scores, axis=1).reshape(length, n * n)
        best = jnp.max(scores, axis=1).reshape(length, 1, n * n) + rules[None]
        children = jnp.argmax(best, axis=-1).astype(jnp.int32)
        split = jnp.take_along_axis(best_split, children, axis=1).astype(jnp.int32) + 1
        post, bottom = _apply_closure_max(log_max_closure, jnp.max(best, axis=-1))
        return chart.at[:, width].set(post), (post, split, children, bottom)

    chart, (post, split, children, bottoms) = jax.lax.scan(fill, chart, jnp.arange(2, length + 1))
    zeros = jnp.zeros((2, length, n), jnp.int32)
    first = jnp.stack([jnp.full_like(lexical, -jnp.inf), lexical])
    return ViterbiChart(
        log_prob=jnp.concatenate([first, post]),
        split=jnp.concatenate([zeros, split]),
        children=jnp.concatenate([zeros, children]),
        bottom=jnp.concatenate([zeros.at[1].set(bottom), bottoms]),
    )


def max_unary_closure(unary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best unary chains (Floyd–Warshall in log space), on the host.

    Args:
        unary: ``[N, N]`` unary rule probabilities.

    Returns:
        ``(log_best [N, N], next_hop [N, N])``: the log-probability of the most probable
        chain from A to B (0 for A = B, the empty chain; ``-inf`` if none) and the first
        symbol after A on it (``-1`` when A = B or no chain).
    """
    n = unary.shape[0]
    with np.errstate(divide="ignore"):
        best = np.log(unary)
    next_hop = np.where(np.isfinite(best), np.arange(n)[None, :], -1)
    best[np.diag_indices(n)] = 0.0
    next_hop[np.diag_indices(n)] = -1
    for via in range(n):
        through = best[:, via : via + 1] + best[via : via + 1, :]
        better = through > best
        best = np.where(better, through, best)
        next_hop = np.where(better, next_hop[:, via : via + 1], next_hop)
    return best, next_hop


class _TooDeep(Exception):
    """A sampled derivation passed the depth or size guard."""


def sample_tree(
    expansions: dict[str, tuple[list[tuple], np.ndarray]],
    start: str,
    rng: np.random.Generator,
    *,
    max_depth: int,
    max_nodes: int = 100_000,
) -> Tree | None:
    """One top-down (ancestral) sample of a derivation tree, on the host.

    Args:
        expansions: ``lhs -> (right-hand sides, probabilities [R])``; a right-hand side is a
            tuple of non-terminals (str) and :class:`~gen_jax.models.pcfg.grammar.Terminal`.
        start: the start symbol.
        rng: the numpy generator that draws the rules.
        max_depth: the depth guard; a non-tight grammar (one whose derivations may never
            end) would otherwise recurse without end.
        max_nodes: the size guard, for grammars that grow wide rather than deep.

    Returns:
        The tree, or ``None`` when the derivation passed a guard (the caller redraws).
    """
    budget = [max_nodes]

    def expand(symbol: str, depth: int) -> Tree:
        budget[0] -= 1
        if depth > max_depth or budget[0] < 0:
            raise _TooDeep
        options, probs = expansions[symbol]
        rhs = options[rng.choice(len(options), p=probs)]
        return Tree(
            symbol,
            tuple(s.word if isinstance(s, Terminal) else expand(s, depth + 1) for s in rhs),
        )

    try:
        return expand(start, 1)
    except _TooDeep:
        return None
