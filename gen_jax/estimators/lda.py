r"""``LatentDirichletAllocation``: a scikit-learn-style topic model over on-device fits.

Three fitting methods share one estimator:

- ``"batch"``: variational Bayes (Blei, Ng & Jordan, 2003) on the shared EM machinery
  (:func:`~gen_jax.algorithms.em.fit_em`): ``max_iter`` full passes in one
  ``lax.while_loop``, the corpus sharded over every device;
- ``"online"``: online variational Bayes (Hoffman, Blei & Bach, 2010), ``max_iter``
  epochs of consecutive minibatches in one ``lax.scan`` (:mod:`~gen_jax.models.lda.online`);
- ``"gibbs"``: collapsed Gibbs sampling with parallel sweeps over documents
  (:mod:`~gen_jax.models.lda.gibbs`), ``max_iter`` sweeps; ``components_`` is then
  :math:`n_{kw} + \eta`, the posterior Dirichlet of the topics given the last sample.

**Score and perplexity** follow scikit-learn exactly, so the numbers can be compared: for
documents ``X`` (held out or not) with :math:`\gamma_d` inferred by the E-step with the
topics held fixed, ``score(X)`` is the evidence lower bound

.. math::
    \mathcal L(X) = \sum_d \Big(\sum_w n_{dw} \log\sum_k e^{E[\log\theta_{dk}] +
    E[\log\beta_{kw}]} + E_q[\log p(\theta_d\mid\alpha) - \log q(\theta_d)]\Big)
    + \sum_k E_q[\log p(\beta_k\mid\eta) - \log q(\beta_k)],

an approximation of :math:`\log p(X)` (a lower bound on it, with
:math:`E[\log\beta]` under :math:`q(\beta)=\mathrm{Dir}(\lambda)`, ``components_``), and
``perplexity(X)`` is :math:`\exp(-\mathcal L(X) / \sum_{d,w} n_{dw})`, the per-word
perplexity bound (lower is better; scikit-learn's ``perplexity(X)``). The last,
corpus-level term does not depend on ``X``, grows with ``K`` and ``V``, and dominates when
``X`` is a small held-out set; ``score_samples(X)`` gives the per-document terms without it
and ``perplexity(X, corpus_term=False)`` is :math:`\exp(-\sum_d
\text{score\_samples}(X)_d / \sum_{d,w} n_{dw})`, the per-word held-out perplexity bound
of the documents alone, which is comparable across ``K`` and held-out set sizes.

References:
    Blei, Ng & Jordan (2003), Latent Dirichlet allocation, JMLR 3.
    Hoffman, Blei & Bach (2010), Online learning for latent Dirichlet allocation, NIPS.
    Griffiths & Steyvers (2004), Finding scientific topics, PNAS 101.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import Estimator, TransformerOutMixin, requires_fit
from gen_jax.estimators.lda_input import (
    check_counts,
    padded_documents,
    padded_tokens,
    sharded_minibatches,
)
from gen_jax.estimators.lda_programs import (
    fit_batch,
    fit_online,
    infer_and_bound,
    run_gibbs_sweeps,
)
from gen_jax.estimators.lda_topics import LDATopicsMixin, float_dtype
from gen_jax.models.lda.online import check_learning_schedule
from gen_jax.models.lda.vb import (
    Documents,
    LDAParams,
    LDAVariationalEM,
    dirichlet_expectation,
    initial_topic_word,
    topic_word_bound,
)

METHODS = ("batch", "online", "gibbs")


class LatentDirichletAllocation(LDATopicsMixin, TransformerOutMixin, Estimator):
    """Latent Dirichlet allocation with scikit-learn's constructor, methods and attributes.

    Args:
        n_components: number of topics ``K``.
        doc_topic_prior: :math:`\\alpha > 0`; ``1 / K`` by default.
        topic_word_prior: :math:`\\eta > 0`; ``1 / K`` by default (as scikit-learn).
        method: ``"batch"``, ``"online"`` or ``"gibbs"`` (see the module docstring).
        max_iter: passes over the corpus (batch: VB iterations; online: epochs; gibbs:
            sweeps).
        tol: batch only: stop when the bound per document changes by less than this;
            ``0`` runs ``max_iter`` iterations, as scikit-learn does.
        batch_size: online minibatch size.
        learning_decay, learning_offset: online step sizes
            :math:`\\rho_t = (\\tau_0 + t)^{-\\kappa}`.
        total_samples: the corpus size assumed by :meth:`partial_fit`.
        mean_change_tol, max_doc_update_iter: per-document E-step stopping rule.
        components_init: ``[K, V]`` positive starting :math:`\\lambda` (VB methods);
            random :math:`\\mathrm{Gamma}(100, 1/100)` entries by default.
        random_state: int seed, ``None``, a numpy ``RandomState``/``Generator`` or a JAX
            key, used when ``fit``, ``partial_fit`` or the samplers get no ``key``.
        evaluate_every: batch and online: every this many iterations ``fit`` computes the
            training perplexity (the jitted fit runs in chunks of this many iterations) and
            stops once it changes by less than ``perp_tol``; <= 0 never (scikit-learn's).
        perp_tol: that perplexity tolerance.
        verbose: print scikit-learn's ``iteration: i of max_iter: m[, perplexity: p]`` lines
            (after each chunk has run).

    Attributes (after ``fit``):
        components_: ``[K, V]`` :math:`\\lambda` (unnormalised topic-word Dirichlet).
        topic_word_: ``[K, V]`` topics, rows of ``components_`` normalised.
        exp_dirichlet_component_: ``[K, V]`` :math:`\\exp E[\\log\\beta]`.
        doc_topic_prior_, topic_word_prior_, n_features_in_, n_iter_, n_batch_iter_.
        bound_: the training perplexity after ``fit`` (scikit-learn's ``bound_``).
        bound_history_: batch: the bound per document entering each iteration; online: the
            minibatch estimate of it after each minibatch; gibbs: :math:`\\log p(w\\mid z)`
            per token after each sweep.
    """

    _fitted_attributes = ("components_",)
    _accepts_sparse = True

    def __init__(
        self,
        n_components: int = 10,
        *,
        doc_topic_prior: float | None = None,
        topic_word_prior: float | None = None,
        method: str = "batch",
        max_iter: int = 10,
        tol: float = 0.0,
        batch_size: int = 128,
        learning_decay: float = 0.7,
        learning_offset: float = 10.0,
        total_samples: int = 1_000_000,
        mean_change_tol: float = 1e-3,
        max_doc_update_iter: int = 100,
        components_init=None,
        random_state: int = 0,
        evaluate_every: int = -1,
        perp_tol: float = 0.1,
        verbose: int = 0,
    ):
        if not isinstance(n_components, int) or n_components < 1:
            raise ValueError(f"n_components={n_components!r}: must be an int >= 1")
        if method not in METHODS:
            raise ValueError(f"method={method!r}; choose one of {METHODS}")
        for name, value, least in (
            ("max_iter", max_iter, 1),
            ("batch_size", batch_size, 1),
            ("total_samples", total_samples, 1),
            ("tol", tol, 0),
        ):
            if not value >= least:
                raise ValueError(f"{name}={value!r}: must be >= {least}")
        check_learning_schedule(learning_decay, learning_offset)
        self.n_components, self.method, self.max_iter, self.tol = (
            n_components,
            method,
            max_iter,
            tol,
        )
        self.doc_topic_prior, self.topic_word_prior = doc_topic_prior, topic_word_prior
        self.batch_size, self.total_samples = batch_size, total_samples
        self.learning_decay, self.learning_offset = learning_decay, learning_offset
        self.mean_change_tol, self.max_doc_update_iter = mean_change_tol, max_doc_update_iter
        self.components_init = components_init
        self.random_state = random_state
        self.evaluate_every, self.perp_tol, self.verbose = evaluate_every, perp_tol, verbose
        self.model  # noqa: B018 (builds the model, validating the priors and E-step options)

    @property
    def doc_topic_prior_(self) -> float:
        """:math:`\\alpha`: ``doc_topic_prior``, or ``1 / n_components`` by default."""
        return 1.0 / self.n_components if self.doc_topic_prior is None else self.doc_topic_prior

    @property
    def topic_word_prior_(self) -> float:
        """:math:`\\eta`: ``topic_word_prior``, or ``1 / n_components`` by default."""
        return 1.0 / self.n_components if self.topic_word_prior is None else self.topic_word_prior

    @property
    def model(self) -> LDAVariationalEM:
        """The variational-Bayes :class:`~gen_jax.models.lda.vb.LDAVariationalEM`."""
        return LDAVariationalEM(
            float(self.doc_topic_prior_),
            float(self.topic_word_prior_),
            float(self.mean_change_tol),
            int(self.max_doc_update_iter),
        )

    # -- fitting ---------------------------------------------------------------------------
    def _initial_params(self, key, num_words, dtype) -> LDAParams:
        if self.components_init is None:
            return initial_topic_word(key, self.n_components, num_words, dtype)
        init = np.asarray(self.components_init, np.float64)
        if init.shape != (self.n_components, num_words) or not (init > 0).all():
            raise ValueError(
                f"components_init must be positive with shape (n_components, n_words) = "
                f"({self.n_components}, {num_words}); got shape {init.shape}"
            )
        return LDAParams(topic_word=jnp.asarray(init, dtype))

    def fit(self, X, y=None, *, key: jax.Array | None = None):
        """Fit to document-word counts ``X`` ``[D, V]`` (dense or scipy sparse); returns self.

        Empty documents are rejected. ``key`` seeds the initialisation (and the Gibbs
        sampler); ``random_state`` by default.
        """
        matrix = check_counts(X, allow_empty=False)
        init_key, gibbs_key = jax.random.split(self._key(key))
        dtype = float_dtype()
        num_documents, num_words = matrix.shape
        self.n_features_in_ = num_words
        if self.method == "gibbs":
            self._fit_gibbs(matrix, gibbs_key)
            return self
        params = self._initial_params(init_key, num_words, dtype)
        self.n_iter_ = self.n_batch_iter_ = 0
        self.bound_history_ = np.zeros(0)
        chunk = self.evaluate_every if self.evaluate_every > 0 else self.max_iter
        last_perplexity = None
        while self.n_iter_ < self.max_iter:
            first, steps = self.n_iter_, min(chunk, self.max_iter - self.n_iter_)
            if self.method == "batch":
                params, converged = self._batch_iterations(matrix, params, steps)
            else:
                history = self._online_passes(matrix, params, steps, num_documents)
                self.bound_history_ = np.concatenate([self.bound_history_, history])
                params, converged = LDAParams(topic_word=jnp.asarray(self.components_)), False
                self.n_iter_ += steps
            for iteration in range(first + 1, self.n_iter_ + int(self.evaluate_every <= 0)):
                if self.verbose:
                    print(f"iteration: {iteration} of max_iter: {self.max_iter}")
            if self.evaluate_every > 0:
                perplexity = self.perplexity(matrix)
                if self.verbose:
                    print(
                        f"iteration: {self.n_iter_} of max_iter: {self.max_iter}, "
                        f"perplexity: {perplexity:.4f}"
                    )
                if last_perplexity and abs(last_perplexity - perplexity) < self.perp_tol:
                    break
                last_perplexity = perplexity
            if converged:
                break
        self.bound_ = self.perplexity(matrix)
        return self

    def _batch_iterations(self, matrix, params, steps: int):
        """Up to ``steps`` batch-VB iterations from ``params``; stores the topics and returns
        ``(params, converged)``."""
        dtype = float_dtype()
        counts, word_ids = padded_documents(matrix, dtype)
        weights = np.ones(matrix.shape[0], dtype)
        counts, sharded_weights = pad_and_shard(counts, weights)
        word_ids, _ = pad_and_shard(word_ids, weights)
        result = fit_batch(
            Documents(counts=counts, word_ids=word_ids),
            sharded_weights,
            params,
            jnp.asarray(self.tol, dtype),
            model=self.model,
            max_iter=steps,
        )
        result = jax.device_get(result)
        num_iterations = int(result.num_iterations)
        self.n_iter_ += num_iterations
        self.n_batch_iter_ = self.n_iter_
        history = np.asarray(result.log_likelihood)[:num_iterations]
        self.bound_history_ = np.concatenate([self.bound_history_, history])
        self._store(result.params.topic_word)
        return result.params, bool(result.converged)

    def _online_passes(self, matrix, params, num_epochs, num_documents) -> np.ndarray:
        """Online VB over ``matrix`` in consecutive minibatches (each padded to a multiple of
        the device count and sharded); stores the topics, returns the bound history."""
        batches, weights = sharded_minibatches(matrix, self.batch_size, float_dtype())
        params, history = fit_online(
            params,
            batches,
            weights,
            jnp.asarray(self.n_batch_iter_ + 1, jnp.int32),
            model=self.model,
            num_epochs=num_epochs,
            num_documents=float(num_documents),
            learning_decay=float(self.learning_decay),
            learning_offset=float(self.learning_offset),
        )
        self.n_batch_iter_ += num_epochs * weights.shape[0]
        self._store(params.topic_word)
        return np.asarray(history)

    def partial_fit(self, X, y=None, *, key: jax.Array | None = None):
        """One online-VB pass over ``X`` in minibatches of ``batch_size``, treating the
        stream as a corpus of ``total_samples`` documents; returns self.

        The first call initialises :math:`\\lambda` (from ``key``); later calls continue
        the step-size schedule. ``X`` must keep the vocabulary of the first call.
        """
        first = not hasattr(self, "components_")
        matrix = check_counts(
            X, num_words=None if first else self.n_features_in_, allow_empty=False
        )
        if first:
            key = jax.random.split(self._key(key))[0]
            params = self._initial_params(key, matrix.shape[1], float_dtype())
            self.n_features_in_, self.n_batch_iter_, self.n_iter_ = matrix.shape[1], 0, 0
            self.bound_history_ = np.zeros(0)
        else:
            params = LDAParams(topic_word=jnp.asarray(self.components_, float_dtype()))
        history = self._online_passes(matrix, params, 1, self.total_samples)
        self.bound_history_ = np.concatenate([self.bound_history_, history])
        self.n_iter_ += 1
        return self

    def _fit_gibbs(self, matrix, key):
        tokens, mask = padded_tokens(matrix)
        state, history = run_gibbs_sweeps(
            key,
            jnp.asarray(tokens),
            jnp.asarray(mask),
            num_topics=self.n_components,
            num_words=matrix.shape[1],
            num_sweeps=self.max_iter,
            doc_topic_prior=float(self.doc_topic_prior_),
            topic_word_prior=float(self.topic_word_prior_),
        )
        self.n_iter_ = self.n_batch_iter_ = self.max_iter
        self.bound_history_ = np.asarray(history) / mask.sum()
        self._store(np.asarray(state.topic_word) + self.topic_word_prior_)

    def _store(self, topic_word):
        topic_word = np.asarray(topic_word)
        if not np.isfinite(topic_word).all():
            raise ValueError(
                "LDA fitting gave non-finite topics; check the counts for huge values, or run "
                "under jax_enable_x64"
            )
        self.components_ = topic_word
        self.topic_word_ = topic_word / topic_word.sum(axis=1, keepdims=True)
        self.exp_dirichlet_component_ = np.exp(np.asarray(dirichlet_expectation(topic_word)))

    # -- inference -------------------------------------------------------------------------
    def _infer(self, X, name="X"):
        matrix = check_counts(X, num_words=self.n_features_in_, name=name)
        dtype = float_dtype()
        counts, word_ids = padded_documents(matrix, dtype)
        params = LDAParams(topic_word=jnp.asarray(self.components_, dtype))
        docs = Documents(counts=jnp.asarray(counts), word_ids=jnp.asarray(word_ids))
        gamma, bound = infer_and_bound(params, docs, model=self.model)
        return np.asarray(gamma), np.asarray(bound), matrix

    @requires_fit
    def transform(self, X, *, normalize: bool = True) -> np.ndarray:
        """``[D, K]`` document-topic distributions :math:`\\gamma_d / \\sum_k \\gamma_{dk}` of
        (possibly new) documents, inferred with the topics held fixed; with
        ``normalize=False`` the variational Dirichlet parameters :math:`\\gamma_d`."""
        gamma, _, _ = self._infer(X)
        return gamma / gamma.sum(axis=1, keepdims=True) if normalize else gamma

    @requires_fit
    def score_samples(self, X) -> np.ndarray:
        """``[D]`` per-document bound terms :math:`E_q[\\log p(w_d\\mid\\theta_d,\\beta) +
        \\log p(\\theta_d\\mid\\alpha) - \\log q(\\theta_d)]`; their sum is ``score(X)``
        without the corpus-level term."""
        return self._infer(X)[1]

    @requires_fit
    def score(self, X, y=None) -> float:
        """:math:`\\mathcal L(X)`, the evidence lower bound of the documents ``X`` ``[D, V]``
        including the corpus-level topic term, summed (not per word): scikit-learn's
        ``score(X)`` (see the module docstring)."""
        corpus_term = topic_word_bound(jnp.asarray(self.components_), self.topic_word_prior_)
        return float(np.sum(self.score_samples(X)) + float(corpus_term))

    @requires_fit
    def perplexity(self, X, *, corpus_term: bool = True) -> float:
        """Per-word perplexity bound of the documents ``X`` ``[D, V]`` (e.g. held out).

        By default :math:`\\exp(-\\text{score}(X) / \\text{words in } X)`, scikit-learn's
        ``perplexity(X)``. ``corpus_term=False`` leaves out the corpus-level topic term
        (which does not depend on ``X`` and dominates for small held-out sets):
        :math:`\\exp(-\\sum_d \\text{score\\_samples}(X)_d / \\text{words in } X)`.

        Raises:
            ValueError: if ``X`` holds no words, or has another vocabulary size.
        """
        num_tokens = float(check_counts(X, num_words=self.n_features_in_).sum())
        if num_tokens == 0:
            raise ValueError("X holds no words; perplexity is per word")
        bound = self.score(X) if corpus_term else float(np.sum(self.score_samples(X)))
        return float(np.exp(-bound / num_tokens))
