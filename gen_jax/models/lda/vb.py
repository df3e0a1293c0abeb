r"""Latent Dirichlet allocation by variational Bayes, as an EM model.

The generative process (Blei, Ng & Jordan, 2003): topics :math:`\beta_k \sim
\mathrm{Dir}(\eta)`, for each document :math:`\theta_d \sim \mathrm{Dir}(\alpha)` and for
each word :math:`z_{di} \sim \mathrm{Cat}(\theta_d)`, :math:`w_{di} \sim
\mathrm{Cat}(\beta_{z_{di}})`. The mean-field posterior
:math:`q(\beta_k) = \mathrm{Dir}(\lambda_k)`, :math:`q(\theta_d) = \mathrm{Dir}(\gamma_d)`,
:math:`q(z_{di}) = \mathrm{Cat}(\phi_{di})` is fitted by coordinate ascent:

.. math::
    \phi_{dwk} \propto \exp(E[\log\theta_{dk}] + E[\log\beta_{kw}]), \quad
    \gamma_{dk} = \alpha + \sum_w n_{dw}\phi_{dwk}, \quad
    \lambda_{kw} = \eta + \sum_d n_{dw}\phi_{dwk},

with :math:`E[\log\theta_{dk}] = \psi(\gamma_{dk}) - \psi(\sum_j \gamma_{dj})`. The E-step
iterates the first two updates per document (vmapped, a ``lax.while_loop`` inside) until
the mean absolute change of :math:`\gamma_d` falls below ``mean_change_tol``; the M-step
is the third. The statistics are summed over documents by a scatter-add into ``[K, V]``,
so a corpus sharded over devices gives the global sum.

Documents travel in a padded sparse form (:class:`Documents`): the ids of each document's
distinct words and their counts, ``[D, L]`` with ``L`` the most distinct words in a
document; padding entries have count 0. The updates, the evidence lower bound and its
conventions follow scikit-learn's ``LatentDirichletAllocation`` (whose bound includes the
corpus-level term :math:`E_q[\log p(\beta\mid\eta) - \log q(\beta\mid\lambda)]`), so the two
can be compared number for number.

References:
    Blei, Ng & Jordan (2003), Latent Dirichlet allocation, JMLR 3, §5.
    Hoffman, Blei & Bach (2010), Online learning for latent Dirichlet allocation, NIPS,
    eq. (2)-(5) (the per-document updates and the bound in this form).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
from flax import struct
from jax.scipy.special import digamma, gammaln


@struct.dataclass
class Documents:
    """A corpus in padded sparse form.

    Attributes:
        counts: ``[D, L]`` float word counts; 0 marks padding.
        word_ids: ``[D, L]`` int32 vocabulary ids of those words (any valid id in padding).
    """

    counts: jax.Array
    word_ids: jax.Array


@struct.dataclass
class LDAParams:
    """Global variational parameters.

    Attributes:
        topic_word: ``[K, V]`` :math:`\\lambda`, the Dirichlet parameters of
            :math:`q(\\beta_k)` (scikit-learn's ``components_``).
    """

    topic_word: jax.Array


def dirichlet_expectation(concentration: jax.Array) -> jax.Array:
    """:math:`E[\\log x] = \\psi(a) - \\psi(\\sum a)` for :math:`x \\sim \\mathrm{Dir}(a)`,
    over the last axis (``[..., K] -> [..., K]``)."""
    return digamma(concentration) - digamma(jnp.sum(concentration, axis=-1, keepdims=True))


def _dirichlet_bound(prior, concentration, log_expectation, size: int) -> jax.Array:
    r""":math:`E_q[\log\mathrm{Dir}(x\mid\text{prior}) - \log\mathrm{Dir}(x\mid a)]` summed over
    the last axis, for symmetric ``prior`` over ``size`` categories (``[..., K] -> [...]``)."""
    prior = jnp.asarray(prior, concentration.dtype)
    return (
        jnp.sum((prior - concentration) * log_expectation, axis=-1)
        + jnp.sum(gammaln(concentration) - gammaln(prior), axis=-1)
        + gammaln(prior * size)
        - gammaln(jnp.sum(concentration, axis=-1))
    )


def topic_word_bound(topic_word: jax.Array, topic_word_prior: float) -> jax.Array:
    r"""The corpus-level bound term :math:`\sum_k E_q[\log p(\beta_k\mid\eta) - \log
    q(\beta_k\mid\lambda_k)]`, a scalar, for ``topic_word`` :math:`\lambda` ``[K, V]``."""
    log_beta = dirichlet_expectation(topic_word)
    return jnp.sum(_dirichlet_bound(topic_word_prior, topic_word, log_beta, topic_word.shape[1]))


@dataclasses.dataclass(frozen=True)
class LDAVariationalEM:
    """The :class:`~gen_jax.algorithms.em.EMModel` of LDA under variational Bayes.

    ``e_step`` returns, per document, its evidence-lower-bound terms plus an equal share
    ``1 / sum(weights)`` of the corpus-level term, so EM's weighted mean "log-likelihood"
    is the whole bound divided by the number of documents.

    Attributes:
        doc_topic_prior: :math:`\\alpha > 0` (symmetric).
        topic_word_prior: :math:`\\eta > 0` (symmetric).
        mean_change_tol: stop a document's E-step when the mean absolute change of
            :math:`\\gamma_d` falls below this.
        max_doc_update_iter: the most E-step iterations per document.
    """

    doc_topic_prior: float
    topic_word_prior: float
    mean_change_tol: float = 1e-3
    max_doc_update_iter: int = 100

    def __post_init__(self):
        for name in ("doc_topic_prior", "topic_word_prior"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r}: must be > 0")
        if not self.mean_change_tol >= 0:
            raise ValueError(f"mean_change_tol={self.mean_change_tol!r}: must be >= 0")
        if not self.max_doc_update_iter >= 1:
            raise ValueError(f"max_doc_update_iter={self.max_doc_update_iter!r}: must be >= 1")

    def infer_document(self, exp_log_beta: jax.Array, counts: jax.Array) -> jax.Array:
        """:math:`\\gamma_d` ``[K]`` of one document from ``exp_log_beta`` ``[K, L]`` (the
        columns of its words) and ``counts`` ``[L]``, starting from all ones."""
        dtype = exp_log_beta.dtype
        alpha = jnp.asarray(self.doc_topic_prior, dtype)
        tiny = jnp.finfo(dtype).eps

        def update(gamma):
            exp_log_theta = jnp.exp(dirichlet_expectation(gamma))
            norm_phi = exp_log_theta @ exp_log_beta + tiny
            return alpha + exp_log_theta * (exp_log_beta @ (counts / norm_phi))

        def keep_going(carry):
            iteration, _, change = carry
            return (iteration < self.max_doc_update_iter) & (change >= self.mean_change_tol)

        def body(carry):
            iteration, gamma, _ = carry
            new = update(gamma)
            return iteration + 1, new, jnp.mean(jnp.abs(new - gamma))

        gamma = jnp.ones(exp_log_beta.shape[0], dtype)
        start = (jnp.zeros((), jnp.int32), gamma, jnp.asarray(jnp.inf, dtype))
        return jax.lax.while_loop(keep_going, body, start)[1]

    def infer(self, params: LDAParams, docs: Documents) -> jax.Array:
        """:math:`\\gamma` ``[D, K]`` (unnormalised document-topic Dirichlet parameters)."""
        exp_log_beta = jnp.exp(dirichlet_expectation(params.topic_word))
        columns = jnp.take(exp_log_beta, docs.word_ids, axis=1)  # [K, D, L]
        return jax.vmap(self.infer_document, in_axes=(1, 0))(columns, docs.counts)

    def document_bound(self, params: LDAParams, docs: Documents, gamma: jax.Array) -> jax.Array:
        r"""``[D]`` per-document bound terms :math:`E_q[\log p(w_d\mid\theta_d,\beta)
        + \log p(\theta_d\mid\alpha) - \log q(\theta_d)]` with the optimal :math:`\phi`."""
        log_beta = dirichlet_expectation(params.topic_word)
        log_theta = dirichlet_expectation(gamma)  # [D, K]
        columns = jnp.take(log_beta, docs.word_ids, axis=1)  # [K, D, L]
        word_terms = jax.nn.logsumexp(log_theta.T[:, :, None] + columns, axis=0)  # [D, L]
        likelihood = jnp.sum(docs.counts * word_terms, axis=1)
        prior = _dirichlet_bound(self.doc_topic_prior, gamma, log_theta, gamma.shape[1])
        return likelihood + prior

    def statistics(
        self, params: LDAParams, docs: Documents, gamma: jax.Array, weights: jax.Array
    ) -> jax.Array:
        r"""``[K, V]`` :math:`\sum_d w_d\, n_{dw}\phi_{dwk}` for the final :math:`\gamma`."""
        exp_log_beta = jnp.exp(dirichlet_expectation(params.topic_word))
        exp_log_theta = jnp.exp(dirichlet_expectation(gamma))  # [D, K]
        columns = jnp.take(exp_log_beta, docs.word_ids, axis=1)  # [K, D, L]
        norm_phi = jnp.einsum("dk,kdl->dl", exp_log_theta, columns) + jnp.finfo(gamma.dtype).eps
        ratio = weights[:, None] * docs.counts / norm_phi  # [D, L]
        contributions = exp_log_theta[:, None, :] * ratio[:, :, None]  # [D, L, K]
        num_words = params.topic_word.shape[1]
        summed = jax.ops.segment_sum(
            contributions.reshape(-1, contributions.shape[-1]),
            docs.word_ids.reshape(-1),
            num_segments=num_words,
        )  # [V, K]
        return summed.T * exp_log_beta

    def e_step(self, params: LDAParams, docs: Documents, weights: jax.Array):
        """``(statistics [K, V], per-document bound [D])`` under ``params`` (see the class)."""
        gamma = self.infer(params, docs)
        stats = self.statistics(params, docs, gamma, weights)
        corpus_term = topic_word_bound(params.topic_word, self.topic_word_prior)
        bound = self.document_bound(params, docs, gamma) + corpus_term / jnp.sum(weights)
        return stats, bound

    def m_step(self, stats: jax.Array) -> LDAParams:
        """:math:`\\lambda = \\eta + \\text{stats}`."""
        return LDAParams(topic_word=stats + jnp.asarray(self.topic_word_prior, stats.dtype))


def initial_topic_word(key: jax.Array, num_topics: int, num_words: int, dtype=None) -> LDAParams:
    """scikit-learn's starting point: :math:`\\lambda_{kw} \\sim \\mathrm{Gamma}(100, 1/100)`."""
    dtype = jnp.result_type(float) if dtype is None else dtype
    return LDAParams(
        topic_word=jax.random.gamma(key, 100.0, (num_topics, num_words), dtype) / 100.0
    )
