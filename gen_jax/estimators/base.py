"""What every estimator shares: the fitted check, keys from ``random_state``, EM results.

- :func:`requires_fit` marks a method that needs a fitted model; called before ``fit`` it
  raises scikit-learn's :class:`~sklearn.exceptions.NotFittedError` (a ``ValueError`` and
  an ``AttributeError``) naming the method and the call that fits the model.
- :func:`key_from_random_state` turns ``random_state`` (an int seed, ``None``, a numpy
  ``RandomState``/``Generator`` or a JAX key) into a key; ``fit(X, *, key=None)``,
  ``sample(n, *, key=None)`` and the rest use ``key`` when given, else that one
  (:meth:`EstimatorMixin._key`).
- :meth:`EstimatorMixin._store_em_result` stores a :class:`~gen_jax.algorithms.em.EMResult`
  as ``n_iter_``, ``converged_`` and ``log_likelihood_history_``, warning, where asked, about
  components left without data and about EM stopping at ``max_iter``.
- :class:`InformationCriteriaMixin` gives ``bic`` and ``aic`` from a parameter count, and
  :class:`MixtureMixin` a mixture's ``score_samples``, ``score``, ``predict_proba``,
  ``predict`` and ``fit_predict`` from its joint log-probabilities.
- :class:`Estimator` adds scikit-learn's ``get_params``, ``set_params`` and ``clone`` support
  (:class:`sklearn.base.BaseEstimator`) for estimators whose constructor stores every
  argument under its own name, unchanged; every estimator is one (``BayesianNetwork`` and
  ``PCFG`` normalise their arguments when they use them, not in the constructor).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    DensityMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from gen_jax.algorithms.em import EMResult

__all__ = [
    "Estimator",
    "EstimatorMixin",
    "InformationCriteriaMixin",
    "MixtureMixin",
    "TransformerOutMixin",
    "key_from_random_state",
    "requires_fit",
]


def key_from_random_state(random_state) -> jax.Array:
    """A PRNG key from ``random_state``.

    Args:
        random_state: an int seed (``jax.random.key(seed)``), ``None`` (a key from fresh OS
            entropy, different on every call), a ``numpy`` ``RandomState`` or ``Generator``
            (a seed drawn from it, which advances it, as scikit-learn does), or a JAX key
            (typed, or a raw ``uint32`` array), returned as it is.

    Raises:
        TypeError: for anything else (a bool, a float).
    """
    if random_state is None:
        return jax.random.key(int(np.random.SeedSequence().entropy % 2**31))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return jax.random.key(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return jax.random.key(int(random_state.randint(2**31 - 1)))
    if isinstance(random_state, np.random.Generator):
        return jax.random.key(int(random_state.integers(2**31 - 1)))
    if isinstance(random_state, jax.Array) and (
        jnp.issubdtype(random_state.dtype, jax.dtypes.prng_key) or random_state.dtype == jnp.uint32
    ):
        return random_state
    raise TypeError(
        f"random_state={random_state!r}: pass an int seed, None (fresh entropy), a numpy "
        "RandomState or Generator, or a JAX key (jax.random.key(seed))"
    )


def requires_fit(method: Callable) -> Callable:
    """Decorate an estimator method that needs a fitted model (see
    :meth:`EstimatorMixin._check_fitted`)."""

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        self._check_fitted(method.__name__)
        return method(self, *args, **kwargs)

    return checked


class EstimatorMixin:
    """The plumbing of an estimator; subclasses name what ``fit`` sets.

    Class attributes:
        _fitted_attributes: attributes that must be set (and not ``None``) before a
            :func:`requires_fit` method runs.
        _fit_call: how to fit, for the error message (``"fit(X)"``).
        _not_fitted: what is missing, for the error message (``"is not fitted yet"``).
    """

    _fitted_attributes: ClassVar[tuple[str, ...]] = ()
    _fit_call: ClassVar[str] = "fit(X)"
    _not_fitted: ClassVar[str] = "is not fitted yet"

    def _check_fitted(self, method: str) -> None:
        """Raise :class:`~sklearn.exceptions.NotFittedError` naming ``method`` unless every
        attribute of ``_fitted_attributes`` is set."""
        if any(getattr(self, name, None) is None for name in self._fitted_attributes):
            name = type(self).__name__
            raise NotFittedError(
                f"{name}.{method}() needs a fitted model, but this {name} {self._not_fitted}; "
                f"call {self._fit_call} first"
            )

    def _key(self, key: jax.Array | None = None, *, stream: int = 0) -> jax.Array:
        """``key`` if given, else one from ``random_state`` (:func:`key_from_random_state`).

        ``stream`` picks another key from the same ``random_state`` for a second purpose:
        the seed plus ``stream`` for an int, ``fold_in(key, stream)`` for a JAX key.
        """
        if key is not None:
            return key
        key = key_from_random_state(self.random_state)  # checks random_state
        if stream and isinstance(self.random_state, (int, np.integer)):
            return key_from_random_state(self.random_state + stream)
        return jax.random.fold_in(key, stream) if stream else key

    def _store_em_result(
        self,
        result: EMResult,
        *,
        history_scale: float = 1.0,
        component_mass: np.ndarray | None = None,
        floor: str = "the M-step's floor",
        warn_if_not_converged: bool = False,
    ) -> None:
        """Store a (host) EM fit's ``n_iter_``, ``converged_`` and ``log_likelihood_history_``.

        Call it from ``fit`` itself, so that warnings point at the caller of ``fit``.

        Args:
            result: the fit, after ``jax.device_get``.
            history_scale: multiplies the history (the mean log-likelihood per example), e.g.
                the number of sequences to report a total.
            component_mass: a mixture's ``[K]`` expected number of samples per component;
                components with less than one sample's worth are named in a ``UserWarning``.
            floor: the hyperparameter that keeps such components finite, for that warning.
            warn_if_not_converged: issue a :class:`~sklearn.exceptions.ConvergenceWarning`
                when EM stopped at ``max_iter`` (the estimator's ``max_iter`` and ``tol``
                are quoted), as scikit-learn's mixtures do.
        """
        self.n_iter_ = int(result.num_iterations)
        self.converged_ = bool(result.converged)
        self.log_likelihood_history_ = (
            np.asarray(result.log_likelihood)[: self.n_iter_] * history_scale
        )
        if component_mass is not None:
            empty = np.flatnonzero(component_mass < 1.0)
            if empty.size:
                warnings.warn(
                    f"components {empty.tolist()} hold less than one sample's worth of "
                    f"responsibility; {floor} keeps them finite, but fewer components (or "
                    "another initialisation) would describe the data better",
                    stacklevel=3,
                )
        if warn_if_not_converged and not self.converged_:
            warnings.warn(
                f"EM did not converge in max_iter={self.max_iter} iterations (tol={self.tol}); "
                "increase max_iter or tol, or try another initialisation",
                ConvergenceWarning,
                stacklevel=3,
            )


class Estimator(EstimatorMixin, BaseEstimator):
    """:class:`EstimatorMixin` with scikit-learn's ``get_params``/``set_params``/``clone``.

    The constructor must store each argument as an attribute of the same name, unchanged;
    whatever depends on the hyperparameters is derived when used, so ``set_params`` holds.
    ``_accepts_sparse`` declares scipy sparse input to scikit-learn's tags.
    """

    _accepts_sparse: ClassVar[bool] = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._accepts_sparse
        return tags


class InformationCriteriaMixin:
    """``bic`` and ``aic`` of an estimator with ``score_samples(X) -> [N]`` log-likelihoods
    and ``_n_parameters() -> int`` free parameters."""

    @requires_fit
    def bic(self, X) -> float:
        """Bayesian information criterion :math:`-2 \\log L + p \\log N` on ``X`` (lower is
        better)."""
        log_likelihood = self.score_samples(X)
        penalty = self._n_parameters() * math.log(len(log_likelihood))
        return -2 * float(np.sum(log_likelihood)) + penalty

    @requires_fit
    def aic(self, X) -> float:
        """Akaike information criterion :math:`-2 \\log L + 2p` on ``X`` (lower is better)."""
        return -2 * float(np.sum(self.score_samples(X))) + 2 * self._n_parameters()


class TransformerOutMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """scikit-learn's transformer mixins (``fit_transform``, ``set_output``,
    ``get_feature_names_out`` as ``<classname>0, <classname>1, ...``) for an estimator whose
    ``transform`` gives one column per row of ``components_``."""

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]


class MixtureMixin(InformationCriteriaMixin, DensityMixin):
    """A mixture's inference from ``_log_joint(X) -> [N, K]``, the joint log-probabilities
    :math:`\\log p(x_n, z_n = k)`, which subclasses provide (with ``_n_parameters`` for
    ``bic`` and ``aic``)."""

    @requires_fit
    def score_samples(self, X) -> np.ndarray:
        """``[N]`` log-likelihood :math:`\\log p(x_n)` of each sample."""
        return np.asarray(jax.nn.logsumexp(self._log_joint(X), axis=1))

    @requires_fit
    def score(self, X, y=None) -> float:
        """Mean log-likelihood per sample."""
        return float(np.mean(self.score_samples(X)))

    @requires_fit
    def predict_proba(self, X) -> np.ndarray:
        """``[N, K]`` posterior component probabilities (responsibilities)."""
        return np.asarray(jax.nn.softmax(self._log_joint(X), axis=1))

    @requires_fit
    def predict(self, X) -> np.ndarray:
        """``[N]`` most probable component of each sample."""
        return np.asarray(jnp.argmax(self._log_joint(X), axis=1))

    def fit_predict(self, X, y=None, **fit_kwargs) -> np.ndarray:
        """``fit(X)`` then ``predict(X)``."""
        return self.fit(X, **fit_kwargs).predict(X)
