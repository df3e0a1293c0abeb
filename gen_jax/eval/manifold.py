r"""Precision/recall and density/coverage of generated samples on k-NN feature manifolds.

Each real feature :math:`x_i` gets a ball :math:`B(x_i, r_k(x_i))` whose radius is the
distance to its ``k``-th nearest *other* real feature; the union of the balls estimates the
real manifold. With real features :math:`X = \{x_i\}_{i=1}^N`, fake ones
:math:`Y = \{y_j\}_{j=1}^M` and :math:`\mathbb 1_{ij} = [\lVert y_j - x_i \rVert <
r_k(x_i)]`:

.. math::
    \text{precision} = \frac1M \sum_j \big[\exists i: \mathbb 1_{ij}\big], \qquad
    \text{recall} = \frac1N \sum_i \big[\exists j: \lVert x_i - y_j \rVert < r_k(y_j)\big],

    \text{density} = \frac{1}{kM} \sum_j \sum_i \mathbb 1_{ij}, \qquad
    \text{coverage} = \frac1N \sum_i \big[\exists j: \mathbb 1_{ij}\big],

where recall uses balls around the fake features (radii from fake-to-fake distances).
Precision measures how many samples are realistic, recall how much of the real
distribution the samples reach; density (unbounded above, about 1 when the distributions
match) and coverage are the outlier-robust versions of Naeem et al.

Protocol: Euclidean distances between features in float64 on the host, computed in row
blocks so memory stays ``O(block * N)``; a point is inside a ball when its distance is
*strictly* below the radius, as in the reference implementation of Naeem et al. (``prdc``);
``k = 3`` for precision/recall (Kynkäänniemi et al.) and ``k = 5`` for density/coverage
(Naeem et al.); both papers use equal numbers of real and fake samples (10,000 or 50,000
for images). Duplicated real features give zero radii; remove them first.

References:
    Kynkäänniemi, Karras, Laine, Lehtinen & Aila (2019), Improved Precision and Recall
    Metric for Assessing Generative Models, arXiv:1904.06991.
    Naeem, Oh, Uh, Choi & Yoo (2020), Reliable Fidelity and Diversity Metrics for Generative
    Models, arXiv:2002.09797.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gen_jax.eval._checks import feature_matrix, same_num_features

_BLOCK_ROWS = 1024


class PrecisionRecall(NamedTuple):
    """Improved precision and recall, each in [0, 1]."""

    precision: float
    recall: float


class DensityCoverage(NamedTuple):
    """Density (>= 0, about 1 for matching distributions) and coverage in [0, 1]."""

    density: float
    coverage: float


def _distance_blocks(a: np.ndarray, b: np.ndarray):
    """Yields ``(start, distances [block, N_b])`` of Euclidean distances, row block by block."""
    squared_b = np.einsum("nd,nd->n", b, b)
    for start in range(0, a.shape[0], _BLOCK_ROWS):
        rows = a[start : start + _BLOCK_ROWS]
        squared = np.einsum("nd,nd->n", rows, rows)[:, None] + squared_b[None] - 2.0 * rows @ b.T
        yield start, np.sqrt(np.clip(squared, 0.0, None))


def knn_radii(features: np.ndarray, num_neighbors: int) -> np.ndarray:
    """Distance ``[N]`` from each row of ``features [N, D]`` to its ``num_neighbors``-th
    nearest other row (the point itself, at distance 0, is skipped)."""
    radii = np.empty(features.shape[0])
    for start, distances in _distance_blocks(features, features):
        rows = np.arange(distances.shape[0])
        distances[rows, start + rows] = -np.inf  # the point itself sorts first
        radii[start : start + distances.shape[0]] = np.partition(distances, num_neighbors, axis=1)[
            :, num_neighbors
        ]
    return radii


def _inside_counts(points: np.ndarray, centers: np.ndarray, radii: np.ndarray):
    """Per point, how many balls ``B(centers_i, radii_i)`` hold it ``[P]``; per center,
    whether it holds any point ``[C]``."""
    counts = np.zeros(points.shape[0], dtype=np.int64)
    covered = np.zeros(centers.shape[0], dtype=bool)
    for start, distances in _distance_blocks(points, centers):
        inside = distances < radii[None]
        counts[start : start + inside.shape[0]] = inside.sum(axis=1)
        covered |= inside.any(axis=0)
    return counts, covered


def _check_inputs(real_features, fake_features, num_neighbors: int):
    if not isinstance(num_neighbors, int) or num_neighbors < 1:
        raise ValueError(f"num_neighbors={num_neighbors!r}: must be a positive int")
    real = feature_matrix("real_features", real_features, min_samples=num_neighbors + 1)
    fake = feature_matrix("fake_features", fake_features, min_samples=num_neighbors + 1)
    same_num_features("real_features", real, "fake_features", fake)
    return real, fake


def precision_recall(real_features, fake_features, *, num_neighbors: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al., 2019).

    Args:
        real_features: ``[N, D]`` features of real data, ``N > num_neighbors``.
        fake_features: ``[M, D]`` features of generated samples, ``M > num_neighbors``.
        num_neighbors: ``k`` of the k-NN radii.

    Returns:
        ``PrecisionRecall(precision, recall)``.

    Raises:
        ValueError: naming the argument, on too few samples, mismatched feature sizes or
            NaN/inf.
    """
    real, fake = _check_inputs(real_features, fake_features, num_neighbors)
    fake_in_real, _ = _inside_counts(fake, real, knn_radii(real, num_neighbors))
    real_in_fake, _ = _inside_counts(real, fake, knn_radii(fake, num_neighbors))
    return PrecisionRecall(
        precision=float(np.mean(fake_in_real > 0)), recall=float(np.mean(real_in_fake > 0))
    )


def density_coverage(real_features, fake_features, *, num_neighbors: int = 5) -> DensityCoverage:
    """Density and coverage (Naeem et al., 2020).

    Args:
        real_features: ``[N, D]`` features of real data, ``N > num_neighbors``.
        fake_features: ``[M, D]`` features of generated samples, ``M > num_neighbors``.
        num_neighbors: ``k`` of the k-NN radii around the real features.

    Returns:
        ``DensityCoverage(density, coverage)``.

    Raises:
        ValueError: naming the argument, on too few samples, mismatched feature sizes or
            NaN/inf.
    """
    real, fake = _check_inputs(real_features, fake_features, num_neighbors)
    counts, covered = _inside_counts(fake, real, knn_radii(real, num_neighbors))
    return DensityCoverage(
        density=float(counts.sum() / (num_neighbors * fake.shape[0])),
        coverage=float(covered.mean()),
    )
