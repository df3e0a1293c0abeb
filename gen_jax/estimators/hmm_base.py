"""The shared estimator behind ``CategoricalHMM`` and ``GaussianHMM`` (hmmlearn's API).

The vocabulary is hmmlearn's: ``fit(X, lengths=None)`` on concatenated sequences, ``score``,
``score_samples``, ``decode``, ``predict``, ``predict_proba``, ``sample``; the parameters
``startprob_``, ``transmat_``, ``emissionprob_`` / ``means_``, ``covars_`` may be set by the
user before ``fit`` (leave their letter out of ``init_params``) or before scoring. ``params``
chooses which parameters EM re-estimates, so a left-right topology (zeros in ``transmat_``)
keeps its zeros. Sequences are padded to the longest and masked; the whole EM loop is one
jitted ``lax.while_loop`` over sequences sharded across every device.

Differences from hmmlearn: ``converged_`` is true only if the gain fell below ``tol``
(hmmlearn also reports reaching ``n_iter`` as converged); ``covars_`` has scikit-learn's
compact shapes (hmmlearn's getter expands them to ``[K, D, D]``); initial ``startprob_`` is
uniform and ``transmat_`` rows are half uniform, half a Dirichlet(1) draw, so no entry starts
at an accidental structural zero; random numbers come from a JAX ``key``.

The math is in :mod:`gen_jax.models.hmm.em` and :mod:`gen_jax.models.hmm.inference`.
"""

from __future__ import annotations

import abc
import functools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.em import fit_em
from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import Estimator, requires_fit
from gen_jax.estimators.hmm_inputs import (
    check_distribution,
    check_lengths,
    check_symbols,
    pad_sequences,
)
from gen_jax.models.hmm.em import (
    HiddenMarkovEM,
    HMMParams,
    sample_categorical_emissions,
    sample_gaussian_emissions,
)
from gen_jax.models.hmm.inference import hmm_viterbi, sample_markov_chain
from gen_jax.models.mixture.kmeans import kmeans_plusplus, lloyd

DECODERS = ("viterbi", "map")


@functools.partial(jax.jit, static_argnames=("max_iter",))
def _fit_jit(model, data, weights, tol, *, max_iter):
    return fit_em(model, model.initial, data, weights=weights, tol=tol, max_iter=max_iter)


@jax.jit
def _labelled_fit_jit(model, data, states, weights):
    return model.m_step(model.labelled_statistics(data, states, weights))


@jax.jit
def _smooth_jit(model, params, data):
    return model.posteriors(params, data)


@jax.jit
def _viterbi_jit(model, params, data):
    log_likelihoods = model.log_likelihoods(params, data["x"])
    return jax.vmap(hmm_viterbi, in_axes=(None, None, 0, 0))(
        params.start_probs, params.transition_matrix, log_likelihoods, data["mask"]
    )


@functools.partial(jax.jit, static_argnames=("num_clusters",))
def kmeans_means(x, key, *, num_clusters):
    """``[K, D]`` k-means centres of ``x [N, D]`` (k-means++ seeding, then Lloyd)."""
    centers = kmeans_plusplus(x, num_clusters, key=key)
    return lloyd(x, centers)[0]


@functools.partial(jax.jit, static_argnums=(2, 3))
def _sample_jit(params, key, num_steps, covariance_type):
    state_key, emission_key = jax.random.split(key)
    states = sample_markov_chain(
        params.start_probs, params.transition_matrix, num_steps, key=state_key
    )
    if covariance_type is None:
        x = sample_categorical_emissions(params.emission, states, key=emission_key)
    else:
        x = sample_gaussian_emissions(params.emission, states, covariance_type, key=emission_key)
    return states, x


class BaseHMM(Estimator, abc.ABC):
    """What both estimators share; subclasses provide the emission family."""

    _letters = "st"
    _emission_attributes: tuple[str, ...] = ()
    _not_fitted = "has no parameters yet"

    @property
    def _fitted_attributes(self) -> tuple[str, ...]:
        return ("startprob_", "transmat_", *self._emission_attributes)

    @property
    def _fit_call(self) -> str:
        return f"fit(X) or set {', '.join(self._fitted_attributes)}"

    def __init__(
        self, n_components, startprob_prior, transmat_prior, algorithm, n_iter, tol, params,
        init_params, random_state,
    ):  # fmt: skip
        if not isinstance(n_components, int) or n_components < 1:
            raise ValueError(f"n_components={n_components!r}: must be an int >= 1")
        if algorithm not in DECODERS:
            raise ValueError(f"algorithm={algorithm!r}; choose one of {DECODERS}")
        if not (isinstance(n_iter, int) and n_iter >= 1):
            raise ValueError(f"n_iter={n_iter!r}: must be an int >= 1")
        if not tol >= 0:
            raise ValueError(f"tol={tol!r}: must be >= 0")
        for name, letters in (("params", params), ("init_params", init_params)):
            unknown = set(letters) - set(self._letters)
            if unknown:
                raise ValueError(
                    f"{name}={letters!r} holds {sorted(unknown)}; use letters of "
                    f"{self._letters!r} for this model"
                )
        self.n_components = n_components
        self.startprob_prior, self.transmat_prior = startprob_prior, transmat_prior
        self.algorithm, self.n_iter, self.tol = algorithm, n_iter, tol
        self.params, self.init_params = params, init_params
        self.random_state = random_state

    # -- hooks of the emission family --------------------------------------------------------
    @abc.abstractmethod
    def _check_X(self, X) -> np.ndarray:
        """Emission-family hook."""

    @abc.abstractmethod
    def _emissions(self, dtype):
        """Emission-family hook."""

    @abc.abstractmethod
    def _initial_emission(self, x, key, dtype):
        """Emission-family hook."""

    @abc.abstractmethod
    def _user_emission(self, dtype):
        """Emission-family hook."""

    @abc.abstractmethod
    def _store_emission(self, emission) -> None:
        """Emission-family hook."""

    @abc.abstractmethod
    def _emission_scalars(self, num_features: int) -> dict[str, int]:
        """Emission-family hook: free scalars per emission letter (hmmlearn's
        ``_get_n_fit_scalars_per_param``)."""

    def _dtype(self, x: np.ndarray | None):
        return jax.dtypes.canonicalize_dtype(np.float64)

    _covariance_type: str | None = None  # None: categorical emissions (for sampling)

    # -- parameters ----------------------------------------------------------------------------
    def _needs(self, letter: str, attribute: str) -> bool:
        """Initialise ``attribute`` from the data unless the user set it and left
        ``letter`` out of ``init_params``; warn (as hmmlearn) when a value the user set
        will be overwritten."""
        if letter in self.init_params:
            value = getattr(self, attribute, None)
            if value is not None and value is not getattr(self, "_stored", {}).get(attribute):
                warnings.warn(
                    f"{attribute} is set but init_params={self.init_params!r} contains "
                    f"{letter!r}, so fit overwrites it; leave {letter!r} out of init_params "
                    "to start from it",
                    stacklevel=5,
                )
            return True
        if getattr(self, attribute, None) is None:
            raise ValueError(
                f"init_params={self.init_params!r} leaves out {letter!r}, so {attribute} must "
                f"be set before fit (model.{attribute} = ...); or add {letter!r} to init_params"
            )
        return False

    def _transition_params(self, dtype, key=None):
        k = self.n_components
        if key is not None and self._needs("s", "startprob_"):
            start = np.full(k, 1.0 / k)
        else:
            start = self.startprob_
        if key is not None and self._needs("t", "transmat_"):
            draws = np.asarray(jax.random.dirichlet(key, jnp.ones(k), (k,)), np.float64)
            transition = 0.5 * (draws / draws.sum(1, keepdims=True)) + 0.5 / k
        else:
            transition = self.transmat_
        return (
            check_distribution("startprob_", start, (k,), dtype),
            check_distribution("transmat_", transition, (k, k), dtype),
        )

    def _current_params(self, dtype) -> HMMParams:
        start, transition = self._transition_params(dtype)
        return HMMParams(start, transition, self._user_emission(dtype))

    def _model(self, initial: HMMParams, dtype) -> HiddenMarkovEM:
        k = self.n_components
        return HiddenMarkovEM(
            emissions=self._emissions(dtype),
            initial=initial,
            startprob_prior=jnp.broadcast_to(jnp.asarray(self.startprob_prior, dtype), (k,)),
            transmat_prior=jnp.broadcast_to(jnp.asarray(self.transmat_prior, dtype), (k, k)),
            learn=self.params,
        )

    def _store(self, params: HMMParams) -> None:
        params = jax.device_get(params)
        self.startprob_ = np.asarray(params.start_probs)
        self.transmat_ = np.asarray(params.transition_matrix)
        self._store_emission(params.emission)
        self._stored = {name: getattr(self, name) for name in self._fitted_attributes}

    def _n_parameters(self, num_features: int, letters: str) -> int:
        """Free scalars of the parameters named by ``letters``, as hmmlearn counts them."""
        k = self.n_components
        scalars = {"s": k - 1, "t": k * (k - 1), **self._emission_scalars(num_features)}
        return sum(scalars[letter] for letter in letters)

    # -- fitting -------------------------------------------------------------------------------
    def _prepare(self, X, lengths, *, fitting: bool, key=None):
        x = self._check_X(X)
        lengths = check_lengths(lengths, x.shape[0])
        dtype = self._dtype(x)
        if fitting:
            transition_key, emission_key = jax.random.split(self._key(key))
            start, transition = self._transition_params(dtype, transition_key)
            emission = self._initial_emission(x, emission_key, dtype)
            params = HMMParams(jnp.asarray(start), jnp.asarray(transition), emission)
        else:
            params = self._current_params(dtype)
        padded, mask = pad_sequences(x, lengths)
        return params, {"x": padded, "mask": mask}, lengths, dtype

    def fit(self, X, lengths=None, *, key: jax.Array | None = None):
        """Baum-Welch from the initial parameters until the total log-likelihood gains less
        than ``tol`` or ``n_iter`` iterations have run; returns ``self``.

        Args:
            X: the concatenated sequences, ``[n_samples, n_features]`` (Gaussian) or integer
                symbols ``[n_samples, 1]`` (categorical).
            lengths: ``[n_sequences]`` lengths summing to ``n_samples``; one sequence if None.
            key: PRNG key for initialisation; ``random_state`` by default.

        Sets ``log_likelihood_history_`` (total log-likelihood entering each iteration, as
        hmmlearn's ``monitor_.history``), ``n_iter_``, ``converged_``.
        """
        params, data, lengths, dtype = self._prepare(X, lengths, fitting=True, key=key)
        num_features = data["x"].shape[2] if data["x"].ndim == 3 else 1
        num_scalars = self._n_parameters(num_features, self.params)
        if int(lengths.sum()) * num_features < num_scalars:
            warnings.warn(
                f"fitting {num_scalars} free scalar parameters to only "
                f"{int(lengths.sum()) * num_features} data values gives a degenerate "
                "solution; use fewer states or more data",
                stacklevel=2,
            )
        weights = np.ones(lengths.size, dtype)
        x_sharded, weights_sharded = pad_and_shard(data["x"], weights)
        mask_sharded, _ = pad_and_shard(data["mask"], weights)
        result = _fit_jit(
            self._model(params, dtype),
            {"x": x_sharded, "mask": mask_sharded},
            weights_sharded,
            jnp.asarray(self.tol / lengths.size, dtype),
            max_iter=self.n_iter,
        )
        result = jax.device_get(result)
        self._store(result.params)
        self._store_em_result(result, history_scale=lengths.size)
        if not all(np.isfinite(np.asarray(leaf)).all() for leaf in jax.tree.leaves(result.params)):
            raise FloatingPointError(
                "Baum-Welch produced non-finite parameters; some sequence is impossible under "
                "the initial parameters (a zero probability), or covariances collapsed: raise "
                "covars_prior or min_covar, or pass float64 data"
            )
        return self

    def fit_supervised(self, X, states, lengths=None):
        """Maximum-likelihood (MAP with the priors) parameters from labelled sequences:
        normalised counts of first states, transitions and emissions; returns ``self``.

        Args:
            X: observations as for :meth:`fit`.
            states: ``[n_samples]`` integer states in ``[0, n_components)``.
            lengths: as for :meth:`fit`.
        """
        params, data, lengths, dtype = self._prepare(X, lengths, fitting=True)
        states = check_symbols(states, self.n_components, name="states")
        if states.shape[0] != int(lengths.sum()):
            raise ValueError(
                f"states has {states.shape[0]} entries but X has {int(lengths.sum())} samples"
            )
        padded_states, _ = pad_sequences(states, lengths)
        initial = params.replace(
            start_probs=jnp.full_like(params.start_probs, 1.0 / self.n_components),
            transition_matrix=jnp.full_like(params.transition_matrix, 1.0 / self.n_components),
        )
        fitted = _labelled_fit_jit(
            self._model(initial, dtype), data, padded_states, np.ones(lengths.size, dtype)
        )
        self._store(fitted)
        return self

    # -- inference -----------------------------------------------------------------------------
    def _posteriors(self, X, lengths):
        params, data, lengths, dtype = self._prepare(X, lengths, fitting=False)
        posterior = _smooth_jit(self._model(params, dtype), params, data)
        return posterior, data["mask"]

    @requires_fit
    def score_samples(self, X, lengths=None) -> tuple[float, np.ndarray]:
        """``(log p(X), posteriors [n_samples, K])``: the total log-likelihood of all
        sequences and :math:`p(z_t \\mid \\text{its sequence})` per sample."""
        posterior, mask = self._posteriors(X, lengths)
        smoothed = np.asarray(posterior.smoothed_probs)[mask]
        return float(np.sum(np.asarray(posterior.log_likelihood, np.float64))), smoothed

    @requires_fit
    def score(self, X, lengths=None) -> float:
        """Total log-likelihood :math:`\\sum_n \\log p(y_n)` of the sequences."""
        posterior, _ = self._posteriors(X, lengths)
        return float(np.sum(np.asarray(posterior.log_likelihood, np.float64)))

    @requires_fit
    def predict_proba(self, X, lengths=None) -> np.ndarray:
        """``[n_samples, K]`` smoothed state posteriors."""
        return self.score_samples(X, lengths)[1]

    @requires_fit
    def decode(self, X, lengths=None, algorithm: str | None = None):
        """``(log_prob, states [n_samples])``: with ``"viterbi"``, the jointly most probable
        state sequences and :math:`\\sum_n \\max_z \\log p(y_n, z)`; with ``"map"``, each
        sample's most probable state and :math:`\\sum_t \\log \\max_k \\gamma_t(k)`."""
        algorithm = self.algorithm if algorithm is None else algorithm
        if algorithm not in DECODERS:
            raise ValueError(f"algorithm={algorithm!r}; choose one of {DECODERS}")
        if algorithm == "map":
            _, posteriors = self.score_samples(X, lengths)
            return float(np.sum(np.log(posteriors.max(1)))), posteriors.argmax(1)
        params, data, lengths, dtype = self._prepare(X, lengths, fitting=False)
        states, log_joint = _viterbi_jit(self._model(params, dtype), params, data)
        return float(np.sum(np.asarray(log_joint, np.float64))), np.asarray(states)[data["mask"]]

    @requires_fit
    def predict(self, X, lengths=None) -> np.ndarray:
        """``[n_samples]`` decoded states (``algorithm``, Viterbi by default)."""
        return self.decode(X, lengths)[1]

    @requires_fit
    def aic(self, X, lengths=None) -> float:
        """Akaike information criterion :math:`-2 \\log p(X) + 2p` (hmmlearn's; ``p`` counts
        the free scalars of all the parameters, learnt or not, as hmmlearn does)."""
        num_features = np.shape(self._check_X(X))[1] if self._covariance_type else 1
        return -2 * self.score(X, lengths) + 2 * self._n_parameters(num_features, self._letters)

    @requires_fit
    def bic(self, X, lengths=None) -> float:
        """Bayesian information criterion :math:`-2 \\log p(X) + p \\log N` (hmmlearn's)."""
        x = self._check_X(X)
        num_features = np.shape(x)[1] if self._covariance_type else 1
        penalty = self._n_parameters(num_features, self._letters) * math.log(len(x))
        return -2 * self.score(X, lengths) + penalty

    @requires_fit
    def get_stationary_distribution(self) -> np.ndarray:
        """``[K]`` :math:`\\pi` with :math:`\\pi A = \\pi` (hmmlearn's: the eigenvector of
        ``transmat_.T`` with the largest eigenvalue, normalised)."""
        eigenvalues, eigenvectors = np.linalg.eig(np.asarray(self.transmat_, np.float64).T)
        vector = np.real_if_close(eigenvectors[:, np.argmax(eigenvalues.real)])
        return vector / vector.sum()

    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None, currstate=None):
        """One sequence of ``n_samples`` steps: ``(X, states [n_samples])``, ``X`` shaped
        as ``fit`` takes it (``[n_samples, 1]`` symbols or ``[n_samples, D]``).

        ``currstate`` fixes the first state (hmmlearn's, to continue a sequence);
        otherwise it is drawn from ``startprob_``.
        """
        if not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        params = self._current_params(self._dtype(None))
        if currstate is not None:
            if not (
                isinstance(currstate, (int, np.integer)) and 0 <= currstate < self.n_components
            ):
                raise ValueError(
                    f"currstate={currstate!r}: must be a state in [0, {self.n_components})"
                )
            start = jax.nn.one_hot(
                int(currstate), self.n_components, dtype=params.start_probs.dtype
            )
            params = params.replace(start_probs=start)
        states, x = _sample_jit(params, self._key(key), n_samples, self._covariance_type)
        x = np.asarray(x)
        return (x[:, None] if x.ndim == 1 else x), np.asarray(states)
