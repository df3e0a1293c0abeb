"""``BernoulliRBM``: scikit-learn's estimator over the on-device PCD/CD fit.

The whole ``fit`` (every epoch and minibatch) is one jitted ``lax.scan``, each epoch's
random numbers drawn in one call. Minibatches are
scikit-learn's: ``ceil(N / batch_size)`` consecutive slices of ``batch_size`` rows in the
data's given order (no shuffling), the short last one padded with zero-weight rows. The
update is scikit-learn's stochastic maximum likelihood (PCD-1 with ``batch_size``
persistent chains, plain SGD), generalised to ``num_gibbs_steps = k`` and to CD-k
(``persistent=False``). One deliberate difference: scikit-learn divides the negative
statistics of its ``batch_size`` chains by the (possibly smaller) number of rows in a
short batch; here each phase is a mean over its own rows.

Beyond scikit-learn: ``sample`` (long Gibbs chains), ``log_partition`` (annealed
importance sampling) and ``log_likelihood``; ``score_samples`` is the exact
pseudo-log-likelihood (scikit-learn's is a one-random-flip estimate of it).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.contrastive import contrastive_gradients, draw_gibbs_noise
from gen_jax.estimators.base import (
    Estimator,
    TransformerOutMixin,
    key_from_random_state,
    requires_fit,
)
from gen_jax.estimators.validation import check_matrix
from gen_jax.models.boltzmann import rbm
from gen_jax.models.boltzmann.ais import base_rate_visible_bias, rbm_ais_log_partition


def check_binary(x: np.ndarray, *, name: str = "X", allow_fractional: bool = False) -> None:
    """Raise a ``ValueError`` naming the first offending row unless ``x`` is binary.

    With ``allow_fractional``, any value in ``[0, 1]`` is accepted (a probability).
    """
    outside = (x < 0) | (x > 1)
    if outside.any():
        row, column = (int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"{name} has value {float(x[row, column])!r} at row {row}, column {column}; a "
            f"Bernoulli RBM models binary data in {{0, 1}}: scale it to [0, 1] (e.g. {name} / "
            f"{name}.max()) and binarize ({name} > 0.5)"
        )
    fractional = (x != 0) & (x != 1)
    if not allow_fractional and fractional.any():
        row, column = (int(i) for i in np.argwhere(fractional)[0])
        raise ValueError(
            f"{name} has the non-binary value {float(x[row, column])!r} at row {row}, column "
            f"{column}; binarize it ({name} > 0.5), or pass allow_fractional=True to treat "
            "values in [0, 1] as probabilities, as scikit-learn does"
        )


def even_batches(num_samples: int, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``fit`` minibatches as padded index and weight arrays.

    scikit-learn slices ``gen_even_slices(n_batches * batch_size, n_batches,
    n_samples=N)``: consecutive rows, ``batch_size`` per batch, the last one shorter.

    Returns:
        ``(indices [n_batches, batch_size] int, weights [n_batches, batch_size])`` with
        ``n_batches = ceil(N / batch_size)``; padding rows point at row 0 with weight 0.
    """
    num_batches = -(-num_samples // batch_size)
    positions = np.arange(num_batches * batch_size).reshape(num_batches, batch_size)
    valid = positions < num_samples
    return np.where(valid, positions, 0), valid.astype(np.float64)


@functools.partial(
    jax.jit,
    static_argnames=("num_epochs", "num_gibbs_steps", "persistent"),
    donate_argnames=("params", "chains"),
)
def _train(
    params, chains, batches, weights, key, first_epoch, learning_rate, *, num_epochs,
    num_gibbs_steps, persistent,
):  # fmt: skip
    """``num_epochs`` passes of SGD over ``batches [n, B, V]``.

    Returns ``(params, chains, history)``, ``history [num_epochs]`` being the weighted
    mean free energy of all the data after each epoch.
    """
    num_batches = batches.shape[0]

    def one_batch(carry, inputs):
        params, chains = carry
        x, w, noise = inputs
        grads, next_chains, _ = contrastive_gradients(
            params,
            x,
            noise=noise,
            chains=chains if persistent else None,
            num_gibbs_steps=num_gibbs_steps,
            data_weights=w,
            with_metrics=False,
        )
        params = jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)
        return (params, next_chains if persistent else chains), None

    def one_epoch(carry, epoch):
        # All of an epoch's random numbers in one draw: far cheaper than per-step draws.
        noise = draw_gibbs_noise(
            jax.random.fold_in(key, first_epoch + epoch),
            (num_batches, chains.shape[0] if persistent else batches.shape[1]),
            num_gibbs_steps=num_gibbs_steps,
            num_visible=batches.shape[2],
            num_hidden=chains.shape[1],
            dtype=batches.dtype,
        )
        carry, _ = jax.lax.scan(one_batch, carry, (batches, weights, noise), unroll=4)
        free = rbm.free_energy(carry[0], batches)
        return carry, jnp.sum(free * weights) / jnp.sum(weights)

    (params, chains), history = jax.lax.scan(
        one_epoch, (params, chains), jnp.arange(num_epochs, dtype=jnp.int32)
    )
    return params, chains, history


_transform = jax.jit(rbm.hidden_probabilities)
_pseudo_log_likelihood = jax.jit(rbm.pseudo_log_likelihood)
_free_energy = jax.jit(rbm.free_energy)


@jax.jit
def _gibbs(params, v, key):
    return rbm.gibbs_step(params, v, key=key)


@functools.partial(jax.jit, static_argnames=("num_samples", "num_steps"))
def _sample(params, key, *, num_samples, num_steps):
    start_key, chain_key = jax.random.split(key)
    shape = (num_samples, params.num_visible)
    v = jax.random.bernoulli(start_key, 0.5, shape).astype(params.weights.dtype)
    return rbm.gibbs_chain(params, v, key=chain_key, num_steps=num_steps)


class BernoulliRBM(TransformerOutMixin, Estimator):
    """Bernoulli RBM with scikit-learn's constructor, methods and fitted attributes.

    Args:
        n_components: number of hidden units ``H``.
        learning_rate: SGD step size (scikit-learn's; use 0.01-0.1).
        batch_size: rows per minibatch, and the number of persistent chains.
        n_iter: epochs over the data in ``fit``.
        verbose: print the mean free energy of the data after each epoch (after ``fit``).
        random_state: int seed, ``None`` (fresh entropy) or a JAX key: the root of the keys
            used when no ``key`` is passed, each call drawing the next one.
        num_gibbs_steps: Gibbs sweeps ``k`` per update (scikit-learn: 1).
        persistent: PCD (scikit-learn) when True, CD-k from the data when False.
        allow_fractional: accept values in ``[0, 1]`` as probabilities (scikit-learn's
            habit with grey-level images); by default data must be binary.

    Attributes (after ``fit``; settable, e.g. to start from given parameters):
        components_: ``[H, V]`` weights (scikit-learn's layout).
        intercept_visible_: ``[V]`` visible biases.
        intercept_hidden_: ``[H]`` hidden biases.
        h_samples_: ``[batch_size, H]`` persistent hidden chains.
        n_features_in_: ``V``.
        free_energy_history_: ``[n_iter]`` mean free energy of ``X`` after each epoch.
    """

    _fitted_attributes = ("components_",)
    _accepts_sparse = True  # made dense

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 10,
        n_iter: int = 10,
        verbose: int = 0,
        random_state: int | None = None,
        num_gibbs_steps: int = 1,
        persistent: bool = True,
        allow_fractional: bool = False,
    ):
        for name, value in (
            ("n_components", n_components),
            ("batch_size", batch_size),
            ("n_iter", n_iter),
            ("num_gibbs_steps", num_gibbs_steps),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r}: must be an int >= 1")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate={learning_rate!r}: must be > 0")
        self.n_components, self.learning_rate = n_components, learning_rate
        self.batch_size, self.n_iter, self.verbose = batch_size, n_iter, verbose
        self.random_state = random_state
        self.num_gibbs_steps, self.persistent = num_gibbs_steps, persistent
        self.allow_fractional = allow_fractional

    # -- validation and parameters --------------------------------------------------------
    def _check_data(self, X, *, name: str = "X", fitted: bool = True) -> np.ndarray:
        x = check_matrix(X, name=name)
        x = x.astype(jax.dtypes.canonicalize_dtype(x.dtype), copy=False)
        check_binary(x, name=name, allow_fractional=self.allow_fractional)
        if fitted and hasattr(self, "components_") and x.shape[1] != self.components_.shape[1]:
            raise ValueError(
                f"{name} has {x.shape[1]} features but this RBM has "
                f"{self.components_.shape[1]} visible units; pass [n_samples, "
                f"{self.components_.shape[1]}]"
            )
        return x

    @requires_fit
    def to_params(self) -> rbm.RBMParams:
        """The fitted attributes as ``RBMParams`` (weights ``components_.T``), for ``rbm.*``."""
        weights = np.asarray(self.components_)
        dtype = jax.dtypes.canonicalize_dtype(weights.dtype)
        h, v = weights.shape
        for name, shape in (("intercept_visible_", (v,)), ("intercept_hidden_", (h,))):
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(
                    f"{name} has shape {np.shape(getattr(self, name))} but components_ is "
                    f"{weights.shape}; set {name} with shape {shape}"
                )
        return rbm.RBMParams(
            weights=jnp.asarray(weights.T, dtype),
            visible_bias=jnp.asarray(self.intercept_visible_, dtype),
            hidden_bias=jnp.asarray(self.intercept_hidden_, dtype),
        )

    def _store(self, params: rbm.RBMParams, chains) -> None:
        self.components_ = np.asarray(params.weights).T.copy()
        self.intercept_visible_ = np.asarray(params.visible_bias)
        self.intercept_hidden_ = np.asarray(params.hidden_bias)
        self.h_samples_ = np.asarray(chains)

    def _key(self, key):
        """``key`` if given, else the next key of a stream rooted at ``random_state``, so
        that successive calls differ (as with scikit-learn's ``RandomState``)."""
        if key is not None:
            return key
        if not hasattr(self, "_root_key"):
            self._root_key, self._num_calls = key_from_random_state(self.random_state), 0
        self._num_calls += 1
        return jax.random.fold_in(self._root_key, self._num_calls)

    def _initialize(self, x: np.ndarray, key: jax.Array) -> None:
        params = rbm.init_rbm_params(key, x.shape[1], self.n_components, dtype=x.dtype)
        self._store(params, np.zeros((self.batch_size, self.n_components), x.dtype))
        self._num_epochs = 0

    def _run(self, x, indices, weights, key, num_epochs):
        params = self.to_params()
        dtype = params.weights.dtype
        chains = jnp.asarray(self.h_samples_, dtype)
        if chains.shape != (self.batch_size, self.n_components):
            raise ValueError(
                f"h_samples_ has shape {chains.shape}; expected "
                f"({self.batch_size}, {self.n_components}) = (batch_size, n_components)"
            )
        params, chains, history = _train(
            params,
            chains,
            jnp.asarray(x[indices]),
            jnp.asarray(weights, dtype),
            key,
            jnp.asarray(getattr(self, "_num_epochs", 0), jnp.int32),
            jnp.asarray(self.learning_rate, dtype),
            num_epochs=num_epochs,
            num_gibbs_steps=self.num_gibbs_steps,
            persistent=self.persistent,
        )
        self._num_epochs = getattr(self, "_num_epochs", 0) + num_epochs
        self._store(params, chains)
        return np.asarray(history)

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, X, y=None, *, key: jax.Array | None = None):
        """Train from scratch for ``n_iter`` epochs; returns ``self``.

        Args:
            X: ``[N, V]`` binary data (values in ``[0, 1]`` with ``allow_fractional``).
            y: ignored.
            key: PRNG key of the initialisation and the chains.
        """
        x = self._check_data(X, fitted=False)
        init_key, train_key = jax.random.split(self._key(key))
        self._initialize(x, init_key)
        self.n_features_in_ = x.shape[1]
        self._base_visible_bias = np.asarray(base_rate_visible_bias(jnp.asarray(x)))
        indices, weights = even_batches(x.shape[0], self.batch_size)
        self.free_energy_history_ = self._run(x, indices, weights, train_key, self.n_iter)
        if self.verbose:
            for epoch, value in enumerate(self.free_energy_history_, start=1):
                print(f"[BernoulliRBM] Iteration {epoch}, mean free energy = {value:.2f}")
        return self

    def partial_fit(self, X, y=None, *, key: jax.Array | None = None):
        """One update with all of ``X`` as the minibatch (initialising on first use)."""
        x = self._check_data(X)
        key = self._key(key)
        if not hasattr(self, "components_"):
            key, init_key = jax.random.split(key)
            self._initialize(x, init_key)
            self.n_features_in_ = x.shape[1]
        indices = np.arange(x.shape[0])[None]
        self._run(x, indices, np.ones_like(indices, np.float64), key, 1)
        return self

    # -- inference ----------------------------------------------------------------------------
    @requires_fit
    def transform(self, X) -> np.ndarray:
        """``[N, H]`` hidden probabilities :math:`p(h = 1 \\mid v)`."""
        return np.asarray(_transform(self.to_params(), jnp.asarray(self._check_data(X))))

    @requires_fit
    def gibbs(self, v, *, key: jax.Array | None = None) -> np.ndarray:
        """One Gibbs sweep ``v -> h -> v'``; ``[N, V]`` bool, as scikit-learn."""
        x = self._check_data(v, name="v")
        return np.asarray(_gibbs(self.to_params(), jnp.asarray(x), self._key(key))) > 0.5

    @requires_fit
    def free_energy(self, X) -> np.ndarray:
        """``[N]`` free energy :math:`F(v)`."""
        return np.asarray(_free_energy(self.to_params(), jnp.asarray(self._check_data(X))))

    @requires_fit
    def score_samples(self, X) -> np.ndarray:
        """``[N]`` exact pseudo-log-likelihood (see ``gen_jax.models.boltzmann.rbm``)."""
        x = jnp.asarray(self._check_data(X))
        return np.asarray(_pseudo_log_likelihood(self.to_params(), x))

    @requires_fit
    def sample(
        self, n_samples: int = 1, *, key: jax.Array | None = None, num_steps: int = 1000
    ) -> np.ndarray:
        """``[n_samples, V]`` binary samples after ``num_steps`` Gibbs sweeps from noise."""
        for name, value in (("n_samples", n_samples), ("num_steps", num_steps)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r}: must be an int >= 1")
        return np.asarray(
            _sample(self.to_params(), self._key(key), num_samples=n_samples, num_steps=num_steps)
        )

    @requires_fit
    def log_partition(
        self, *, key: jax.Array | None = None, num_chains: int = 100, num_betas: int = 10_000
    ) -> float:
        """AIS estimate of :math:`\\log Z`, annealed from the training data's base rates."""
        params = self.to_params()
        base = getattr(self, "_base_visible_bias", None)
        result = rbm_ais_log_partition(
            params, key=self._key(key), num_chains=num_chains, num_betas=num_betas,
            base_visible_bias=base,
        )  # fmt: skip
        return float(result.log_partition)

    @requires_fit
    def log_likelihood(self, X, *, log_partition: float | None = None, **ais_kwargs) -> float:
        """Mean :math:`\\log p(v)` over ``X``; runs :meth:`log_partition` unless given."""
        if log_partition is None:
            log_partition = self.log_partition(**ais_kwargs)
        return float(np.mean(-self.free_energy(X)) - log_partition)
