"""``CategoricalMixture``: a scikit-learn-style estimator over the on-device EM fit.

The model, its densities and its M-step are in :mod:`gen_jax.models.mixture.categorical`;
this module validates input, runs ``n_init`` vmapped restarts in one jitted call on data
sharded over every device, and offers ``predict``, ``score``, ``sample``, ``aic``, ``bic``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.em import EMResult, best_of_restarts, fit_em
from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import Estimator, MixtureMixin, requires_fit
from gen_jax.estimators.validation import check_sample_weight
from gen_jax.models.mixture.categorical import (
    CategoricalMixtureEM,
    CategoricalMixtureParams,
    log_joint,
)

__all__ = ["CategoricalMixture", "CategoricalMixtureEM", "CategoricalMixtureParams"]

INIT_METHODS = ("random", "random_from_data")


def _check_tokens_or_counts(x, *, num_categories: int | None, name: str = "X"):
    """``(array, is_tokens, V)``: int tokens ``[N]`` or non-negative integer counts ``[N, V]``."""
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} has dtype {array.dtype}; pass integer token ids [n_samples] or integer "
            "counts [n_samples, n_categories]"
        )
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{name} has shape {array.shape}; pass token ids [n_samples] (one token per sample) "
            "or counts [n_samples, n_categories] (a bag of tokens per sample)"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has shape {array.shape}; it needs at least one sample")
    tokens = array.ndim == 1
    if not tokens and array.shape[1] < 2:
        raise ValueError(
            f"{name} has shape {array.shape}: counts over a single category; pass token ids "
            f"as a 1-D array ({name}.ravel()), or one count column per category"
        )
    what = "token ids" if tokens else "counts"
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            row = int(np.argwhere(bad)[0, 0])
            raise ValueError(
                f"{name} holds non-integer or non-finite {what} (first in row {row}); "
                f"{what} must be whole numbers (for real-valued features use GaussianMixture)"
            )
    if (array < 0).any():
        row = int(np.argwhere(array < 0)[0, 0])
        raise ValueError(f"{name} holds negative {what} (first in row {row}); they must be >= 0")
    if tokens:
        largest = int(array.max())
        if num_categories is not None and largest >= num_categories:
            row = int(np.argmax(array >= num_categories))
            raise ValueError(
                f"{name} holds token {largest} (first out of range in row {row}) but "
                f"n_categories={num_categories}; ids must lie in [0, {num_categories}): raise "
                "n_categories or remap the tokens"
            )
        if largest >= 2**31 - 1:
            raise ValueError(f"{name} holds token {largest}; remap token ids to [0, V) first")
        return (
            array.astype(np.int32),
            True,
            largest + 1 if num_categories is None else num_categories,
        )
    if num_categories is not None and array.shape[1] != num_categories:
        raise ValueError(
            f"{name} has {array.shape[1]} count columns but n_categories={num_categories}; "
            "pass one column per category"
        )
    return array, False, array.shape[1]


def _initial_params(key, data, weights, user, model, num_components, method):
    num_examples = weights.shape[0]
    if method == "random":
        resp = jax.random.uniform(key, (num_examples, num_components), weights.dtype)
        resp = resp / jnp.sum(resp, axis=1, keepdims=True)
    else:
        chosen = jax.random.choice(
            key, num_examples, (num_components,), replace=False, p=weights / jnp.sum(weights)
        )
        resp = (
            jnp.zeros((num_examples, num_components), weights.dtype)
            .at[chosen, jnp.arange(num_components)]
            .set(1.0)
        )
    params = model.m_step(model.statistics(data, resp, weights))
    if user["weights"] is not None:
        params = params.replace(weights=user["weights"])
    if user["log_probs"] is not None:
        params = params.replace(log_probs=user["log_probs"])
    return params


@functools.partial(jax.jit, static_argnames=("model", "num_components", "method", "max_iter"))
def _fit_restarts(x, weights, keys, user, tol, *, model, num_components, method, max_iter):
    data = x[:, 0] if jnp.issubdtype(x.dtype, jnp.integer) else x  # tokens travel as [N, 1]

    def one_restart(key):
        params = _initial_params(key, data, weights, user, model, num_components, method)
        return fit_em(model, params, data, weights=weights, tol=tol, max_iter=max_iter)

    return best_of_restarts(jax.vmap(one_restart)(keys))


class CategoricalMixture(MixtureMixin, Estimator):
    r"""Mixture of categorical / multinomial distributions fitted by EM (scikit-learn style).

    ``X`` is either integer token ids ``[N]`` (one token per sample) or non-negative integer
    counts ``[N, V]`` (a bag of tokens per sample); ``predict``, ``score`` and the rest
    accept either form. The fit, ``n_init`` restarts included, is one jitted call with the
    data sharded over every device.

    With one token per sample only the marginal :math:`\sum_k \pi_k p_k` is identifiable:
    every mixture with that marginal has the same likelihood, and EM reaches it in one
    iteration. Clusters need several tokens per sample (counts).

    Args:
        n_components: number of mixture components ``K``.
        n_categories: ``V``; by default the largest token + 1, or the counts' width.
        tol: stop when the mean log-likelihood per sample changes by less than this.
        max_iter: the most EM iterations per restart.
        n_init: restarts (vmapped); the best final log-likelihood is kept.
        init_params: ``"random"`` (random responsibilities) or ``"random_from_data"``
            (each component starts from one sample drawn by ``sample_weight``).
        weights_init: ``[K]`` initial weights summing to one.
        probs_init: ``[K, V]`` initial category probabilities, rows positive summing to one.
        pseudo_count: Dirichlet smoothing ``> 0`` added to every count in the M-step.
        include_multinomial_coefficient: include ``log(C!/prod c_v!)`` in the
            log-likelihood of counts (reported numbers only; the fit is unchanged).
        random_state: int seed, ``None`` or a JAX key, used when ``fit`` or ``sample`` get
            no ``key`` (:func:`~gen_jax.estimators.base.key_from_random_state`).

    Attributes (after ``fit``):
        weights_ ``[K]``, probs_ ``[K, V]``, log_probs_ ``[K, V]``: numpy arrays.
        n_categories_: ``V``. converged_, n_iter_, lower_bound_: as in scikit-learn.
        log_likelihood_history_: ``[n_iter_]`` weighted mean log-likelihood per iteration.
        total_count_: the rounded mean number of tokens per training sample (``sample``).
    """

    def __init__(
        self,
        n_components: int = 1,
        *,
        n_categories: int | None = None,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "random",
        weights_init=None,
        probs_init=None,
        pseudo_count: float = 1e-3,
        include_multinomial_coefficient: bool = True,
        random_state: int = 0,
    ):
        if not isinstance(n_components, int) or n_components < 1:
            raise ValueError(f"n_components={n_components!r}: must be an int >= 1")
        if n_categories is not None and (not isinstance(n_categories, int) or n_categories < 1):
            raise ValueError(f"n_categories={n_categories!r}: must be None or an int >= 1")
        if init_params not in INIT_METHODS:
            raise ValueError(f"init_params={init_params!r}; choose one of {INIT_METHODS}")
        for name, value, least in (
            ("tol", tol, 0),
            ("max_iter", max_iter, 1),
            ("n_init", n_init, 1),
        ):
            if not value >= least:
                raise ValueError(f"{name}={value!r}: must be >= {least}")
        CategoricalMixtureEM(1, pseudo_count)  # validates pseudo_count
        self.n_components, self.n_categories = n_components, n_categories
        self.tol, self.max_iter, self.n_init, self.init_params = tol, max_iter, n_init, init_params
        self.weights_init, self.probs_init = weights_init, probs_init
        self.pseudo_count = pseudo_count
        self.include_multinomial_coefficient = include_multinomial_coefficient
        self.random_state = random_state

    _fitted_attributes = ("weights_",)

    # -- fitting ---------------------------------------------------------------------------
    def _user_arrays(self, num_categories, dtype):
        k, v = self.n_components, num_categories
        user = {"weights": None, "log_probs": None}
        if self.weights_init is not None:
            weights = np.asarray(self.weights_init, np.float64)
            if weights.shape != (k,) or (weights < 0).any() or abs(weights.sum() - 1) > 1e-6:
                raise ValueError(
                    f"weights_init must be {k} non-negative numbers summing to 1; got shape "
                    f"{weights.shape} summing to {weights.sum():.6g}"
                )
            user["weights"] = weights.astype(dtype)
        if self.probs_init is not None:
            probs = np.asarray(self.probs_init, np.float64)
            if probs.shape != (k, v):
                raise ValueError(
                    f"probs_init has shape {probs.shape}; expected (n_components, n_categories) "
                    f"= ({k}, {v})"
                )
            if not (probs > 0).all() or np.abs(probs.sum(1) - 1).max() > 1e-6:
                raise ValueError(
                    "probs_init rows must be positive and sum to 1 (a zero probability makes "
                    "every sample holding that token impossible; use a small value instead)"
                )
            user["log_probs"] = np.log(probs).astype(dtype)
        return user

    def fit(self, X, y=None, *, sample_weight=None, key: jax.Array | None = None):
        """Fit by EM from ``n_init`` starts; returns ``self``.

        Args:
            X: integer tokens ``[N]`` or non-negative integer counts ``[N, V]``.
            y: ignored (scikit-learn compatibility).
            sample_weight: ``[N]`` non-negative weights.
            key: PRNG key for initialisation; ``random_state`` by default.
        """
        data, tokens, num_categories = _check_tokens_or_counts(X, num_categories=self.n_categories)
        dtype = jax.dtypes.canonicalize_dtype(np.float64)  # float64 only under x64
        weights = check_sample_weight(sample_weight, data.shape[0], dtype)
        if np.count_nonzero(weights) < self.n_components:
            raise ValueError(
                f"n_components={self.n_components} but X has only {np.count_nonzero(weights)} "
                "samples (with non-zero weight); use at most that many components"
            )
        totals = np.ones(len(data)) if tokens else data.sum(1, dtype=np.float64)
        if not (totals * weights).any():
            raise ValueError("X holds no tokens (every count row is zero); nothing to fit")
        user = self._user_arrays(num_categories, dtype)
        model = CategoricalMixtureEM(
            num_categories, self.pseudo_count, self.include_multinomial_coefficient
        )
        x = data[:, None] if tokens else data.astype(dtype)
        x_sharded, w_sharded = pad_and_shard(x, weights)
        result: EMResult = _fit_restarts(
            x_sharded,
            w_sharded,
            jax.random.split(self._key(key), self.n_init),
            user,
            jnp.asarray(self.tol, dtype),
            model=model,
            num_components=self.n_components,
            method=self.init_params,
            max_iter=self.max_iter,
        )
        self._tokens = tokens
        self.n_categories_ = num_categories
        self.total_count_ = max(1, round(float(np.sum(totals * weights) / np.sum(weights))))
        result = jax.device_get(result)
        self._store_params(result.params)
        self.lower_bound_ = float(result.lower_bound)
        self._store_em_result(
            result,
            component_mass=self.weights_ * float(np.sum(weights)),
            floor="pseudo_count",
            warn_if_not_converged=True,
        )
        return self

    def _store_params(self, params: CategoricalMixtureParams) -> None:
        if not all(np.isfinite(np.asarray(leaf)).all() for leaf in jax.tree.leaves(params)):
            raise ValueError(
                "Fitting the mixture gave non-finite parameters; pass float64 data under "
                "jax_enable_x64, or increase pseudo_count"
            )
        self.weights_ = np.asarray(params.weights)
        self.log_probs_ = np.asarray(params.log_probs)
        self.probs_ = np.exp(self.log_probs_)

    # -- inference -------------------------------------------------------------------------
    def _params(self):
        return CategoricalMixtureParams(
            weights=jnp.asarray(self.weights_), log_probs=jnp.asarray(self.log_probs_)
        )

    def _log_joint(self, X):
        data, tokens, _ = _check_tokens_or_counts(X, num_categories=self.n_categories_)
        data = data if tokens else data.astype(self.log_probs_.dtype)
        return _log_joint_jit(
            self._params(), jnp.asarray(data), self.include_multinomial_coefficient
        )

    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None, total_count=None):
        """Draw ``(X, components [n])`` by ancestral sampling.

        Args:
            n_samples: how many samples.
            key: PRNG key; ``random_state`` by default.
            total_count: tokens per sample, an int or ``[n]`` ints. ``None``: one token per
                sample when fitted on tokens (``X`` is then tokens ``[n]``), otherwise
                ``total_count_``. Given, ``X`` is counts ``[n, V]``.
        """
        if not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        key = self._key(key)
        if total_count is None and self._tokens:
            tokens, labels = _sample_tokens_jit(self._params(), key, n_samples)
            return np.asarray(tokens), np.asarray(labels)
        total = np.asarray(self.total_count_ if total_count is None else total_count)
        if (
            total.dtype.kind not in "iuf"
            or total.shape not in ((), (n_samples,))
            or (total < 0).any()
            or (total != np.round(total)).any()
        ):
            raise ValueError(
                f"total_count={total_count!r}: pass a non-negative int or {n_samples} of them"
            )
        totals = np.broadcast_to(total, (n_samples,)).astype(self.log_probs_.dtype)
        counts, labels = _sample_counts_jit(self._params(), key, jnp.asarray(totals))
        return np.rint(np.asarray(counts)).astype(np.int64), np.asarray(labels)

    def _n_parameters(self) -> int:
        k, v = self.log_probs_.shape
        return k * (v - 1) + k - 1


@functools.partial(jax.jit, static_argnums=2)
def _log_joint_jit(params, data, include_multinomial_coefficient):
    return log_joint(params, data, include_multinomial_coefficient=include_multinomial_coefficient)


@functools.partial(jax.jit, static_argnums=2)
def _sample_tokens_jit(params, key, n_samples):
    label_key, token_key = jax.random.split(key)
    labels = jax.random.categorical(label_key, jnp.log(params.weights), shape=(n_samples,))
    return jax.random.categorical(token_key, params.log_probs[labels]), labels


@jax.jit
def _sample_counts_jit(params, key, totals):
    label_key, count_key = jax.random.split(key)
    labels = jax.random.categorical(label_key, jnp.log(params.weights), shape=totals.shape)
    probs = jnp.exp(params.log_probs[labels])
    return jax.random.multinomial(count_key, totals, probs, dtype=totals.dtype), labels
