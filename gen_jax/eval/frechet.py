r"""The Fréchet distance between Gaussian fits of two feature sets (FID and its kin).

With :math:`\mu_a, \Sigma_a` and :math:`\mu_b, \Sigma_b` the means and covariances of the
two feature sets,

.. math::
    d^2 = \lVert \mu_a - \mu_b \rVert_2^2 + \operatorname{tr}\Sigma_a + \operatorname{tr}\Sigma_b
        - 2 \operatorname{tr}\big(\Sigma_a^{1/2} \Sigma_b \Sigma_a^{1/2}\big)^{1/2}.

``tr((Σ_a Σ_b)^{1/2})`` equals ``tr((Σ_a^{1/2} Σ_b Σ_a^{1/2})^{1/2})``, and the second form is
the square root of a *symmetric* positive semi-definite matrix, which an eigendecomposition
gives stably; the usual ``scipy.linalg.sqrtm(Σ_a Σ_b)`` of a non-symmetric product returns
complex parts and needs an ad-hoc jitter when a covariance is singular.

Protocol (report it with every number):

- features: the feature network and layer (InceptionV3 pool3, 2048-d, for FID proper;
  :func:`gen_jax.eval.digits_feature_network` for the library's digits score), the image
  size and value range fed to it;
- samples: how many generated and how many reference samples (FID is biased upwards for
  small N: 10,000 and 50,000 samples give different values, so compare only equal N);
- which reference split (train or test) supplied the statistics.

Computation: float64 on the host (numpy); covariances with the unbiased ``1/(N-1)``
normalisation, as in TF-GAN and pytorch-fid; negative eigenvalues from round-off are clipped
at zero. With fewer samples than features the covariance is singular; the distance is still
defined but noisy, so use N well above the feature dimension.

References:
    Dowson & Landau (1982), The Fréchet distance between multivariate normal distributions,
    J. Multivariate Analysis 12(3).
    Heusel et al. (2017), GANs Trained by a Two Time-Scale Update Rule Converge to a Local
    Nash Equilibrium, arXiv:1706.08500.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from gen_jax.eval._checks import feature_matrix, same_num_features


def gaussian_moments(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``[D]`` and unbiased covariance ``[D, D]`` (float64) of ``features [N, D]``.

    Raises:
        ValueError: with fewer than two samples, NaN/inf, or a non-matrix input.
    """
    array = feature_matrix("features", features, min_samples=2)
    return array.mean(axis=0), np.atleast_2d(np.cov(array, rowvar=False, ddof=1))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric PSD matrix; round-off negatives become 0."""
    # LAPACK's divide-and-conquer driver: on a loaded machine numpy's eigh was 20-200x slower
    eigenvalues, eigenvectors = linalg.eigh((matrix + matrix.T) / 2, driver="evd")
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def _check_moments(side: str, mean, covariance) -> tuple[np.ndarray, np.ndarray]:
    mean = np.asarray(mean, dtype=np.float64)
    covariance = np.asarray(covariance, dtype=np.float64)
    names = f"mean_{side} and covariance_{side}"
    dim = mean.shape[0] if mean.ndim == 1 else -1
    if mean.ndim != 1 or covariance.shape != (dim, dim):
        raise ValueError(f"{names} must be [D] and [D, D], got {mean.shape} and {covariance.shape}")
    if not (np.isfinite(mean).all() and np.isfinite(covariance).all()):
        raise ValueError(f"{names}: NaN or inf; check the features they were computed from")
    if not np.allclose(covariance, covariance.T, rtol=1e-6, atol=1e-9):
        raise ValueError(f"covariance_{side} is not symmetric; pass a covariance matrix")
    return mean, covariance


def frechet_distance_from_moments(mean_a, covariance_a, mean_b, covariance_b) -> float:
    """The squared Fréchet distance between ``N(mean_a, covariance_a)`` and
    ``N(mean_b, covariance_b)``; the formula is in the module docstring.

    Args:
        mean_a: ``[D]``.
        covariance_a: ``[D, D]``, symmetric positive semi-definite.
        mean_b: ``[D]``.
        covariance_b: ``[D, D]``, symmetric positive semi-definite.

    Returns:
        ``d^2 >= 0`` as a Python float (float64 arithmetic).

    Raises:
        ValueError: on mismatched shapes, NaN/inf or a non-symmetric covariance.
    """
    mean_a, covariance_a = _check_moments("a", mean_a, covariance_a)
    mean_b, covariance_b = _check_moments("b", mean_b, covariance_b)
    if mean_a.shape != mean_b.shape:
        raise ValueError(
            f"mean_a has {mean_a.shape[0]} features but mean_b has {mean_b.shape[0]}; compute "
            "both with the same feature network"
        )
    root_a = _psd_sqrt(covariance_a)
    cross = np.linalg.eigvalsh(root_a @ covariance_b @ root_a)
    trace_cross_root = np.sqrt(np.clip(cross, 0.0, None)).sum()
    difference = mean_a - mean_b
    distance = (
        difference @ difference
        + np.trace(covariance_a)
        + np.trace(covariance_b)
        - 2.0 * trace_cross_root
    )
    return float(max(distance, 0.0))


def frechet_distance(features_a, features_b) -> float:
    """The Fréchet distance (FID when the features are InceptionV3's) of two feature sets.

    Args:
        features_a: ``[N_a, D]`` features of one sample set (e.g. generated images).
        features_b: ``[N_b, D]`` features of the other (e.g. held-out data).

    Returns:
        The squared distance ``d^2`` of the module docstring, a Python float; 0 for identical
        sets.

    Raises:
        ValueError: naming the argument, when it has fewer than two samples (no covariance),
            the feature sizes differ, or it holds NaN/inf.

    Example:
        >>> frechet_distance(features(generated), features(test_images))
    """
    a = feature_matrix("features_a", features_a, min_samples=2)
    b = feature_matrix("features_b", features_b, min_samples=2)
    same_num_features("features_a", a, "features_b", b)
    return frechet_distance_from_moments(*gaussian_moments(a), *gaussian_moments(b))
