r"""Gaussian mixtures as an EM model: log-densities, sufficient statistics, the M-step.

.. math::
    p(x) = \sum_{k=1}^K \pi_k\, \mathcal N(x \mid \mu_k, \Sigma_k)

Four covariance structures, with scikit-learn's shapes: ``"full"`` ``[K, D, D]``,
``"tied"`` ``[D, D]`` (shared), ``"diag"`` ``[K, D]``, ``"spherical"`` ``[K]``. Densities
use the Cholesky factor of the precision, :math:`\Sigma^{-1} = P P^\top`:
:math:`\log\mathcal N(x) = -\tfrac12 (D \log 2\pi + \lVert (x-\mu)^\top P\rVert^2)
+ \log\lvert P\rvert`. Every M-step adds ``reg_covar`` to the variances. With
``"diag"``, NaN entries of ``x`` are treated as missing: they drop out of the density and
of the statistics of their feature.

References:
    Bishop (2006), Pattern Recognition and Machine Learning, §9.2.
    scikit-learn's ``GaussianMixture`` (Pedregosa et al., 2011), whose conventions the
    statistics follow so that fits can be compared step for step.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
from flax import struct

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
_LOG_2PI = math.log(2.0 * math.pi)
# From this many features on, full-covariance densities are computed one component at a
# time (K products [N, D] @ [D, D]) instead of one einsum against all K factors. Measured
# on a 2-core CPU, N=200,000, K=8, 20 EM iterations in float32: 0.19 s against 0.45 s at
# D=2, 0.28 against 0.39 at D=4, 0.72 against 0.53 at D=8, 4.4 against 2.1 at D=25
# (benchmarks/README.md, GMM EM).
_PER_COMPONENT_MIN_FEATURES = 8


@struct.dataclass
class GaussianMixtureParams:
    """Mixture weights ``[K]``, means ``[K, D]``, covariances and their precision factors."""

    weights: jax.Array
    means: jax.Array
    covariances: jax.Array
    precisions_cholesky: jax.Array


def precisions_cholesky_from_covariances(covariances: jax.Array, covariance_type: str):
    """:math:`P` with :math:`P P^\\top = \\Sigma^{-1}` (``1/\\sigma`` for diag/spherical).

    A covariance that is not positive definite gives NaN, which the estimator reports.
    """
    if covariance_type in ("diag", "spherical"):
        return jax.lax.rsqrt(covariances)
    eye = jnp.eye(covariances.shape[-1], dtype=covariances.dtype)
    lower = jnp.linalg.cholesky(covariances)
    solve = lambda factor: jax.scipy.linalg.solve_triangular(factor, eye, lower=True).T
    return solve(lower) if covariance_type == "tied" else jax.vmap(solve)(lower)


def covariances_from_precisions_cholesky(precisions_cholesky: jax.Array, covariance_type: str):
    """Inverse of :func:`precisions_cholesky_from_covariances`."""
    if covariance_type in ("diag", "spherical"):
        return 1.0 / jnp.square(precisions_cholesky)
    invert = lambda factor: jnp.linalg.inv(factor @ factor.T)
    return (
        invert(precisions_cholesky)
        if covariance_type == "tied"
        else jax.vmap(invert)(precisions_cholesky)
    )


def _log_det(precisions_cholesky, covariance_type, num_features):
    if covariance_type == "full":
        return jnp.sum(jnp.log(jnp.diagonal(precisions_cholesky, axis1=1, axis2=2)), axis=1)
    if covariance_type == "tied":
        return jnp.sum(jnp.log(jnp.diagonal(precisions_cholesky)))
    if covariance_type == "diag":
        return jnp.sum(jnp.log(precisions_cholesky), axis=1)
    return num_features * jnp.log(precisions_cholesky)


def component_log_densities(
    params: GaussianMixtureParams, x: jax.Array, covariance_type: str
) -> jax.Array:
    """:math:`\\log\\mathcal N(x_n \\mid \\mu_k, \\Sigma_k)` as ``[N, K]`` for ``x [N, D]``.

    With ``"diag"``, NaN entries of ``x`` are marginalised out (missing values).
    """
    means, factor = params.means, params.precisions_cholesky
    num_features = x.shape[1]
    if covariance_type == "diag":
        observed = ~jnp.isnan(x)
        filled = jnp.where(observed, x, 0.0)
        scaled = (filled[:, None, :] - means[None]) * factor[None]
        squared = jnp.sum(jnp.where(observed[:, None, :], jnp.square(scaled), 0.0), axis=2)
        log_det = observed.astype(x.dtype) @ jnp.log(factor).T
        counts = jnp.sum(observed, axis=1, dtype=x.dtype)[:, None]
        return -0.5 * (counts * _LOG_2PI + squared) + log_det
    if covariance_type == "full" and num_features >= _PER_COMPONENT_MIN_FEATURES:
        squared = jnp.stack(
            [
                jnp.sum(jnp.square(x @ factor[k] - means[k] @ factor[k]), axis=1)
                for k in range(factor.shape[0])
            ],
            axis=1,
        )
        log_det = _log_det(factor, covariance_type, num_features)
        return -0.5 * (num_features * _LOG_2PI + squared) + log_det
    if covariance_type == "full":
        projected = jnp.einsum("nd,kde->nke", x, factor) - jnp.einsum("kd,kde->ke", means, factor)
    elif covariance_type == "tied":
        projected = (x @ factor)[:, None, :] - (means @ factor)[None]
    else:
        projected = (x[:, None, :] - means[None]) * factor[None, :, None]
    squared = jnp.sum(jnp.square(projected), axis=2)
    log_det = _log_det(factor, covariance_type, num_features)
    return -0.5 * (num_features * _LOG_2PI + squared) + log_det


def log_joint(params: GaussianMixtureParams, x: jax.Array, covariance_type: str) -> jax.Array:
    """:math:`\\log \\pi_k + \\log\\mathcal N(x_n \\mid \\mu_k, \\Sigma_k)`, ``[N, K]``."""
    return jnp.log(params.weights) + component_log_densities(params, x, covariance_type)


def _weighted_outer_products(weighted: jax.Array, x: jax.Array) -> jax.Array:
    """:math:`\\sum_n w_{nk} x_n x_n^\\top` as ``[K, D, D]`` from ``weighted [N, K]``, ``x [N, D]``.

    Written as one ``[D, N] @ [N, D·K]`` product: XLA lowers the equivalent three-operand
    einsum to a fusion that writes a transposed ``[K·D, N]`` temporary every iteration,
    which made it 1.8x slower at N=200,000, K=8, D=25 (benchmarks/README.md, GMM EM).
    """
    num_examples, num_components = weighted.shape
    num_features = x.shape[1]
    scaled = (x[:, :, None] * weighted[:, None, :]).reshape(
        num_examples, num_features * num_components
    )
    products = (x.T @ scaled).reshape(num_features, num_features, num_components)
    return jnp.transpose(products, (2, 0, 1))


@dataclasses.dataclass(frozen=True)
class GaussianMixtureEM:
    """The :class:`~gen_jax.algorithms.em.EMModel` of a Gaussian mixture.

    Attributes:
        covariance_type: one of ``COVARIANCE_TYPES``.
        reg_covar: added to every variance in the M-step (the covariance floor).
    """

    covariance_type: str = "full"
    reg_covar: float = 1e-6

    def __post_init__(self):
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type={self.covariance_type!r}; choose one of {COVARIANCE_TYPES}"
            )
        if not self.reg_covar >= 0:
            raise ValueError(f"reg_covar={self.reg_covar}: must be non-negative")

    def statistics(self, x: jax.Array, responsibilities: jax.Array, weights: jax.Array) -> dict:
        """Sufficient statistics summed over examples, from responsibilities ``[N, K]``."""
        weighted = responsibilities * weights[:, None]
        if self.covariance_type == "diag":
            observed = ~jnp.isnan(x)
            filled = jnp.where(observed, x, 0.0)
            return {
                "count": jnp.sum(weighted, axis=0),
                "feature_count": weighted.T @ observed.astype(x.dtype),
                "sum": weighted.T @ filled,
                "sum_squares": weighted.T @ jnp.square(filled),
            }
        stats = {"count": jnp.sum(weighted, axis=0), "sum": weighted.T @ x}
        if self.covariance_type == "spherical":
            stats["sum_squares"] = weighted.T @ jnp.square(x)
        else:
            stats["outer"] = _weighted_outer_products(weighted, x)
        return stats

    def e_step(self, params: GaussianMixtureParams, x: jax.Array, weights: jax.Array):
        """``(summed statistics, log p(x_n) [N])`` under ``params``."""
        joint = log_joint(params, x, self.covariance_type)
        log_likelihood = jax.nn.logsumexp(joint, axis=1)
        responsibilities = jnp.exp(joint - log_likelihood[:, None])
        return self.statistics(x, responsibilities, weights), log_likelihood

    def m_step(self, stats: dict) -> GaussianMixtureParams:
        """Closed-form maximiser; an empty component gets finite, floored parameters."""
        count = stats["count"]
        tiny = 10 * jnp.finfo(count.dtype).eps
        count = count + tiny
        if self.covariance_type == "diag":
            feature_count = stats["feature_count"] + tiny
            means = stats["sum"] / feature_count
            second = stats["sum_squares"] / feature_count
            covariances = jnp.maximum(second - jnp.square(means), 0.0) + self.reg_covar
        else:
            means = stats["sum"] / count[:, None]
            if self.covariance_type == "spherical":
                second = stats["sum_squares"] / count[:, None]
                variances = jnp.maximum(second - jnp.square(means), 0.0) + self.reg_covar
                covariances = jnp.mean(variances, axis=1)
            else:
                mean_outer = jnp.einsum("kd,ke->kde", means, means)
                eye = jnp.eye(means.shape[1], dtype=means.dtype)
                if self.covariance_type == "full":
                    covariances = stats["outer"] / count[:, None, None] - mean_outer
                else:
                    scatter = jnp.sum(stats["outer"] - count[:, None, None] * mean_outer, 0)
                    covariances = scatter / jnp.sum(count)
                covariances = covariances + self.reg_covar * eye
        return GaussianMixtureParams(
            weights=count / jnp.sum(count),
            means=means,
            covariances=covariances,
            precisions_cholesky=precisions_cholesky_from_covariances(
                covariances, self.covariance_type
            ),
        )
