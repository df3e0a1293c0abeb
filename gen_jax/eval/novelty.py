r"""Nearest-training-image novelty check: has the generator memorised its training set?

For every generated sample :math:`g_i` the check finds its :math:`k` nearest training
images under a distance :math:`d` (Euclidean by default, or the mean absolute pixel
difference of the book), in pixel space or in the space of a feature function :math:`\phi`
(e.g. ``digits_feature_network().features``):

.. math::
    d_i = \min_j d\big(\phi(g_i), \phi(x_j)\big).

Distances only mean something next to the data's own spacing, so the check also measures,
for a random subset of training images, the distance to the nearest *other* training image,
and reports the memorisation ratio :math:`r_i = d_i / \operatorname{median}_j d^\text{train}_j`
and the fraction of samples with :math:`r_i <` ``threshold``. A copy of a training image has
:math:`d_i = r_i = 0`; samples as novel as a fresh draw from the data have ratios near 1.

Memory. Training images are read ``training_chunk`` at a time (from an array or from any
random-access source such as ``load_source("mnist")``) and samples ``sample_chunk`` at a
time, so the distance matrix never exceeds ``sample_chunk x training_chunk`` and 60,000
training images (or CelebA's 162,770) never need to sit in memory at once. The running
:math:`k` best of each sample are merged chunk by chunk with ``lax.top_k``. Squared
Euclidean distances are ranked with :math:`\|a\|^2 + \|b\|^2 - 2 a^\top b` (one matrix
product), and the chosen neighbours' distances are then recomputed exactly from the
difference of the two vectors, so an exact copy has distance 0, not float32 rounding noise.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4 (the camel GAN's
    nearest-training-image check, by mean absolute pixel difference).
    Theis, van den Oord & Bethge (2016), A note on the evaluation of generative models,
    arXiv:1511.01844, §3.3 (nearest neighbours and what they do not show).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

METRICS = ("l2", "l1")
FeatureFn = Callable[[np.ndarray], Any]


@dataclasses.dataclass(frozen=True)
class Neighbours:
    """The ``k`` nearest training images of each query, nearest first.

    Attributes:
        indices: ``[M, k]`` int64 positions in the training set.
        distances: ``[M, k]`` float32 distances (non-decreasing along each row).
    """

    indices: np.ndarray
    distances: np.ndarray


@dataclasses.dataclass(frozen=True)
class NoveltyReport:
    """Result of :func:`novelty_check`.

    Attributes:
        neighbours: each sample's ``k`` nearest training images.
        training_nn_distances: ``[R]`` distance of each of ``R`` random training images to
            its nearest other training image.
        reference_distance: their median, the data's typical spacing.
        ratios: ``[M]`` each sample's nearest-training distance over ``reference_distance``.
        threshold: the ratio below which a sample counts as memorised.
        memorised_fraction: fraction of samples with ``ratio < threshold``.
        training_fraction: the same fraction among the ``R`` training images (the base rate
            of near-duplicates inside the data itself).
    """

    neighbours: Neighbours
    training_nn_distances: np.ndarray
    reference_distance: float
    ratios: np.ndarray
    threshold: float
    memorised_fraction: float
    training_fraction: float

    def summary(self) -> dict[str, float]:
        """Scalars for a metrics table."""
        nearest = self.neighbours.distances[:, 0]
        return {
            "novelty/median_nearest_distance": float(np.median(nearest)),
            "novelty/reference_distance": self.reference_distance,
            "novelty/median_ratio": float(np.median(self.ratios)),
            "novelty/min_ratio": float(np.min(self.ratios)),
            "novelty/memorised_fraction": self.memorised_fraction,
            "novelty/training_fraction": self.training_fraction,
        }


def _num_rows(training: Any) -> int:
    try:
        return len(training)
    except TypeError:
        raise TypeError(
            f"training is a {type(training).__name__}; pass an array [N, ...] or a "
            "random-access source with len() and source[indices] -> dict"
        ) from None


def _read_rows(training: Any, indices: np.ndarray, data_key: str) -> np.ndarray:
    """Rows ``indices`` of an array or a source (``source[indices][data_key]``)."""
    if isinstance(training, (np.ndarray, jax.Array)):
        return np.asarray(training[indices])
    rows = training[indices]
    if not isinstance(rows, dict) or data_key not in rows:
        found = sorted(rows) if isinstance(rows, dict) else type(rows).__name__
        raise KeyError(f"training[indices] gave {found}; pass data_key naming the image entry")
    return np.asarray(rows[data_key])


def _embed(images: np.ndarray, feature_fn: FeatureFn | None, name: str) -> np.ndarray:
    """Finite float32 vectors ``[N, D]``: the flattened images, or their features."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError(f"{name} must be [N, ...] with N >= 1, got shape {images.shape}")
    vectors = images if feature_fn is None else np.asarray(feature_fn(images), np.float32)
    vectors = vectors.reshape(vectors.shape[0], -1)
    if vectors.shape[0] != images.shape[0]:
        raise ValueError(
            f"feature_fn mapped {images.shape[0]} {name} to {vectors.shape[0]} rows; it must "
            "return one feature vector per image"
        )
    if not np.isfinite(vectors).all():
        raise ValueError(f"{name} (or their features) hold NaN or inf; check the inputs")
    return vectors


@jax.jit
def _l2_squared(queries: jax.Array, candidates: jax.Array) -> jax.Array:
    """``[m, c]`` squared Euclidean distances by the one-matrix-product expansion."""
    cross = queries @ candidates.T
    squared = jnp.sum(queries**2, 1)[:, None] + jnp.sum(candidates**2, 1)[None, :] - 2 * cross
    return jnp.maximum(squared, 0.0)


@jax.jit
def _l1(queries: jax.Array, candidates: jax.Array) -> jax.Array:
    """``[m, c]`` mean absolute differences, one query at a time (memory ``c x D``)."""
    return jax.lax.map(lambda q: jnp.mean(jnp.abs(candidates - q), axis=1), queries)


@jax.jit
def _merge(best_d, best_i, chunk_d, chunk_i):
    """Keep the ``k`` smallest of the running best and a new chunk, per row."""
    k = best_d.shape[1]
    distances = jnp.concatenate([best_d, chunk_d], axis=1)
    indices = jnp.concatenate([best_i, chunk_i], axis=1)
    negated, position = jax.lax.top_k(-distances, k)
    return -negated, jnp.take_along_axis(indices, position, axis=1)


def _exact(queries: np.ndarray, neighbours: np.ndarray, metric: str) -> np.ndarray:
    """Distances ``[m, k]`` from each query to its ``neighbours [m, k, D]``, computed directly."""
    difference = neighbours - queries[:, None, :]
    if metric == "l1":
        return np.mean(np.abs(difference), axis=-1)
    return np.sqrt(np.sum(np.square(difference, dtype=np.float64), axis=-1)).astype(np.float32)


def nearest_training_images(
    samples,
    training,
    *,
    k: int = 1,
    metric: str = "l2",
    feature_fn: FeatureFn | None = None,
    data_key: str = "image",
    sample_chunk: int = 1024,
    training_chunk: int = 4096,
) -> Neighbours:
    """The ``k`` nearest training images of every sample.

    Args:
        samples: generated images ``[M, ...]``.
        training: training images ``[N, ...]`` (the same trailing shape), or a random-access
            source (``len`` and ``source[indices] -> {data_key: images}``).
        k: neighbours per sample, ``1 <= k <= N``.
        metric: ``"l2"`` (Euclidean) or ``"l1"`` (mean absolute difference, the book's).
        feature_fn: maps an image batch ``[n, ...]`` to features ``[n, F]``; the distance is
            taken between features. None compares raw pixels.
        data_key: the image entry of a source's batches.
        sample_chunk: samples per distance block.
        training_chunk: training images per distance block (and per read from a source).

    Returns:
        :class:`Neighbours` with ``[M, k]`` indices and distances, nearest first.

    Raises:
        ValueError: naming the argument for an unknown metric, a bad ``k`` or chunk size,
            empty inputs, NaN/inf, or samples and training images of different sizes.
    """
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r}; choose one of {METRICS}")
    if sample_chunk < 1 or training_chunk < 1:
        raise ValueError(
            f"sample_chunk={sample_chunk}, training_chunk={training_chunk}: both must be >= 1"
        )
    num_training = _num_rows(training)
    if not isinstance(k, int) or not 1 <= k <= num_training:
        raise ValueError(f"k={k!r}; pass an int between 1 and the {num_training} training images")
    queries = _embed(samples, feature_fn, "samples")
    distance = _l1 if metric == "l1" else _l2_squared
    blocks = [
        queries[first : first + sample_chunk] for first in range(0, len(queries), sample_chunk)
    ]
    best = [
        (jnp.full((len(block), k), jnp.inf, jnp.float32), jnp.zeros((len(block), k), jnp.int32))
        for block in blocks
    ]
    for start in range(0, num_training, training_chunk):
        rows = np.arange(start, min(start + training_chunk, num_training))
        candidates = _embed(_read_rows(training, rows, data_key), feature_fn, "training images")
        if candidates.shape[1] != queries.shape[1]:
            raise ValueError(
                f"samples have {queries.shape[1]} values (pixels or features) each but training "
                f"images have {candidates.shape[1]}; give both the same shape"
            )
        candidate_rows = jnp.asarray(rows, jnp.int32)
        for index, block in enumerate(blocks):
            block_d = distance(block, candidates)
            block_i = jnp.broadcast_to(candidate_rows, block_d.shape)
            best[index] = _merge(*best[index], block_d, block_i)
    indices = np.concatenate([np.asarray(block_i) for _, block_i in best]).astype(np.int64)
    unique = np.unique(indices)
    chosen = _embed(_read_rows(training, unique, data_key), feature_fn, "training images")
    exact = _exact(queries, chosen[np.searchsorted(unique, indices)], metric)
    order = np.argsort(exact, axis=1, kind="stable")
    return Neighbours(
        indices=np.take_along_axis(indices, order, axis=1),
        distances=np.take_along_axis(exact, order, axis=1),
    )


def novelty_check(
    samples,
    training,
    *,
    k: int = 3,
    metric: str = "l2",
    feature_fn: FeatureFn | None = None,
    data_key: str = "image",
    num_reference: int = 500,
    threshold: float = 0.5,
    seed: int = 0,
    sample_chunk: int = 1024,
    training_chunk: int = 4096,
) -> NoveltyReport:
    """Nearest training images of ``samples`` and how close they are, relative to the data.

    Args:
        samples, training, k, metric, feature_fn, data_key, sample_chunk, training_chunk:
            as in :func:`nearest_training_images`.
        num_reference: how many random training images measure the data's own
            nearest-neighbour spacing (all of them if the set is smaller); at least 1, and
            the training set needs at least 2 images.
        threshold: a sample is memorised when its nearest-training distance is below
            ``threshold`` times the median spacing; positive.
        seed: picks the reference training images.

    Returns:
        :class:`NoveltyReport`.
    """
    if not threshold > 0:
        raise ValueError(f"threshold={threshold!r}; pass a positive ratio such as 0.5")
    num_training = _num_rows(training)
    if num_training < 2 or num_reference < 1:
        raise ValueError(
            f"novelty_check needs >= 2 training images and num_reference >= 1; got "
            f"{num_training} and {num_reference}"
        )
    options = dict(
        metric=metric,
        feature_fn=feature_fn,
        data_key=data_key,
        sample_chunk=sample_chunk,
        training_chunk=training_chunk,
    )
    neighbours = nearest_training_images(samples, training, k=k, **options)
    rng = np.random.default_rng(seed)
    reference = np.sort(rng.choice(num_training, min(num_reference, num_training), replace=False))
    own = nearest_training_images(
        _read_rows(training, reference, data_key), training, k=2, **options
    )
    # The nearest training image of a training image is itself (unless it has a duplicate,
    # which counts, at distance 0): take the first neighbour that is not the query.
    is_self = own.indices[:, 0] == reference
    training_nn = np.where(is_self, own.distances[:, 1], own.distances[:, 0])
    reference_distance = float(np.median(training_nn))
    if reference_distance <= 0:
        raise ValueError(
            "more than half of the reference training images have an exact duplicate in the "
            "training set, so distances cannot be scaled; deduplicate the training set"
        )
    ratios = neighbours.distances[:, 0] / reference_distance
    return NoveltyReport(
        neighbours=neighbours,
        training_nn_distances=training_nn,
        reference_distance=reference_distance,
        ratios=ratios,
        threshold=float(threshold),
        memorised_fraction=float(np.mean(ratios < threshold)),
        training_fraction=float(np.mean(training_nn / reference_distance < threshold)),
    )
