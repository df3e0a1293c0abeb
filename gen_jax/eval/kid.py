r"""Kernel Inception Distance: an unbiased MMD² estimate with a cubic polynomial kernel.

With the kernel :math:`k(x, y) = (x^\top y / D + 1)^3` on ``D``-dimensional features and
sets :math:`X = \{x_i\}_{i=1}^m`, :math:`Y = \{y_j\}_{j=1}^n`, the unbiased estimator is

.. math::
    \widehat{\mathrm{MMD}}^2_u = \frac{1}{m(m-1)} \sum_{i \ne i'} k(x_i, x_{i'})
        + \frac{1}{n(n-1)} \sum_{j \ne j'} k(y_j, y_{j'})
        - \frac{2}{mn} \sum_{i, j} k(x_i, y_j).

It can be negative (it is unbiased, not non-negative) and, unlike the Fréchet distance,
does not depend on the sample size in expectation.

Protocol (Binkowski et al., 2018; torch-fidelity's defaults): draw ``num_subsets = 100``
pairs of subsets of ``subset_size = 1000`` samples from each set, each subset without
replacement, independently across subsets, from ``numpy.random.default_rng(seed)``; report
the mean and standard deviation of the per-subset estimates. Arithmetic is float64 on the
host. Report the feature network, the subset size and count, and the sample counts.

References:
    Binkowski, Sutherland, Arbel & Gretton (2018), Demystifying MMD GANs, arXiv:1801.01401.
    Gretton et al. (2012), A Kernel Two-Sample Test, JMLR 13.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gen_jax.eval._checks import feature_matrix, same_num_features

_WHOLE_KERNEL_MAX_SAMPLES = 2048  # three float64 kernel matrices of at most 32 MiB each


class KernelDistance(NamedTuple):
    """The mean and standard deviation of the per-subset MMD² estimates."""

    mean: float
    std: float


def polynomial_kernel(x: np.ndarray, y: np.ndarray, *, degree: int = 3) -> np.ndarray:
    """Kernel matrix ``[M, N]``, ``(x_i . y_j / D + 1) ** degree`` of ``x [M, D]``, ``y [N, D]``.

    Returns float64 when the inputs are float64.
    """
    if not isinstance(degree, int) or degree < 1:
        raise ValueError(
            f"degree={degree!r}: the polynomial kernel needs a positive int (3 for KID)"
        )
    base = x @ y.T / x.shape[1] + 1.0
    kernel = base
    for _ in range(degree - 1):  # repeated products: much faster than a float power
        kernel = kernel * base
    return kernel


def mmd2_unbiased(features_a, features_b, *, degree: int = 3) -> float:
    """The unbiased MMD² estimate of the module docstring on all samples at once.

    Args:
        features_a: ``[M, D]``, ``M >= 2``.
        features_b: ``[N, D]``, ``N >= 2``.
        degree: the polynomial kernel's degree (3 for KID).

    Returns:
        A Python float (may be slightly negative when the distributions agree).

    Raises:
        ValueError: naming the argument, on fewer than two samples, mismatched feature sizes
            or NaN/inf.
    """
    a = feature_matrix("features_a", features_a, min_samples=2)
    b = feature_matrix("features_b", features_b, min_samples=2)
    same_num_features("features_a", a, "features_b", b)
    return _mmd2_unbiased(a, b, degree)


def _mmd2_unbiased(a: np.ndarray, b: np.ndarray, degree: int) -> float:
    return _mmd2_from_kernels(
        polynomial_kernel(a, a, degree=degree),
        polynomial_kernel(b, b, degree=degree),
        polynomial_kernel(a, b, degree=degree),
    )


def _mmd2_from_kernels(k_aa: np.ndarray, k_bb: np.ndarray, k_ab: np.ndarray) -> float:
    m, n = k_ab.shape
    within_a = (k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))
    within_b = (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1))
    return float(within_a + within_b - 2.0 * k_ab.mean())


def kernel_inception_distance(
    features_a,
    features_b,
    *,
    num_subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    seed: int = 0,
) -> KernelDistance:
    """KID: MMD² with the cubic polynomial kernel, averaged over random subsets.

    Args:
        features_a: ``[N_a, D]`` features of one sample set (e.g. generated images).
        features_b: ``[N_b, D]`` features of the other (e.g. held-out data).
        num_subsets: how many subset pairs to average over.
        subset_size: samples per subset, at most ``min(N_a, N_b)`` and at least 2.
        degree: the polynomial kernel's degree.
        seed: seed of the subset draws.

    Returns:
        ``KernelDistance(mean, std)`` over the subsets (``std`` with ``ddof=0``).

    Raises:
        ValueError: naming the argument, when ``subset_size`` exceeds a set's size or is
            below 2, ``num_subsets < 1``, the feature sizes differ, or an input holds NaN/inf.
    """
    if num_subsets < 1:
        raise ValueError(f"num_subsets={num_subsets}: average over at least one subset")
    if subset_size < 2:
        raise ValueError(f"subset_size={subset_size}: the unbiased estimate needs at least 2")
    a = feature_matrix("features_a", features_a, min_samples=2)
    b = feature_matrix("features_b", features_b, min_samples=2)
    same_num_features("features_a", a, "features_b", b)
    for name, array in (("features_a", a), ("features_b", b)):
        if array.shape[0] < subset_size:
            raise ValueError(
                f"subset_size={subset_size} but {name} has only {array.shape[0]} samples; "
                "pass more samples or a smaller subset_size (report it with the score)"
            )
    rng = np.random.default_rng(seed)
    # Small sets: the three kernel matrices once, then each subset's blocks by indexing.
    whole = max(a.shape[0], b.shape[0]) <= _WHOLE_KERNEL_MAX_SAMPLES
    if whole:
        kernels = [polynomial_kernel(x, y, degree=degree) for x, y in ((a, a), (b, b), (a, b))]
    estimates = np.empty(num_subsets)
    for index in range(num_subsets):
        rows_a = rng.choice(a.shape[0], subset_size, replace=False)
        rows_b = rng.choice(b.shape[0], subset_size, replace=False)
        if whole:
            k_aa, k_bb, k_ab = kernels
            estimates[index] = _mmd2_from_kernels(
                k_aa[np.ix_(rows_a, rows_a)],
                k_bb[np.ix_(rows_b, rows_b)],
                k_ab[np.ix_(rows_a, rows_b)],
            )
        else:
            estimates[index] = _mmd2_unbiased(a[rows_a], b[rows_b], degree)
    return KernelDistance(mean=float(estimates.mean()), std=float(estimates.std()))
