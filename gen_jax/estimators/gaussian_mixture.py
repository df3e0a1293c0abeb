"""``GaussianMixture``: a scikit-learn-style estimator over the on-device EM fit.

The whole fit, ``n_init`` restarts included, is one jitted call: restarts are vmapped
and each runs EM to convergence in a ``lax.while_loop``. The data are sharded over every
visible device (padded with zero-weight rows to a multiple of the device count), so the
E-step statistics are summed across devices by the compiler.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.em import EMResult, best_of_restarts, fit_em
from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import Estimator, MixtureMixin, requires_fit
from gen_jax.estimators.validation import check_matrix, check_sample_weight
from gen_jax.models.mixture.gaussian import (
    GaussianMixtureEM,
    GaussianMixtureParams,
    covariances_from_precisions_cholesky,
    log_joint,
)
from gen_jax.models.mixture.kmeans import kmeans_plusplus, lloyd

INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")


def _as_jax_float(x: np.ndarray) -> np.ndarray:
    """Float64 data stay float64 only under ``jax_enable_x64``; otherwise float32."""
    return x.astype(jax.dtypes.canonicalize_dtype(x.dtype), copy=False)


def _initial_responsibilities(key, x, weights, num_components, method):
    if method == "random":
        resp = jax.random.uniform(key, (x.shape[0], num_components), x.dtype)
        return resp / jnp.sum(resp, axis=1, keepdims=True)
    if method == "random_from_data":
        chosen = jax.random.choice(
            key, x.shape[0], (num_components,), replace=False, p=weights / jnp.sum(weights)
        )
        return (
            jnp.zeros((x.shape[0], num_components), x.dtype)
            .at[chosen, jnp.arange(num_components)]
            .set(1.0)
        )
    filled = jnp.where(jnp.isnan(x), jnp.nanmean(x, axis=0), x)
    centers = kmeans_plusplus(filled, num_components, key=key, weights=weights)
    if method == "kmeans":
        _, labels = lloyd(filled, centers, weights=weights)
    else:
        labels = jnp.argmin(jnp.sum((filled[:, None] - centers[None]) ** 2, axis=2), axis=1)
    return jax.nn.one_hot(labels, num_components, dtype=x.dtype)


def _initial_params(key, x, weights, user, model, num_components, method):
    resp = _initial_responsibilities(key, x, weights, num_components, method)
    params = model.m_step(model.statistics(x, resp, weights))
    if user["weights"] is not None:
        params = params.replace(weights=user["weights"])
    if user["means"] is not None:
        params = params.replace(means=user["means"])
    if user["precisions_cholesky"] is not None:
        params = params.replace(
            precisions_cholesky=user["precisions_cholesky"],
            covariances=covariances_from_precisions_cholesky(
                user["precisions_cholesky"], model.covariance_type
            ),
        )
    return params


@functools.partial(jax.jit, static_argnames=("model", "num_components", "method"))
def _initialise(x, weights, key, user, *, model, num_components, method):
    return _initial_params(key, x, weights, user, model, num_components, method)


@functools.partial(jax.jit, static_argnames=("model", "num_components", "method", "max_iter"))
def _fit_restarts(x, weights, keys, user, tol, *, model, num_components, method, max_iter):
    def one_restart(key):
        params = _initial_params(key, x, weights, user, model, num_components, method)
        return fit_em(model, params, x, weights=weights, tol=tol, max_iter=max_iter)

    return best_of_restarts(jax.vmap(one_restart)(keys))


def _precisions_cholesky_from_precisions(precisions, covariance_type):
    if covariance_type in ("diag", "spherical"):
        return np.sqrt(np.where(precisions > 0, precisions, np.nan))
    if covariance_type == "tied":
        return np.linalg.cholesky(precisions)
    return np.stack([np.linalg.cholesky(p) for p in precisions])


def _covariance_shape(covariance_type, k, d):
    return {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}[covariance_type]


class GaussianMixture(MixtureMixin, Estimator):
    """Gaussian mixture fitted by EM, with scikit-learn's constructor and attributes.

    Args:
        n_components: number of mixture components ``K``.
        covariance_type: ``"full"``, ``"tied"``, ``"diag"`` (treats NaN as missing) or
            ``"spherical"``.
        tol: stop when the mean log-likelihood per sample changes by less than this.
        reg_covar: non-negative floor added to every variance.
        max_iter: the most EM iterations per restart; 0 keeps the initial parameters
            (``n_iter_ = 0``, ``lower_bound_ = -inf``, as scikit-learn).
        n_init: restarts (run in parallel with vmap); the best lower bound is kept.
        init_params: ``"kmeans"`` (k-means++ then Lloyd), ``"k-means++"``, ``"random"``
            (random responsibilities) or ``"random_from_data"``.
        weights_init: ``[K]`` initial weights.
        means_init: ``[K, D]`` initial means.
        precisions_init: initial precision matrices, shaped like the covariances.
        random_state: int seed, ``None``, a numpy ``RandomState``/``Generator`` or a JAX
            key, used when ``fit`` or ``sample`` get no ``key``
            (:func:`~gen_jax.estimators.base.key_from_random_state`).
        warm_start: a second ``fit`` starts from the fitted parameters (one start, ``n_init``
            ignored), as scikit-learn; convergence is judged from its second iteration on.
        verbose: 1 prints each start's iterations and outcome, 2 adds the change of the
            lower bound, in scikit-learn's format; printed after the jitted fit returns.
        verbose_interval: iterations between those lines.

    Attributes (after ``fit``):
        weights_, means_, covariances_, precisions_, precisions_cholesky_: numpy arrays in
            the input's float dtype.
        converged_, n_iter_, lower_bound_, lower_bounds_: as in scikit-learn
            (``lower_bounds_`` the mean log-likelihood of each iteration of the kept start).
        log_likelihood_history_: ``[n_iter_]`` the same as ``lower_bounds_``.
    """

    _fitted_attributes = ("weights_",)
    _accepts_sparse = True  # made dense

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state: int = 0,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ):
        if not isinstance(n_components, int) or n_components < 1:
            raise ValueError(f"n_components={n_components!r}: must be an int >= 1")
        if init_params not in INIT_METHODS:
            raise ValueError(f"init_params={init_params!r}; choose one of {INIT_METHODS}")
        for name, value, least in (
            ("tol", tol, 0),
            ("max_iter", max_iter, 0),
            ("n_init", n_init, 1),
            ("verbose_interval", verbose_interval, 1),
        ):
            if not value >= least:
                raise ValueError(f"{name}={value!r}: must be >= {least}")
        GaussianMixtureEM(covariance_type, reg_covar)  # validates both
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol, self.reg_covar, self.max_iter, self.n_init = tol, reg_covar, max_iter, n_init
        self.init_params = init_params
        self.weights_init, self.means_init = weights_init, means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start, self.verbose, self.verbose_interval = warm_start, verbose, verbose_interval

    @property
    def model(self) -> GaussianMixtureEM:
        """The :class:`~gen_jax.models.mixture.gaussian.GaussianMixtureEM` fitted by EM."""
        return GaussianMixtureEM(self.covariance_type, self.reg_covar)

    # -- fitting ---------------------------------------------------------------------------
    def _user_arrays(self, num_features, dtype, shift):
        k, d = self.n_components, num_features
        if self._warm():
            return {
                "weights": self.weights_.astype(dtype),
                "means": (self.means_ - shift).astype(dtype),
                "precisions_cholesky": self.precisions_cholesky_.astype(dtype),
            }
        user = {"weights": None, "means": None, "precisions_cholesky": None}
        if self.weights_init is not None:
            weights = np.asarray(self.weights_init, dtype)
            if weights.shape != (k,) or (weights < 0).any() or abs(weights.sum() - 1) > 1e-6:
                raise ValueError(
                    f"weights_init must be {k} non-negative numbers summing to 1; got shape "
                    f"{weights.shape} summing to {weights.sum():.6g}"
                )
            user["weights"] = weights
        if self.means_init is not None:
            means = np.asarray(self.means_init, dtype)
            if means.shape != (k, d):
                raise ValueError(f"means_init has shape {means.shape}; expected ({k}, {d})")
            user["means"] = means - shift
        if self.precisions_init is not None:
            precisions = np.asarray(self.precisions_init, np.float64)
            expected = _covariance_shape(self.covariance_type, k, d)
            if precisions.shape != expected:
                raise ValueError(
                    f"precisions_init has shape {precisions.shape}; expected "
                    f"{expected} for covariance_type={self.covariance_type!r}"
                )
            try:
                factor = _precisions_cholesky_from_precisions(precisions, self.covariance_type)
            except np.linalg.LinAlgError:
                factor = np.full(expected, np.nan)
            if not np.isfinite(factor).all():
                raise ValueError("precisions_init must be positive (definite)")
            user["precisions_cholesky"] = factor.astype(dtype)
        return user

    def _warm(self) -> bool:
        """Whether ``fit`` continues from the fitted parameters (``warm_start``)."""
        return bool(self.warm_start) and getattr(self, "weights_", None) is not None

    def fit(self, X, y=None, *, sample_weight=None, key: jax.Array | None = None):
        """Fit by EM from ``n_init`` starts; returns ``self``.

        Args:
            X: ``[N, D]`` data; NaN marks a missing entry (``covariance_type="diag"`` only).
            y: ignored (scikit-learn compatibility).
            sample_weight: ``[N]`` non-negative weights.
            key: PRNG key for initialisation; ``random_state`` by default.
        """
        checked = check_matrix(X, allow_nan=self.covariance_type == "diag")
        x = _as_jax_float(checked)
        if np.isnan(x).all(axis=0).any():
            raise ValueError("X has a feature with no observed value; drop that column")
        weights = check_sample_weight(sample_weight, x.shape[0], x.dtype)
        if np.count_nonzero(weights) < self.n_components:
            raise ValueError(
                f"n_components={self.n_components} but X has only "
                f"{np.count_nonzero(weights)} samples (with non-zero weight); use at most "
                "that many components"
            )
        shift = np.nansum(x * weights[:, None], 0) / np.sum(weights * ~np.isnan(x).T, 1)
        user = self._user_arrays(x.shape[1], x.dtype, shift)
        x_sharded, w_sharded = pad_and_shard(x - shift, weights)
        statics = dict(model=self.model, num_components=self.n_components, method=self.init_params)
        n_init = 1 if self._warm() else self.n_init
        if self.max_iter == 0:
            params = _initialise(x_sharded, w_sharded, self._key(key), user, **statics)
            self._store_params(jax.device_get(params), shift, checked.dtype)
            self.n_iter_, self.converged_, self.lower_bound_ = 0, False, -np.inf
            self.lower_bounds_ = self.log_likelihood_history_ = np.zeros(0, checked.dtype)
            return self
        result: EMResult = _fit_restarts(
            x_sharded,
            w_sharded,
            jax.random.split(self._key(key), n_init),
            user,
            jnp.asarray(self.tol, x.dtype),
            max_iter=self.max_iter,
            **statics,
        )
        result = jax.device_get(result)
        self._store_params(result.params, shift, checked.dtype)
        self.lower_bound_ = float(result.lower_bound)
        self._store_em_result(
            result,
            component_mass=self.weights_ * np.sum(weights),
            floor="reg_covar",
            warn_if_not_converged=True,
        )
        self.log_likelihood_history_ = self.log_likelihood_history_.astype(checked.dtype)
        self.lower_bounds_ = self.log_likelihood_history_
        self._print_progress()
        return self

    def _print_progress(self) -> None:
        """scikit-learn's ``verbose`` lines for the kept start, from ``lower_bounds_``."""
        if not self.verbose:
            return
        print("Initialization 0")
        changes = np.diff(self.lower_bounds_, prepend=-np.inf)
        for iteration in range(self.verbose_interval, self.n_iter_ + 1, self.verbose_interval):
            change = f"\t ll change {changes[iteration - 1]:.5f}" if self.verbose >= 2 else ""
            print(f"  Iteration {iteration}{change}")
        outcome = "converged" if self.converged_ else "did not converge"
        bound = f"\t lower bound {self.lower_bound_:.5f}." if self.verbose >= 2 else ""
        print(f"Initialization {outcome}.{bound}")

    def _store_params(self, params: GaussianMixtureParams, shift, dtype) -> None:
        arrays = [np.asarray(leaf) for leaf in jax.tree.leaves(params)]
        if not all(np.isfinite(a).all() for a in arrays):
            raise ValueError(
                "Fitting the mixture failed: some components have ill-defined covariance "
                "(singleton or collapsed samples). Decrease n_components, increase reg_covar, "
                "scale the data, or pass float64 data."
            )
        self.n_features_in_ = params.means.shape[1]
        self.weights_ = np.asarray(params.weights, dtype)
        self.means_ = (np.asarray(params.means) + shift).astype(dtype)
        self.covariances_ = np.asarray(params.covariances, dtype)
        self.precisions_cholesky_ = np.asarray(params.precisions_cholesky, dtype)
        self.precisions_ = covariances_precisions(self.precisions_cholesky_, self.covariance_type)

    # -- inference -------------------------------------------------------------------------
    def _params(self):
        dtype = jax.dtypes.canonicalize_dtype(self.means_.dtype)
        return GaussianMixtureParams(
            weights=jnp.asarray(self.weights_, dtype),
            means=jnp.asarray(self.means_, dtype),
            covariances=jnp.asarray(self.covariances_, dtype),
            precisions_cholesky=jnp.asarray(self.precisions_cholesky_, dtype),
        )

    def _log_joint(self, X):
        x = check_matrix(X, allow_nan=self.covariance_type == "diag")
        if x.shape[1] != self.means_.shape[1]:
            raise ValueError(
                f"X has {x.shape[1]} features, but GaussianMixture is expecting "
                f"{self.means_.shape[1]} features as input"
            )
        params = self._params()
        return _log_joint_jit(params, jnp.asarray(x, params.means.dtype), self.covariance_type)

    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None):
        """Draw ``(X [n, D], components [n])`` by ancestral sampling.

        The draw is made for ``n`` rounded up to a power of two and cut, so that one
        program per power of two is compiled, not one per ``n``.
        """
        if not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        padded = 1 << (n_samples - 1).bit_length()
        x, labels = _sample_jit(self._params(), self._key(key), padded, self.covariance_type)
        return np.asarray(x, self.means_.dtype)[:n_samples], np.asarray(labels)[:n_samples]

    def _n_parameters(self) -> int:
        k, d = self.means_.shape
        covariance = {
            "full": k * d * (d + 1) // 2,
            "tied": d * (d + 1) // 2,
            "diag": k * d,
            "spherical": k,
        }[self.covariance_type]
        return covariance + k * d + k - 1


def covariances_precisions(precisions_cholesky, covariance_type):
    """Precision matrices from their Cholesky factors (scikit-learn's ``precisions_``)."""
    if covariance_type in ("diag", "spherical"):
        return precisions_cholesky**2
    if covariance_type == "tied":
        return precisions_cholesky @ precisions_cholesky.T
    return np.einsum("kij,klj->kil", precisions_cholesky, precisions_cholesky)


_log_joint_jit = jax.jit(log_joint, static_argnums=2)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _sample_jit(params, key, n_samples, covariance_type):
    label_key, noise_key = jax.random.split(key)
    labels = jax.random.categorical(label_key, jnp.log(params.weights), shape=(n_samples,))
    noise = jax.random.normal(noise_key, (n_samples, params.means.shape[1]), params.means.dtype)
    means = params.means[labels]
    if covariance_type == "full":
        scale = jnp.linalg.cholesky(params.covariances)[labels]
        return means + jnp.einsum("nde,ne->nd", scale, noise), labels
    if covariance_type == "tied":
        return means + noise @ jnp.linalg.cholesky(params.covariances).T, labels
    if covariance_type == "diag":
        return means + noise * jnp.sqrt(params.covariances[labels]), labels
    return means + noise * jnp.sqrt(params.covariances[labels])[:, None], labels
