"""Document-word counts at LDA's public boundary: checks, and the padded layouts of the fits.

A corpus arrives as ``[D, V]`` counts (a numpy array or any scipy sparse matrix, e.g.
:func:`gen_jax.data.bag_of_words.bag_of_words`'s ``counts``) and leaves as

- :func:`padded_documents`: ``[D, L]`` counts and word ids of each document's distinct
  words (``L`` = the most distinct words in a document), for variational Bayes;
- :func:`padded_tokens`: ``[D, T]`` word id of every token and a mask (``T`` = the longest
  document), for collapsed Gibbs sampling;
- :func:`sharded_minibatches`: consecutive minibatches of :func:`padded_documents`, each
  sharded over the devices, for online variational Bayes.
"""

from __future__ import annotations

import jax
import numpy as np
import scipy.sparse
from jax.sharding import NamedSharding, PartitionSpec

from gen_jax.core.sharding import make_mesh
from gen_jax.models.lda.vb import Documents


def check_counts(
    X, *, num_words: int | None = None, allow_empty: bool = True, name: str = "X"
) -> scipy.sparse.csr_matrix:
    """``X`` as a float64 CSR matrix of non-negative finite counts ``[D, V]``.

    Args:
        X: document-word counts.
        num_words: the vocabulary size the model was fitted with; a different width is an
            error.
        allow_empty: whether a document (row) without any word is accepted.
        name: the argument's name in error messages.
    """
    if scipy.sparse.issparse(X):
        matrix = scipy.sparse.csr_matrix(X)
    else:
        array = np.asarray(X)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} has dtype {array.dtype}; pass word counts [n_documents, n_words] "
                "(e.g. bag_of_words(texts).counts)"
            )
        if array.ndim != 2:
            raise ValueError(
                f"{name} has shape {array.shape}; pass a 2-D matrix of word counts "
                "[n_documents, n_words] (one row per document)"
            )
        matrix = scipy.sparse.csr_matrix(array)
    if matrix.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {matrix.dtype}; pass numeric word counts")
    matrix = matrix.astype(np.float64)
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValueError(
            f"{name} has shape {matrix.shape}; it needs at least one document and word"
        )
    if not np.isfinite(matrix.data).all():
        raise ValueError(f"{name} contains NaN or inf counts; word counts must be finite")
    if (matrix.data < 0).any():
        row = int(np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))[matrix.data < 0][0])
        raise ValueError(
            f"{name} holds negative counts (first in document {row}); word counts must be >= 0"
        )
    if num_words is not None and matrix.shape[1] != num_words:
        raise ValueError(
            f"{name} has {matrix.shape[1]} word columns but the model was fitted on a "
            f"vocabulary of {num_words} words; count these documents over the training "
            "vocabulary (bag_of_words(texts, vocabulary=training.vocabulary))"
        )
    matrix.eliminate_zeros()
    if not allow_empty:
        lengths = np.asarray(matrix.sum(axis=1)).ravel()
        if (lengths == 0).any():
            empty = np.flatnonzero(lengths == 0)
            raise ValueError(
                f"{name} has {empty.size} empty document(s) (no word, first is row {empty[0]}); "
                "they carry no information about topics: drop them before fitting "
                "(bag_of_words(..., drop_empty=True))"
            )
    return matrix


def padded_documents(matrix: scipy.sparse.csr_matrix, dtype) -> tuple[np.ndarray, np.ndarray]:
    """``(counts [D, L] dtype, word_ids [D, L] int32)``; padding has count 0 and id 0."""
    lengths = np.diff(matrix.indptr)
    width = max(1, int(lengths.max()))
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    columns = np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], lengths)
    counts = np.zeros((matrix.shape[0], width), dtype)
    word_ids = np.zeros((matrix.shape[0], width), np.int32)
    counts[rows, columns] = matrix.data
    word_ids[rows, columns] = matrix.indices
    return counts, word_ids


def padded_tokens(matrix: scipy.sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """``(tokens [D, T] int32, mask [D, T] bool)``: every word occurrence once.

    Raises:
        ValueError: if a count is not a whole number.
    """
    if (matrix.data != np.round(matrix.data)).any():
        raise ValueError(
            "X holds non-integer counts; collapsed Gibbs sampling needs whole word counts "
            "(use method='batch' or 'online' for weighted counts)"
        )
    repeats = matrix.data.astype(np.int64)
    lengths = np.asarray(matrix.sum(axis=1)).ravel().astype(np.int64)
    width = max(1, int(lengths.max()))
    rows = np.repeat(np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)), repeats)
    words = np.repeat(matrix.indices, repeats)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    columns = np.arange(words.size) - np.repeat(starts, lengths)
    tokens = np.zeros((matrix.shape[0], width), np.int32)
    mask = np.zeros((matrix.shape[0], width), bool)
    tokens[rows, columns] = words
    mask[rows, columns] = True
    return tokens, mask


def sharded_minibatches(
    matrix: scipy.sparse.csr_matrix, batch_size: int, dtype
) -> tuple[Documents, jax.Array]:
    """Consecutive minibatches of ``batch_size`` documents, sharded over the devices.

    Each minibatch is padded to a multiple of the device count (padding rows repeat
    document 0 with weight 0).

    Returns:
        ``(batches, weights)``: :class:`~gen_jax.models.lda.vb.Documents` with leaves
        ``[n_batches, B, L]`` and ``weights [n_batches, B]`` (1 for a document, 0 for
        padding), ``B`` being ``batch_size`` (or ``D`` if smaller) rounded up to the
        device count.
    """
    counts, word_ids = padded_documents(matrix, dtype)
    num_batches = -(-matrix.shape[0] // batch_size)
    mesh = make_mesh()
    width = -(-min(batch_size, matrix.shape[0]) // mesh.size) * mesh.size
    starts = np.arange(num_batches) * batch_size
    rows = starts[:, None] + np.arange(width)[None, :]
    valid = (np.arange(width)[None, :] < batch_size) & (rows < matrix.shape[0])
    rows = np.where(valid, rows, 0).reshape(num_batches * width)
    sharding = NamedSharding(mesh, PartitionSpec(None, mesh.axis_names[0]))
    place = lambda array: jax.device_put(array.reshape(num_batches, width, -1), sharding)
    batches = Documents(counts=place(counts[rows]), word_ids=place(word_ids[rows]))
    return batches, jax.device_put(valid.astype(dtype), sharding)
