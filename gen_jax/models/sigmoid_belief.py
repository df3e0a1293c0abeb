r"""The fully visible sigmoid belief network (FVSBN): a logistic autoregressive model of
binary vectors.

A Bayesian network over :math:`x \in \{0, 1\}^D` whose DAG is complete in the fixed order
:math:`1, \dots, D`, every conditional a logistic regression on the preceding bits:

.. math::
    p(x) = \prod_{i=1}^D p(x_i \mid x_{<i}), \qquad
    p(x_i = 1 \mid x_{<i}) = \sigma\Big(b_i + \sum_{j<i} W_{ij} x_j\Big),

with :math:`W` strictly lower triangular (:math:`D(D+1)/2` free parameters). All the
conditionals' logits come from one masked matrix product, :math:`\ell = x\,
\mathrm{tril}_{-1}(W)^\top + b`, so the log-likelihood
:math:`\sum_i x_i \ell_i - \operatorname{softplus}(\ell_i)` is exact and costs
:math:`O(D^2)` per example; there is no partition function. Sampling is sequential: bit
:math:`i` is drawn once bits :math:`< i` exist (a ``lax.scan`` over :math:`i`).
Training maximises the log-likelihood by gradient ascent (:func:`make_fvsbn_step`, a Step).

References:
    Frey (1998), Graphical Models for Machine Learning and Digital Communication, MIT Press
    (the fully visible sigmoid belief network).
    Neal (1992), Connectionist learning of belief networks, Artificial Intelligence 56.
    Bengio & Bengio (2000), Modeling high-dimensional discrete data with multi-layer neural
    networks, NIPS 12.
    Larochelle & Murray (2011), The neural autoregressive distribution estimator, AISTATS
    (the FVSBN as a baseline).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.core.optim import apply_optimizer
from gen_jax.core.state import TrainState, zero_step
from gen_jax.core.step import Step
from gen_jax.losses.likelihoods import bernoulli_log_prob

__all__ = [
    "FullyVisibleSigmoidBeliefNet",
    "fvsbn_log_prob",
    "fvsbn_logits",
    "fvsbn_sample",
    "init_fvsbn_params",
    "make_fvsbn_step",
]


def init_fvsbn_params(
    key: jax.Array, num_visible: int, *, scale: float = 0.01, dtype=jnp.float32
) -> dict[str, jax.Array]:
    """``{"weights": [D, D], "bias": [D]}``: weights ~ N(0, scale²), bias 0.

    Only the strictly lower triangle of ``weights`` is used (and receives gradients).
    """
    if not isinstance(num_visible, int) or num_visible < 1:
        raise ValueError(f"num_visible={num_visible!r}: must be an int >= 1")
    weights = scale * jax.random.normal(key, (num_visible, num_visible), dtype)
    return {"weights": jnp.tril(weights, -1), "bias": jnp.zeros((num_visible,), dtype)}


def fvsbn_logits(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    r"""``[*b, D]`` conditional logits :math:`\ell_i = b_i + \sum_{j<i} W_{ij} x_j`.

    Args:
        params: ``{"weights": [D, D], "bias": [D]}``.
        x: ``[*b, D]`` binary vectors (floats).
    """
    masked = jnp.tril(params["weights"], -1)
    return x @ masked.T + params["bias"]


def fvsbn_log_prob(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    """``[*b]`` exact :math:`\\log p(x)` of binary vectors ``x`` ``[*b, D]``."""
    return bernoulli_log_prob(fvsbn_logits(params, x), x)


def fvsbn_sample(params: dict[str, jax.Array], key: jax.Array, num_samples: int) -> jax.Array:
    """``[num_samples, D]`` exact samples, bit by bit in the model's order (``lax.scan``).

    Args:
        params: ``{"weights": [D, D], "bias": [D]}``.
        key: PRNG key.
        num_samples: how many vectors (static).
    """
    weights, bias = jnp.tril(params["weights"], -1), params["bias"]
    num_visible = bias.shape[0]

    def draw(x, inputs):
        i, bit_key = inputs
        # Bits >= i are still zero, and row i of the masked weights ignores them anyway.
        logits = x @ weights[i] + bias[i]
        bit = jax.random.bernoulli(bit_key, jax.nn.sigmoid(logits)).astype(x.dtype)
        return x.at[:, i].set(bit), None

    x = jnp.zeros((num_samples, num_visible), bias.dtype)
    keys = jax.random.split(key, num_visible)
    x, _ = jax.lax.scan(draw, x, (jnp.arange(num_visible), keys))
    return x


def make_fvsbn_step(
    optimizer: optax.GradientTransformation,
    *,
    l2_penalty: float = 0.0,
    init_scale: float = 0.01,
    data_key: str = "x",
) -> Step:
    r"""A Step of maximum-likelihood (or, with ``l2_penalty``, MAP) training of an FVSBN.

    The objective minimised is
    :math:`-\frac1B \sum_n \log p(x_n) + \lambda \lVert \mathrm{tril}_{-1}(W) \rVert^2`.
    The batch is a dict whose ``data_key`` entry is ``[B, D]`` binary floats. The state is a
    :class:`~gen_jax.core.state.TrainState`; metrics: ``loss``, ``log_likelihood`` (mean
    per example, nats) and ``grad_norm``. The key is unused (the gradient is exact).
    """
    if not l2_penalty >= 0:
        raise ValueError(f"l2_penalty={l2_penalty!r}: must be a number >= 0")

    def init(key: jax.Array, batch) -> TrainState:
        x = _batch_array(batch, data_key)
        dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else jnp.float32
        params = init_fvsbn_params(key, x.shape[1], scale=init_scale, dtype=dtype)
        return TrainState(step=zero_step(), params=params, opt_state=optimizer.init(params))

    def objective(params, x):
        log_likelihood = jnp.mean(fvsbn_log_prob(params, x))
        penalty = l2_penalty * jnp.sum(jnp.square(jnp.tril(params["weights"], -1)))
        return penalty - log_likelihood, log_likelihood

    def update(state: TrainState, batch, key: jax.Array):
        del key
        x = _batch_array(batch, data_key).astype(state.params["bias"].dtype)
        (loss, log_likelihood), grads = jax.value_and_grad(objective, has_aux=True)(state.params, x)
        params, opt_state = apply_optimizer(optimizer, grads, state.opt_state, state.params)
        metrics = {
            "loss": loss,
            "log_likelihood": log_likelihood,
            "grad_norm": optax.tree.norm(grads),
        }
        return state.replace(step=state.step + 1, params=params, opt_state=opt_state), metrics

    return Step(init=init, update=update)


def _batch_array(batch, data_key: str) -> jax.Array:
    if data_key not in batch:
        raise KeyError(
            f"batch has keys {sorted(batch)}; make_fvsbn_step(data_key=...) expects {data_key!r}"
        )
    x = batch[data_key]
    if x.ndim != 2:
        raise ValueError(f"batch[{data_key!r}] has shape {x.shape}; pass [batch, num_visible]")
    return x


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


class FullyVisibleSigmoidBeliefNet:
    """The FVSBN as an estimator: ``fit`` by full-batch Adam, exact ``score_samples``,
    sequential ``sample``.

    Args:
        learning_rate: Adam's step size.
        max_iter: full-batch gradient steps (run as one jitted ``lax.scan``).
        l2_penalty: :math:`\\lambda`, the weights' Gaussian-prior penalty.
        init_scale: standard deviation of the initial weights.
        random_state: seed used when ``fit``/``sample`` get no ``key``.

    Attributes (after ``fit``):
        params_: ``{"weights": [D, D] (strictly lower triangular), "bias": [D]}``.
        weights_, bias_: numpy copies. n_features_in_: ``D``.
        log_likelihood_history_: ``[max_iter]`` mean log-likelihood before each step.
    """

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

    def fit(self, x, *, key: jax.Array | None = None) -> FullyVisibleSigmoidBeliefNet:
        """Maximise the mean log-likelihood of ``x`` ``[N, D]`` (0/1); returns ``self``."""
        data = self._check_x(x)
        key = jax.random.key(self.random_state) if key is None else key
        params, history = _fit(
            key,
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

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError("this FullyVisibleSigmoidBeliefNet is not fitted; call fit(X)")

    def score_samples(self, x) -> np.ndarray:
        """``[N]`` exact log-probability (nats) of each row of ``x``."""
        self._check_fitted()
        data = self._check_x(x, num_features=self.n_features_in_)
        return np.asarray(_log_prob(self.params_, data))

    def score(self, x) -> float:
        """Mean log-likelihood per row."""
        return float(np.mean(self.score_samples(x)))

    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None) -> np.ndarray:
        """``[n_samples, D]`` int 0/1 vectors drawn sequentially."""
        self._check_fitted()
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        key = jax.random.key(self.random_state) if key is None else key
        return np.asarray(_sample(self.params_, key, n_samples)).astype(np.int64)
