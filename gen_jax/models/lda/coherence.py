r"""UMass topic coherence (Mimno et al., 2011): do a topic's top words occur together?

For a topic whose top words, most probable first, are :math:`w_1, \ldots, w_M`,

.. math::
    C = \sum_{m=2}^{M} \sum_{l=1}^{m-1} \log \frac{D(w_m, w_l) + \epsilon}{D(w_l)},

where :math:`D(w)` counts the documents holding :math:`w` and :math:`D(w, w')` those holding
both. With :math:`\epsilon = 1` this is Mimno et al.'s definition (higher, i.e. closer to
zero, is more coherent). gensim's ``CoherenceModel(coherence="u_mass")`` reports the *mean*
over the :math:`M(M-1)/2` pairs with :math:`\epsilon = 10^{-12}`: ``mean=True,
smoothing=1e-12`` reproduces it.

References:
    Mimno, Wallach, Talley, Leenders & McCallum (2011), Optimizing semantic coherence in
    topic models, EMNLP, eq. (1).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse


def umass_coherence(
    counts, top_word_ids, *, smoothing: float = 1.0, mean: bool = False
) -> np.ndarray:
    """UMass coherence of each topic.

    Args:
        counts: ``[D, V]`` reference corpus (dense or scipy sparse); only presence counts.
        top_word_ids: ``[K, M]`` vocabulary ids of each topic's top words, most probable
            first.
        smoothing: :math:`\\epsilon > 0` added to the co-document counts.
        mean: average over the word pairs instead of summing.

    Returns:
        ``[K]`` coherences.
    """
    top = np.asarray(top_word_ids)
    if top.ndim != 2 or top.shape[1] < 2 or top.dtype.kind not in "iu":
        raise ValueError(
            f"top_word_ids has shape {top.shape} and dtype {top.dtype}; pass integer ids "
            "[n_topics, n_top_words] with at least two words per topic"
        )
    if not smoothing > 0:
        raise ValueError(f"smoothing={smoothing!r}: must be > 0 (log of a zero count)")
    present = scipy.sparse.csr_matrix(counts) > 0
    if top.min() < 0 or top.max() >= present.shape[1]:
        raise ValueError(
            f"top_word_ids holds ids outside [0, {present.shape[1]}), the corpus's vocabulary"
        )
    coherences = []
    for words in top:
        columns = present[:, words].astype(np.float64).toarray()  # [D, M]
        together = columns.T @ columns  # [M, M] co-document counts; diagonal D(w)
        document_count = np.diag(together)
        if (document_count == 0).any():
            missing = words[document_count == 0].tolist()
            raise ValueError(
                f"top words {missing} occur in no document of counts; score coherence on the "
                "corpus the topics were fitted on"
            )
        later, earlier = np.tril_indices(len(words), k=-1)
        scores = np.log((together[later, earlier] + smoothing) / document_count[earlier])
        coherences.append(scores.mean() if mean else scores.sum())
    return np.asarray(coherences)
