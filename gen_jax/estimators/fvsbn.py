"""``FullyVisibleSigmoidBeliefNet``: the FVSBN as a scikit-learn-style estimator.

The math is in :mod:`gen_jax.models.autoregressive.fvsbn`, the training Step in
:mod:`gen_jax.algorithms.fvsbn`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
from sklearn.base import DensityMixin

from gen_jax.algorithms.fvsbn import make_fvsbn_step
from gen_jax.estimators.base import Estimator, requires_fit
from gen_jax.models.autoregressive.fvsbn import fvsbn_log_prob, fvsbn_sample


@functools.partial(
    jax.jit, static_argnames=("learning_rate", "l2_penalty", "init_scale", "num_steps")
)
def _fit(key, x, *, learning_rate, l2_penalty, init_scale, num_steps):
    """Initialise, then ``num_steps`` full-batch Adam updates in one ``lax.scan``; returns
    the parameters and the per-step mean log-likelihood (before each update)."""
    step = make_fvsbn_step(optax.adam(learning_rate), l2_penalty=l2_penalty, init_scale=init_scale)
    batch = {"x": x}

    def body(state, step_key):
        state, metrics = step.update(state, batch, step_key)
        return state, metrics["log_likelihood"]

    state, history = jax.lax.scan(body, step.init(key, batch), jax.random.split(key, num_steps))
    return state.params, history


_log_prob = jax.jit(fvsbn_log_prob)
_sample = jax.jit(fvsbn_sample, static_argnums=2)


class FullyVisibleSigmoidBeliefNet(DensityMixin, Estimator):
    """The FVSBN as an estimator: ``fit`` by full-batch Adam, exact ``score_samples``,
    sequential ``sample``.

    Args:
        learning_rate: Adam's step size.
        max_iter: full-batch gradient steps (run as one jitted ``lax.scan``).
        l2_penalty: :math:`\\lambda`, the weights' Gaussian-prior penalty.
        init_scale: standard deviation of the initial weights.
        random_state: int seed, ``None`` or a JAX key, used when ``fit`` or ``sample`` get
            no ``key``.

    Attributes (after ``fit``):
        params_: ``{"weights": [D, D] (strictly lower triangular), "bias": [D]}``.
        weights_, bias_: numpy copies. n_features_in_: ``D``.
        log_likelihood_history_: ``[max_iter]`` mean log-likelihood before each step.
    """

    _fitted_attributes = ("params_",)

    def __init__(
        self,
        *,
        learning_rate: float = 0.05,
        max_iter: int = 500,
        l2_penalty: float = 0.0,
        init_scale: float = 0.01,
        random_state: int = 0,
    ):
        if not (learning_rate > 0 and np.isfinite(learning_rate)):
            raise ValueError(f"learning_rate={learning_rate!r}: must be a positive number")
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
            raise ValueError(f"max_iter={max_iter!r}: must be an int >= 1")
        if not (l2_penalty >= 0 and np.isfinite(l2_penalty)):
            raise ValueError(f"l2_penalty={l2_penalty!r}: must be a finite number >= 0")
        self.learning_rate, self.max_iter = learning_rate, max_iter
        self.l2_penalty, self.init_scale = l2_penalty, init_scale
        self.random_state = random_state

    def _check_x(self, x, *, name: str = "X", num_features: int | None = None) -> jax.Array:
        array = np.asarray(x)
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
            raise ValueError(
                f"{name} has shape {array.shape}; pass a non-empty [n_samples, n_features] array "
                "of 0/1 values"
            )
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} has dtype {array.dtype}; pass numbers 0 and 1")
        if not np.isin(array, (0, 1)).all():
            bad = np.unique(array[~np.isin(array, (0, 1))])[:5]
            raise ValueError(
                f"{name} holds {bad.tolist()}; an FVSBN models binary vectors: pass 0/1 values "
                "(threshold or sample grey levels first)"
            )
        if num_features is not None and array.shape[1] != num_features:
            raise ValueError(
                f"{name} has {array.shape[1]} features but the model was fitted on {num_features}"
            )
        return jnp.asarray(array, jax.dtypes.canonicalize_dtype(np.float64))

    def fit(self, x, y=None, *, key: jax.Array | None = None) -> FullyVisibleSigmoidBeliefNet:
        """Maximise the mean log-likelihood of ``x`` ``[N, D]`` (0/1); returns ``self`` (``y``
        is ignored, for scikit-learn)."""
        data = self._check_x(x)
        params, history = _fit(
            self._key(key),
            data,
            learning_rate=float(self.learning_rate),
            l2_penalty=float(self.l2_penalty),
            init_scale=float(self.init_scale),
            num_steps=self.max_iter,
        )
        self.params_ = params
        self.weights_ = np.asarray(jnp.tril(params["weights"], -1))
        self.bias_ = np.asarray(params["bias"])
        self.n_features_in_ = data.shape[1]
        self.log_likelihood_history_ = np.asarray(history)
        return self

    @requires_fit
    def score_samples(self, x) -> np.ndarray:
        """``[N]`` exact log-probability (nats) of each row of ``x``."""
        data = self._check_x(x, num_features=self.n_features_in_)
        return np.asarray(_log_prob(self.params_, data))

    @requires_fit
    def score(self, x, y=None) -> float:
        """Mean log-likelihood per row."""
        return float(np.mean(self.score_samples(x)))

    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None) -> np.ndarray:
        """``[n_samples, D]`` int 0/1 vectors drawn sequentially."""
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        return np.asarray(_sample(self.params_, self._key(key), n_samples)).astype(np.int64)
