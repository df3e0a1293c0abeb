r"""Count-based unigram and bigram language models: the baselines of a neural one.

Fitted on a training token stream: the unigram with add-one (Laplace) smoothing and the
bigram interpolated with it by Witten-Bell smoothing (no free parameter; add-one
smoothing would make a bigram over thousands of words worse than the unigram),

.. math::
    p(w) = \frac{c(w) + 1}{N + V}, \qquad
    p(w \mid v) = \frac{c(v, w) + T(v)\, p(w)}{c(v) + T(v)},

with :math:`T(v)` the number of distinct words seen after :math:`v` (an unseen
:math:`v` falls back to the unigram),

and scored on a held-out stream as mean negative log-likelihood in nats per token, whose
exponential is the perplexity. A language model that does not beat the bigram on the same
split has learnt nothing beyond pairs of tokens.

References:
    Jurafsky & Martin (2024), Speech and Language Processing, 3rd ed. draft, ch. 3
    (n-gram language models, Laplace smoothing, perplexity).
    Witten & Bell (1991), The zero-frequency problem, IEEE Trans. Information Theory
    37(4).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ngram_cross_entropy"]


def ngram_cross_entropy(
    train_ids: np.ndarray, held_out_ids: np.ndarray, vocab_size: int
) -> dict[str, float]:
    """Held-out nats per token of the smoothed unigram and bigram models.

    Args:
        train_ids: int ``[N]`` training stream.
        held_out_ids: int ``[M]`` held-out stream (``M >= 2``); the bigram scores its
            tokens 2..M given the one before, the unigram the same tokens.
        vocab_size: ``V``; every id must be below it.

    Returns:
        ``{"unigram": nats, "bigram": nats}`` per held-out token.
    """
    train_ids = np.asarray(train_ids, np.int64)
    held_out_ids = np.asarray(held_out_ids, np.int64)
    if held_out_ids.size < 2 or train_ids.size < 2:
        raise ValueError("train_ids and held_out_ids need at least 2 tokens each")
    if max(train_ids.max(), held_out_ids.max()) >= vocab_size:
        raise ValueError(f"an id is >= vocab_size={vocab_size}")
    unigram = np.bincount(train_ids, minlength=vocab_size) + 1.0
    unigram = unigram / unigram.sum()
    pair_codes, pair_counts = np.unique(
        train_ids[:-1] * vocab_size + train_ids[1:], return_counts=True
    )
    context_count = np.bincount(train_ids[:-1], minlength=vocab_size)
    followers = np.bincount(pair_codes // vocab_size, minlength=vocab_size)
    previous, current = held_out_ids[:-1], held_out_ids[1:]
    held_out_codes = previous * vocab_size + current
    where = np.minimum(np.searchsorted(pair_codes, held_out_codes), pair_codes.size - 1)
    pair_count = np.where(pair_codes[where] == held_out_codes, pair_counts[where], 0)
    bigram = np.where(
        context_count[previous] > 0,
        (pair_count + followers[previous] * unigram[current])
        / np.maximum(context_count[previous] + followers[previous], 1),
        unigram[current],
    )
    return {
        "unigram": float(-np.mean(np.log(unigram[current]))),
        "bigram": float(-np.mean(np.log(bigram))),
    }
