"""``PoissonHMM``: an HMM emitting vectors of counts (hmmlearn's ``PoissonHMM``).

The emission family is :class:`~gen_jax.models.hmm.poisson_emissions.PoissonEmissions`;
fitting, scoring, decoding and sampling are the shared HMM estimator's
(:mod:`gen_jax.estimators.hmm_base`, :mod:`gen_jax.estimators.hmm_inference`).

Example:
    >>> model = PoissonHMM(3, n_iter=50).fit(counts, lengths)
    >>> states = model.predict(counts, lengths)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.estimators.hmm_base import BaseHMM
from gen_jax.estimators.validation import check_matrix
from gen_jax.models.hmm.poisson_emissions import PoissonEmissionParams, PoissonEmissions

__all__ = ["PoissonHMM"]


class PoissonHMM(BaseHMM):
    """HMM with independent Poisson emissions per feature.

    Args:
        n_components: number of hidden states ``K``.
        startprob_prior, transmat_prior: Dirichlet concentrations (1: maximum likelihood).
        lambdas_prior, lambdas_weight: hmmlearn's gamma prior on the rates (shape and rate,
            broadcastable to ``[K, D]``; 0 and 0, the default, give the maximum-likelihood
            rates).
        algorithm, n_iter, tol, random_state: as in :class:`~gen_jax.estimators.GaussianHMM`.
        params, init_params: letters ``s``, ``t`` and ``l`` (rates; initialised, as in
            hmmlearn, by draws from the gamma distribution matching the mean and variance of
            all counts).

    Attributes:
        startprob_ ``[K]``, transmat_ ``[K, K]``, lambdas_ ``[K, D]``: settable.
        log_likelihood_history_, n_iter_, converged_: after ``fit``.

    ``sample`` returns int32 counts; fitted attributes take the dtype of float ``X`` (float64,
    as JAX allows, for integer counts).
    """

    _letters = "stl"
    _emission_attributes = ("lambdas_",)

    def __init__(
        self,
        n_components: int = 1,
        *,
        startprob_prior=1.0,
        transmat_prior=1.0,
        lambdas_prior=0.0,
        lambdas_weight=0.0,
        algorithm: str = "viterbi",
        n_iter: int = 10,
        tol: float = 1e-2,
        params: str = "stl",
        init_params: str = "stl",
        random_state: int = 0,
    ):
        super().__init__(
            n_components, startprob_prior, transmat_prior, algorithm, n_iter, tol, params,
            init_params, random_state,
        )  # fmt: skip
        self.lambdas_prior, self.lambdas_weight = lambdas_prior, lambdas_weight

    def _dtype(self, x):
        dtype = (np.asarray(self.lambdas_) if x is None else x).dtype
        return jax.dtypes.canonicalize_dtype(dtype if dtype.kind == "f" else np.float64)

    def _check_X(self, X) -> np.ndarray:
        x = check_matrix(X)
        if (x < 0).any() or (x != np.round(x)).any():
            row = int(np.argwhere((x < 0) | (x != np.round(x)))[0, 0])
            raise ValueError(
                f"X holds a negative or fractional value in row {row}; PoissonHMM models "
                "counts (non-negative integers)"
            )
        rates = getattr(self, "lambdas_", None)
        if rates is not None and np.shape(rates)[-1] != x.shape[1]:
            raise ValueError(f"X has {x.shape[1]} features but lambdas_ has {np.shape(rates)[-1]}")
        return x

    def _emissions(self, dtype, emission):
        shape = emission.rates.shape
        return PoissonEmissions(
            lambdas_prior=jnp.broadcast_to(jnp.asarray(self.lambdas_prior, dtype), shape),
            lambdas_weight=jnp.broadcast_to(jnp.asarray(self.lambdas_weight, dtype), shape),
        )

    def _user_emission(self, dtype):
        rates = np.asarray(self.lambdas_, np.float64)
        if rates.ndim != 2 or rates.shape[0] != self.n_components:
            raise ValueError(
                f"lambdas_ has shape {rates.shape}; expected ({self.n_components}, n_features)"
            )
        if not (np.isfinite(rates).all() and (rates > 0).all()):
            raise ValueError("lambdas_ must hold finite, positive rates")
        return PoissonEmissionParams(jnp.asarray(rates.astype(dtype)))

    def _initial_emission(self, x, key, dtype):
        if not self._needs("l", "lambdas_"):
            return self._user_emission(dtype)
        mean, variance = float(np.mean(x)), float(np.var(x))
        if not (mean > 0 and variance > 0):
            raise ValueError(
                "X needs counts that are not all equal to initialise lambdas_ (their mean and "
                "variance set the gamma draws); set lambdas_ yourself and leave 'l' out of "
                "init_params"
            )
        shape = (self.n_components, x.shape[1])
        draws = jax.random.gamma(key, jnp.asarray(mean**2 / variance, dtype), shape, dtype)
        return PoissonEmissionParams(draws * (variance / mean))

    def _store_emission(self, emission) -> None:
        self.lambdas_ = np.asarray(emission.rates)

    def _emission_scalars(self, num_features: int) -> dict[str, int]:
        return {"l": self.n_components * num_features}
