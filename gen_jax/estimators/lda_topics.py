"""What a fitted ``LatentDirichletAllocation`` says about its topics and what it generates:
top words, UMass coherence, new documents (``sample``) and documents like given ones
(``sample_similar``).

The mixin needs ``components_``, ``topic_word_``, ``n_features_in_``, ``n_components``,
``doc_topic_prior_``, ``transform`` and ``_key`` from
:class:`gen_jax.estimators.lda.LatentDirichletAllocation`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.estimators.base import requires_fit
from gen_jax.estimators.lda_input import check_counts
from gen_jax.estimators.lda_programs import sample_counts
from gen_jax.models.lda.coherence import umass_coherence


def float_dtype():
    """float64 under ``jax_enable_x64``, float32 otherwise."""
    return jax.dtypes.canonicalize_dtype(np.float64)


class LDATopicsMixin:
    """Topic inspection and generation of a fitted LDA (see the module docstring)."""

    @requires_fit
    def top_words(self, n_top_words: int = 10, vocabulary=None):
        """Each topic's most probable words, most probable first.

        Args:
            n_top_words: words per topic.
            vocabulary: ``None`` for ids, or the words naming the columns (a sequence or a
                :class:`~gen_jax.data.bag_of_words.Vocabulary`).

        Returns:
            ``[K, n_top_words]`` ids, or a list of ``K`` lists of words.
        """
        if not isinstance(n_top_words, int) or not 1 <= n_top_words <= self.n_features_in_:
            raise ValueError(
                f"n_top_words={n_top_words!r}: pass an int in [1, {self.n_features_in_}]"
            )
        ids = np.argsort(-self.components_, axis=1, kind="stable")[:, :n_top_words]
        if vocabulary is None:
            return ids
        words = list(getattr(vocabulary, "words", vocabulary))
        if len(words) != self.n_features_in_:
            raise ValueError(
                f"vocabulary has {len(words)} words but the model was fitted on "
                f"{self.n_features_in_}; pass the vocabulary that built the training counts"
            )
        return [[words[i] for i in row] for row in ids]

    @requires_fit
    def coherence(self, X, n_top_words: int = 10, *, smoothing=1.0, mean=False) -> np.ndarray:
        """``[K]`` UMass coherence of each topic's top words on the corpus ``X``
        (:func:`~gen_jax.models.lda.coherence.umass_coherence`)."""
        matrix = check_counts(X, num_words=self.n_features_in_)
        return umass_coherence(matrix, self.top_words(n_top_words), smoothing=smoothing, mean=mean)

    def _sample(self, topic_mixture, lengths, key):
        lengths = np.asarray(lengths)
        if lengths.dtype.kind not in "iu" or (lengths < 0).any():
            raise ValueError(f"n_words={lengths.tolist()!r}: pass a non-negative int")
        counts = sample_counts(
            self._key(key),
            jnp.asarray(topic_mixture, float_dtype()),
            jnp.asarray(self.topic_word_, float_dtype()),
            jnp.asarray(lengths, jnp.int32),
            max_words=max(1, int(lengths.max())),
        )
        return np.asarray(counts)

    @requires_fit
    def sample_similar(self, X, n_words: int | None = None, *, key: jax.Array | None = None):
        """New documents like the rows of ``X``: infer each one's topic mixture
        :math:`\\theta_d` (``transform``), then draw words :math:`z \\sim \\theta_d`,
        :math:`w \\sim \\beta_z`.

        Args:
            X: ``[D, V]`` counts of the documents to imitate.
            n_words: words per new document; each original's length by default.
            key: PRNG key; ``random_state`` by default.

        Returns:
            ``[D, V]`` int counts of the new documents.
        """
        topic_mixture = self.transform(X)
        if n_words is None:
            lengths = np.rint(np.asarray(check_counts(X).sum(axis=1)).ravel()).astype(np.int64)
        else:
            lengths = np.full(len(topic_mixture), n_words)
        return self._sample(topic_mixture, lengths, key)

    @requires_fit
    def sample(self, n_documents: int, n_words: int, *, key: jax.Array | None = None):
        """``(counts [n, V], topic_mixture [n, K])``: documents from the generative process,
        :math:`\\theta \\sim \\mathrm{Dir}(\\alpha)` and ``n_words`` words each."""
        if not isinstance(n_documents, int) or n_documents < 1:
            raise ValueError(f"n_documents={n_documents!r}: must be an int >= 1")
        mixture_key, word_key = jax.random.split(self._key(key))
        alpha = jnp.full(self.n_components, self.doc_topic_prior_, float_dtype())
        mixture = np.asarray(jax.random.dirichlet(mixture_key, alpha, (n_documents,)))
        return self._sample(mixture, np.full(n_documents, n_words), word_key), mixture
