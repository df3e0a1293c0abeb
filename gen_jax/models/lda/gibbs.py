r"""Collapsed Gibbs sampling for LDA (Griffiths & Steyvers, 2004), on device.

With :math:`\theta` and :math:`\beta` integrated out, each token's topic is resampled from

.. math::
    p(z_{di} = k \mid z^{\neg di}, w) \propto (n_{dk}^{\neg di} + \alpha)
    \frac{n_{kw_{di}}^{\neg di} + \eta}{n_k^{\neg di} + V\eta},

and the topics are estimated as :math:`\hat\beta_{kw} = (n_{kw} + \eta)/(n_k + V\eta)`.

**Parallel sweeps over documents.** A sweep vmaps over documents and runs a ``lax.scan``
over each document's tokens. The document-topic counts :math:`n_{dk}` are exact: they
change token by token. The topic-word counts :math:`n_{kw}`, :math:`n_k` are those at the
start of the sweep with only the token's own old assignment removed (the moves of the
other tokens in this sweep, in this document or another, are not seen), and they are
recounted exactly from all assignments at the end of the sweep. This is approximate
distributed LDA (AD-LDA, Newman et al., 2009) with every document its own processor and
one synchronisation per sweep; it samples from a slightly different chain than the
sequential sampler but reaches the same topics (tested by topic recovery), and it is what
lets the sweep run in parallel over a sharded corpus.

Tokens travel as ``[D, T]`` word ids with a ``[D, T]`` mask (``T`` the longest document).

References:
    Griffiths & Steyvers (2004), Finding scientific topics, PNAS 101 (suppl. 1).
    Newman, Asuncion, Smyth & Welling (2009), Distributed algorithms for topic models,
    JMLR 10.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct
from jax.scipy.special import gammaln

from gen_jax.core.state import zero_step


@struct.dataclass
class GibbsState:
    """The sampler's state.

    Attributes:
        step: scalar int32, completed sweeps.
        topics: ``[D, T]`` int32 topic of every token (padding tokens keep theirs, unused).
        doc_topic: ``[D, K]`` int32 counts :math:`n_{dk}`.
        topic_word: ``[K, V]`` int32 counts :math:`n_{kw}`.
    """

    step: jax.Array
    topics: jax.Array
    doc_topic: jax.Array
    topic_word: jax.Array


def count_assignments(topics, tokens, mask, num_topics: int, num_words: int):
    """``(doc_topic [D, K], topic_word [K, V])`` int32 counts of the masked assignments."""
    present = mask.astype(jnp.int32)
    doc_topic = jnp.sum(jax.nn.one_hot(topics, num_topics, dtype=jnp.int32) * present[..., None], 1)
    flat = (topics * num_words + tokens).reshape(-1)
    topic_word = jax.ops.segment_sum(present.reshape(-1), flat, num_segments=num_topics * num_words)
    return doc_topic, topic_word.reshape(num_topics, num_words)


def gibbs_init(key, tokens, mask, num_topics: int, num_words: int) -> GibbsState:
    """Uniformly random topics for every token, and their counts."""
    topics = jax.random.randint(key, tokens.shape, 0, num_topics, jnp.int32)
    doc_topic, topic_word = count_assignments(topics, tokens, mask, num_topics, num_words)
    return GibbsState(step=zero_step(), topics=topics, doc_topic=doc_topic, topic_word=topic_word)


def gibbs_sweep(
    state: GibbsState, tokens, mask, key, *, doc_topic_prior: float, topic_word_prior: float
) -> GibbsState:
    """One parallel sweep over every token of every document (see the module docstring)."""
    num_topics, num_words = state.topic_word.shape
    dtype = jnp.result_type(float)
    alpha = jnp.asarray(doc_topic_prior, dtype)
    eta = jnp.asarray(topic_word_prior, dtype)
    topic_word = state.topic_word
    topic_count = jnp.sum(topic_word, axis=1)

    def one_document(doc_tokens, doc_mask, doc_topics, doc_topic, doc_key):
        def resample(doc_topic, inputs):
            word, present, old, token_key = inputs
            own = jax.nn.one_hot(old, num_topics, dtype=jnp.int32) * present.astype(jnp.int32)
            n_dk = (doc_topic - own).astype(dtype)
            n_kw = (topic_word[:, word] - own).astype(dtype)
            n_k = (topic_count - own).astype(dtype)
            logits = jnp.log(n_dk + alpha) + jnp.log(n_kw + eta) - jnp.log(n_k + num_words * eta)
            new = jnp.where(present, jax.random.categorical(token_key, logits), old)
            new_own = jax.nn.one_hot(new, num_topics, dtype=jnp.int32) * present.astype(jnp.int32)
            return doc_topic - own + new_own, new

        token_keys = jax.random.split(doc_key, doc_tokens.shape[0])
        doc_topic, new_topics = jax.lax.scan(
            resample, doc_topic, (doc_tokens, doc_mask, doc_topics, token_keys)
        )
        return new_topics, doc_topic

    doc_keys = jax.random.split(key, tokens.shape[0])
    topics, doc_topic = jax.vmap(one_document)(
        tokens, mask, state.topics, state.doc_topic, doc_keys
    )
    _, topic_word = count_assignments(topics, tokens, mask, num_topics, num_words)
    return state.replace(
        step=state.step + 1, topics=topics, doc_topic=doc_topic, topic_word=topic_word
    )


def log_likelihood_words(topic_word, topic_word_prior: float) -> jax.Array:
    r""":math:`\log p(w \mid z)` with :math:`\beta` integrated out (Griffiths & Steyvers, eq. 2):
    :math:`\sum_k [\log\Gamma(V\eta) - \log\Gamma(n_k + V\eta) + \sum_w \log\Gamma(n_{kw}+\eta)
    - \log\Gamma(\eta)]`."""
    dtype = jnp.result_type(float)
    counts = topic_word.astype(dtype)
    eta = jnp.asarray(topic_word_prior, dtype)
    num_words = counts.shape[1]
    return jnp.sum(
        gammaln(num_words * eta)
        - gammaln(jnp.sum(counts, axis=1) + num_words * eta)
        + jnp.sum(gammaln(counts + eta) - gammaln(eta), axis=1)
    )


def topic_word_estimate(topic_word, topic_word_prior: float) -> jax.Array:
    """:math:`\\hat\\beta` ``[K, V]``, rows summing to one."""
    dtype = jnp.result_type(float)
    smoothed = topic_word.astype(dtype) + jnp.asarray(topic_word_prior, dtype)
    return smoothed / jnp.sum(smoothed, axis=1, keepdims=True)


def run_gibbs(
    key, tokens, mask, *, num_topics, num_words, num_sweeps, doc_topic_prior, topic_word_prior
) -> tuple[GibbsState, jax.Array]:
    """``num_sweeps`` sweeps from a random start in one ``lax.scan``; returns the final state
    and the ``[num_sweeps]`` history of :func:`log_likelihood_words` (jit it)."""
    init_key, sweep_key = jax.random.split(key)
    state = gibbs_init(init_key, tokens, mask, num_topics, num_words)

    def body(state, sweep):
        state = gibbs_sweep(
            state,
            tokens,
            mask,
            jax.random.fold_in(sweep_key, sweep),
            doc_topic_prior=doc_topic_prior,
            topic_word_prior=topic_word_prior,
        )
        return state, log_likelihood_words(state.topic_word, topic_word_prior)

    return jax.lax.scan(body, state, jnp.arange(num_sweeps))
