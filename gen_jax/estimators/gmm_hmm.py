"""``GMMHMM``: an HMM whose states emit from Gaussian mixtures (hmmlearn's ``GMMHMM``).

The emission family is :class:`~gen_jax.models.hmm.mixture_emissions.GaussianMixtureEmissions`
(the mixture family's densities and statistics, per state); fitting, scoring, decoding and
sampling are the shared HMM estimator's (:mod:`gen_jax.estimators.hmm_base`,
:mod:`gen_jax.estimators.hmm_inference`).

Example:
    >>> model = GMMHMM(2, n_mix=3, covariance_type="diag", n_iter=50).fit(X, lengths)
    >>> log_prob, states = model.decode(X, lengths)

Differences from hmmlearn: the means start from k-means++/Lloyd on device (k-means into
``n_components`` clusters, then into ``n_mix`` within each; a cluster with fewer than
``n_mix`` samples draws its means around the centroid, as hmmlearn does), not scikit-learn's
``KMeans``; spherical covariances start at the mean data *variance* (hmmlearn: the mean of
every entry of the data covariance); ``aic``/``bic`` count ``n_components * (n_mix - 1)``
free mixture weights (hmmlearn 0.3.3 counts ``n_mix - 1``).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.estimators.hmm_base import BaseHMM
from gen_jax.estimators.hmm_inputs import check_covariances, check_distribution
from gen_jax.estimators.validation import check_matrix
from gen_jax.models.hmm.mixture_emissions import (
    GaussianMixtureEmissionParams,
    GaussianMixtureEmissions,
    emission_precisions_cholesky,
)
from gen_jax.models.mixture.gaussian import COVARIANCE_TYPES
from gen_jax.models.mixture.kmeans import kmeans_plusplus, lloyd, squared_distances

__all__ = ["GMMHMM"]


@functools.partial(jax.jit, static_argnames=("num_states", "num_mix"))
def nested_kmeans_means(x, data_covariance, key, *, num_states, num_mix):
    """``[K, M, D]`` means: k-means of ``x [N, D]`` into ``K`` clusters, then of each cluster
    into ``M``; a cluster with fewer than ``M`` samples gets ``M`` draws from
    :math:`\\mathcal N(\\bar c, \\Sigma)` (``c`` the ``K`` centres, :math:`\\Sigma` the
    ``data_covariance [D, D]``), as in hmmlearn."""
    state_key, mix_key, fallback_key = jax.random.split(key, 3)
    centers = lloyd(x, kmeans_plusplus(x, num_states, key=state_key))[0]
    labels = jnp.argmin(squared_distances(x, centers), axis=1)
    members = (labels[None, :] == jnp.arange(num_states)[:, None]).astype(x.dtype)

    def cluster_means(weights, cluster_key):
        return lloyd(x, kmeans_plusplus(x, num_mix, key=cluster_key, weights=weights),
                     weights=weights)[0]  # fmt: skip

    means = jax.vmap(cluster_means)(members, jax.random.split(mix_key, num_states))
    noise = jax.random.normal(fallback_key, means.shape, x.dtype)
    draws = jnp.mean(centers, axis=0) + noise @ jnp.linalg.cholesky(data_covariance).T
    enough = jnp.sum(members, axis=1) >= num_mix
    return jnp.where(enough[:, None, None], means, draws)


class GMMHMM(BaseHMM):
    """HMM with Gaussian-mixture emissions (see the module docstring).

    Args:
        n_components: number of hidden states ``K``.
        n_mix: Gaussian components ``M`` in each state's mixture.
        covariance_type: ``"diag"`` (default, as hmmlearn), ``"full"``, ``"spherical"`` or
            ``"tied"`` (one full matrix per state, shared by its components); ``covars_``
            has hmmlearn's shapes ``[K, M, D]``, ``[K, M, D, D]``, ``[K, M]``, ``[K, D, D]``.
        min_covar: added to the data covariance that initialises ``covars_``.
        startprob_prior, transmat_prior: Dirichlet concentrations (1: maximum likelihood).
        weights_prior: Dirichlet concentration of each state's mixture weights.
        means_prior, means_weight: normal prior of the means (weight 0: none).
        covars_prior, covars_weight: inverse-gamma (diag, spherical) or inverse-Wishart
            (full, tied) prior; ``None`` takes hmmlearn's defaults, which make the update the
            maximum-likelihood one for full, tied and diag.
        algorithm, n_iter, tol, random_state: as in :class:`~gen_jax.estimators.GaussianHMM`.
        params, init_params: letters ``s``, ``t``, ``m`` (means; nested k-means), ``c``
            (covariances; the data covariance plus ``min_covar``) and ``w`` (weights;
            uniform).

    Attributes:
        startprob_ ``[K]``, transmat_ ``[K, K]``, weights_ ``[K, M]``, means_ ``[K, M, D]``,
        covars_: settable. log_likelihood_history_, n_iter_, converged_: after ``fit``.
    """

    _letters = "stmcw"
    _emission_attributes = ("weights_", "means_", "covars_")

    def __init__(
        self,
        n_components: int = 1,
        n_mix: int = 1,
        *,
        min_covar: float = 1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        weights_prior=1.0,
        means_prior=0.0,
        means_weight=0.0,
        covars_prior=None,
        covars_weight=None,
        algorithm: str = "viterbi",
        covariance_type: str = "diag",
        n_iter: int = 10,
        tol: float = 1e-2,
        params: str = "stmcw",
        init_params: str = "stmcw",
        random_state: int = 0,
    ):
        super().__init__(
            n_components, startprob_prior, transmat_prior, algorithm, n_iter, tol, params,
            init_params, random_state,
        )  # fmt: skip
        if not isinstance(n_mix, int) or n_mix < 1:
            raise ValueError(f"n_mix={n_mix!r}: must be an int >= 1")
        if covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type={covariance_type!r}; choose one of {COVARIANCE_TYPES}"
            )
        if not min_covar >= 0:
            raise ValueError(f"min_covar={min_covar!r}: must be >= 0")
        self.n_mix, self.covariance_type, self.min_covar = n_mix, covariance_type, min_covar
        self.weights_prior, self.means_prior, self.means_weight = (
            weights_prior, means_prior, means_weight,
        )  # fmt: skip
        self.covars_prior, self.covars_weight = covars_prior, covars_weight

    def _dtype(self, x):
        dtype = (np.asarray(self.means_) if x is None else x).dtype
        return jax.dtypes.canonicalize_dtype(dtype if dtype.kind == "f" else np.float64)

    def _check_X(self, X) -> np.ndarray:
        x = check_matrix(X)
        means = getattr(self, "means_", None)
        if means is not None and np.shape(means)[-1] != x.shape[1]:
            raise ValueError(f"X has {x.shape[1]} features but means_ has {np.shape(means)[-1]}")
        return x

    def _covariance_shape(self, num_features: int) -> tuple[int, ...]:
        k, m, d = self.n_components, self.n_mix, num_features
        return {"full": (k, m, d, d), "tied": (k, d, d), "diag": (k, m, d), "spherical": (k, m)}[
            self.covariance_type
        ]

    def _covariance_priors(self, num_features: int):
        """``(covars_prior, covars_weight)`` broadcast to their shapes, with hmmlearn's
        defaults where they are ``None``."""
        k, m, d = self.n_components, self.n_mix, num_features
        default_prior, default_weight, weight_shape = {
            "full": (0.0, -(1.0 + d + 1.0), (k, m)),
            "tied": (0.0, -(m + d + 1.0), (k,)),
            "diag": (-1.5, 0.0, (k, m, d)),
            "spherical": (-(m + 2.0) / 2.0, 0.0, (k, m)),
        }[self.covariance_type]
        prior = default_prior if self.covars_prior is None else self.covars_prior
        weight = default_weight if self.covars_weight is None else self.covars_weight
        return (
            np.broadcast_to(np.asarray(prior, np.float64), self._covariance_shape(d)),
            np.broadcast_to(np.asarray(weight, np.float64), weight_shape),
        )

    def _emissions(self, dtype, emission):
        k, m, d = emission.means.shape
        covars_prior, covars_weight = self._covariance_priors(d)
        as_array = lambda value, shape: jnp.broadcast_to(jnp.asarray(value, dtype), shape)
        return GaussianMixtureEmissions(
            weights_prior=as_array(self.weights_prior, (k, m)),
            means_prior=as_array(self.means_prior, (k, m, d)),
            means_weight=as_array(self.means_weight, (k, m)),
            covars_prior=as_array(covars_prior, covars_prior.shape),
            covars_weight=as_array(covars_weight, covars_weight.shape),
            covariance_type=self.covariance_type,
        )

    def _checked_means(self, dtype) -> np.ndarray:
        means = np.asarray(self.means_, np.float64)
        if means.ndim != 3 or means.shape[:2] != (self.n_components, self.n_mix):
            raise ValueError(
                f"means_ has shape {means.shape}; expected ({self.n_components}, "
                f"{self.n_mix}, n_features)"
            )
        if not np.isfinite(means).all():
            raise ValueError("means_ must be finite")
        return means.astype(dtype)

    def _checked_covars(self, num_features, dtype) -> np.ndarray:
        shape = self._covariance_shape(num_features)
        return check_covariances(self.covars_, shape, self.covariance_type, dtype)

    def _emission_params(self, weights, means, covars) -> GaussianMixtureEmissionParams:
        covars = jnp.asarray(covars)
        return GaussianMixtureEmissionParams(
            weights=jnp.asarray(weights),
            means=jnp.asarray(means),
            covariances=covars,
            precisions_cholesky=emission_precisions_cholesky(covars, self.covariance_type),
        )

    def _checked_weights(self, dtype) -> np.ndarray:
        shape = (self.n_components, self.n_mix)
        return check_distribution("weights_", self.weights_, shape, dtype)

    def _user_emission(self, dtype):
        means = self._checked_means(dtype)
        covars = self._checked_covars(means.shape[2], dtype)
        return self._emission_params(self._checked_weights(dtype), means, covars)

    def _initial_emission(self, x, key, dtype):
        num_samples, num_features = x.shape
        k, m = self.n_components, self.n_mix
        data_covariance = np.atleast_2d(np.cov(x.T)) + self.min_covar * np.eye(num_features)
        if self._needs("w", "weights_"):
            weights = np.full((k, m), 1.0 / m, dtype)
        else:
            weights = self._checked_weights(dtype)
        if self._needs("m", "means_"):
            if num_samples < k:
                raise ValueError(
                    f"n_components={k} but X has only {num_samples} samples; k-means needs at "
                    "least one sample per state (or set means_ yourself)"
                )
            means = nested_kmeans_means(
                jnp.asarray(x, dtype),
                jnp.asarray(data_covariance, dtype),
                key,
                num_states=k,
                num_mix=m,
            )
        else:
            means = self._checked_means(dtype)
        if self._needs("c", "covars_"):
            if num_samples < 2:
                raise ValueError("X needs at least 2 samples to initialise covars_")
            covars = {
                "spherical": np.full((k, m), np.mean(np.diag(data_covariance))),
                "diag": np.broadcast_to(np.diag(data_covariance), (k, m, num_features)),
                "tied": np.broadcast_to(data_covariance, (k, num_features, num_features)),
                "full": np.broadcast_to(data_covariance, (k, m, num_features, num_features)),
            }[self.covariance_type].astype(dtype)
        else:
            covars = self._checked_covars(num_features, dtype)
        return self._emission_params(weights, means, covars)

    def _store_emission(self, emission) -> None:
        self.weights_ = np.asarray(emission.weights)
        self.means_ = np.asarray(emission.means)
        self.covars_ = np.asarray(emission.covariances)

    def _emission_scalars(self, num_features: int) -> dict[str, int]:
        k, m, d = self.n_components, self.n_mix, num_features
        covariance = {
            "spherical": k * m,
            "diag": k * m * d,
            "full": k * m * d * (d + 1) // 2,
            "tied": k * d * (d + 1) // 2,
        }[self.covariance_type]
        return {"m": k * m * d, "c": covariance, "w": k * (m - 1)}
