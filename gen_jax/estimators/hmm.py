"""``CategoricalHMM`` and ``GaussianHMM``: hidden Markov models with hmmlearn's API.

Both fit by Baum-Welch on device (:class:`gen_jax.estimators.hmm_base.BaseHMM` has the shared
``fit`` and ``fit_supervised``, :class:`gen_jax.estimators.hmm_inference.HMMInferenceMixin`
``score``, ``score_samples``, ``decode``, ``predict``, ``predict_proba`` and ``sample``);
this module adds the emission families, their initialisation and their checks.

Example:
    >>> model = GaussianHMM(3, covariance_type="full", n_iter=50).fit(X, lengths)
    >>> log_prob, states = model.decode(X, lengths)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from gen_jax.estimators.hmm_base import BaseHMM
from gen_jax.estimators.hmm_inputs import check_covariances, check_distribution, check_symbols
from gen_jax.estimators.hmm_programs import kmeans_means
from gen_jax.estimators.validation import check_matrix
from gen_jax.models.hmm.em import (
    CategoricalEmissionParams,
    CategoricalEmissions,
    GaussianEmissionParams,
    GaussianEmissions,
)
from gen_jax.models.mixture.gaussian import COVARIANCE_TYPES, precisions_cholesky_from_covariances

__all__ = ["CategoricalHMM", "GaussianHMM"]


@struct.dataclass
class _GuardedGaussianEmissions(GaussianEmissions):
    """Gaussian emissions whose M-step keeps a state's initial full covariance when the
    re-estimated one is not numerically positive definite.

    A state losing its mass on data with a constant column gets ``covars_prior / post``
    in every entry of that column's row, a matrix that rounds to singular; hmmlearn
    survives it by regularising its density, here the state keeps ``initial`` (as an
    empty state does) and may regain mass later.
    """

    def m_step(self, stats: dict, initial: GaussianEmissionParams, learn: str):
        """:meth:`GaussianEmissions.m_step`, then the guard for ``full`` covariances."""
        params = super().m_step(stats, initial, learn)
        if self.covariance_type != "full":
            return params
        finite = jnp.all(jnp.isfinite(params.precisions_cholesky), axis=(1, 2))
        return params.replace(
            covariances=jnp.where(finite[:, None, None], params.covariances, initial.covariances),
            precisions_cholesky=jnp.where(
                finite[:, None, None], params.precisions_cholesky, initial.precisions_cholesky
            ),
        )


class CategoricalHMM(BaseHMM):
    """HMM with categorical emissions over ``n_features`` symbols.

    Args:
        n_components: number of hidden states ``K``.
        startprob_prior, transmat_prior, emissionprob_prior: Dirichlet concentrations
            (scalars or arrays broadcastable to ``[K]``, ``[K, K]``, ``[K, V]``); 1 is
            maximum likelihood, larger values add ``prior - 1`` pseudo-counts.
        n_features: the vocabulary size ``V``; by default from ``emissionprob_`` or the
            largest symbol seen by ``fit`` plus one.
        algorithm: ``"viterbi"`` or ``"map"``, the decoder of ``decode`` and ``predict``.
        n_iter: the most Baum-Welch iterations.
        tol: stop when the total log-likelihood gains less than this.
        params: letters of the parameters EM updates: ``s`` start, ``t`` transitions,
            ``e`` emissions.
        init_params: letters of the parameters ``fit`` initialises (the others must be set
            as attributes first): ``s`` uniform, ``t`` rows half uniform, half Dirichlet(1),
            ``e`` random rows.
        random_state: int seed, ``None`` or a JAX key, used when ``fit`` or ``sample`` get
            no ``key`` (:func:`~gen_jax.estimators.base.key_from_random_state`).

    Attributes:
        startprob_ ``[K]``, transmat_ ``[K, K]``, emissionprob_ ``[K, V]``: settable.
        log_likelihood_history_, n_iter_, converged_: after ``fit``.
    """

    _letters = "ste"
    _emission_attributes = ("emissionprob_",)

    def __init__(
        self,
        n_components: int = 1,
        *,
        startprob_prior=1.0,
        transmat_prior=1.0,
        emissionprob_prior=1.0,
        n_features: int | None = None,
        algorithm: str = "viterbi",
        n_iter: int = 10,
        tol: float = 1e-2,
        params: str = "ste",
        init_params: str = "ste",
        random_state: int = 0,
    ):
        super().__init__(
            n_components, startprob_prior, transmat_prior, algorithm, n_iter, tol, params,
            init_params, random_state,
        )  # fmt: skip
        if n_features is not None and (not isinstance(n_features, int) or n_features < 1):
            raise ValueError(f"n_features={n_features!r}: must be None or an int >= 1")
        self.emissionprob_prior = emissionprob_prior
        self.n_features = n_features

    def _num_symbols(self) -> int | None:
        if self.n_features is not None:
            return self.n_features
        if getattr(self, "emissionprob_", None) is not None:
            return int(np.shape(self.emissionprob_)[-1])
        return None

    def _check_X(self, X) -> np.ndarray:
        symbols = check_symbols(X, self._num_symbols())
        if self._num_symbols() is None:  # only while fitting: scoring needs emissionprob_
            self.n_features = int(symbols.max()) + 1
        return symbols

    def _emissions(self, dtype, emission):
        shape = (self.n_components, self._num_symbols())
        prior = jnp.broadcast_to(jnp.asarray(self.emissionprob_prior, dtype), shape)
        return CategoricalEmissions(prior=prior, num_symbols=self._num_symbols())

    def _user_emission(self, dtype):
        shape = (self.n_components, self._num_symbols())
        return CategoricalEmissionParams(
            jnp.asarray(check_distribution("emissionprob_", self.emissionprob_, shape, dtype))
        )

    def _initial_emission(self, x, key, dtype):
        if not self._needs("e", "emissionprob_"):
            return self._user_emission(dtype)
        draws = jax.random.uniform(key, (self.n_components, self._num_symbols()), dtype, 1e-3)
        return CategoricalEmissionParams(draws / jnp.sum(draws, axis=1, keepdims=True))

    def _store_emission(self, emission) -> None:
        self.emissionprob_ = np.asarray(emission.probs)

    def _emission_scalars(self, num_features: int) -> dict[str, int]:
        return {"e": self.n_components * (self._num_symbols() - 1)}


class GaussianHMM(BaseHMM):
    """HMM with Gaussian emissions (``covariance_type`` full, diag, spherical or tied).

    Args:
        n_components: number of hidden states ``K``.
        covariance_type: ``"diag"`` (default, as hmmlearn), ``"full"``, ``"spherical"`` or
            ``"tied"``; ``covars_`` has scikit-learn's shapes ``[K, D]``, ``[K, D, D]``,
            ``[K]``, ``[D, D]``.
        min_covar: added to the data covariance that initialises ``covars_``.
        startprob_prior, transmat_prior: Dirichlet concentrations, as in
            :class:`CategoricalHMM`.
        means_prior, means_weight, covars_prior, covars_weight: hmmlearn's priors of the
            M-step (see :class:`gen_jax.models.hmm.em.GaussianEmissions`).
        algorithm, n_iter, tol, random_state: as in :class:`CategoricalHMM`.
        params, init_params: letters ``s``, ``t``, ``m`` (means; initialised by k-means)
            and ``c`` (covariances; initialised to the data covariance plus ``min_covar``,
            its mean variance for spherical).

    Attributes:
        startprob_ ``[K]``, transmat_ ``[K, K]``, means_ ``[K, D]``, covars_: settable.
        log_likelihood_history_, n_iter_, converged_: after ``fit``.
    """

    _letters = "stmc"
    _emission_attributes = ("means_", "covars_")

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "diag",
        min_covar: float = 1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        means_prior=0.0,
        means_weight: float = 0.0,
        covars_prior=1e-2,
        covars_weight: float = 1.0,
        algorithm: str = "viterbi",
        n_iter: int = 10,
        tol: float = 1e-2,
        params: str = "stmc",
        init_params: str = "stmc",
        random_state: int = 0,
    ):
        super().__init__(
            n_components, startprob_prior, transmat_prior, algorithm, n_iter, tol, params,
            init_params, random_state,
        )  # fmt: skip
        if covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type={covariance_type!r}; choose one of {COVARIANCE_TYPES}"
            )
        if not min_covar >= 0:
            raise ValueError(f"min_covar={min_covar!r}: must be >= 0")
        self.covariance_type, self.min_covar = covariance_type, min_covar
        self.means_prior, self.means_weight = means_prior, means_weight
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

    def _emissions(self, dtype, emission):
        return _GuardedGaussianEmissions(
            means_prior=jnp.asarray(self.means_prior, dtype),
            means_weight=jnp.asarray(self.means_weight, dtype),
            covars_prior=jnp.asarray(self.covars_prior, dtype),
            covars_weight=jnp.asarray(self.covars_weight, dtype),
            covariance_type=self.covariance_type,
        )

    def _covariance_shape(self, num_features):
        k, d = self.n_components, num_features
        return {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}[
            self.covariance_type
        ]

    def _checked_means(self, dtype) -> np.ndarray:
        means = np.asarray(self.means_, np.float64)
        if means.ndim != 2 or means.shape[0] != self.n_components:
            raise ValueError(f"means_ has shape {means.shape}; expected ({self.n_components}, D)")
        if not np.isfinite(means).all():
            raise ValueError("means_ must be finite")
        return means.astype(dtype)

    def _checked_covars(self, num_features, dtype) -> np.ndarray:
        shape = self._covariance_shape(num_features)
        return check_covariances(self.covars_, shape, self.covariance_type, dtype)

    def _emission_params(self, means, covars) -> GaussianEmissionParams:
        covars = jnp.asarray(covars)
        return GaussianEmissionParams(
            means=jnp.asarray(means),
            covariances=covars,
            precisions_cholesky=precisions_cholesky_from_covariances(covars, self.covariance_type),
        )

    def _user_emission(self, dtype):
        means = self._checked_means(dtype)
        return self._emission_params(means, self._checked_covars(means.shape[1], dtype))

    def _initial_emission(self, x, key, dtype):
        num_samples, num_features = x.shape
        if self._needs("m", "means_"):
            if num_samples < self.n_components:
                raise ValueError(
                    f"n_components={self.n_components} but X has only {num_samples} samples; "
                    "k-means needs at least one sample per state (or set means_ yourself)"
                )
            means = kmeans_means(jnp.asarray(x, dtype), key, num_clusters=self.n_components)
        else:
            means = self._checked_means(dtype)
        if self._needs("c", "covars_"):
            if num_samples < 2:
                raise ValueError("X needs at least 2 samples to initialise covars_")
            data_cov = np.atleast_2d(np.cov(x.T)) + self.min_covar * np.eye(num_features)
            k = self.n_components
            covars = {
                "spherical": np.full(k, np.mean(np.diag(data_cov))),
                "diag": np.tile(np.diag(data_cov), (k, 1)),
                "tied": data_cov,
                "full": np.tile(data_cov, (k, 1, 1)),
            }[self.covariance_type].astype(dtype)
        else:
            covars = self._checked_covars(num_features, dtype)
        return self._emission_params(means, covars)

    def _store_emission(self, emission) -> None:
        self.means_ = np.asarray(emission.means)
        self.covars_ = np.asarray(emission.covariances)

    def _emission_scalars(self, num_features: int) -> dict[str, int]:
        k, d = self.n_components, num_features
        covariance = {
            "spherical": k,
            "diag": k * d,
            "full": k * d * (d + 1) // 2,
            "tied": d * (d + 1) // 2,
        }[self.covariance_type]
        return {"m": k * d, "c": covariance}
