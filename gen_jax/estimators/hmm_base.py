"""The shared estimator behind the HMM estimators (hmmlearn's API): parameters and fitting.

The vocabulary is hmmlearn's: ``fit(X, lengths=None)`` on concatenated sequences; the
parameters ``startprob_``, ``transmat_`` and the emission family's (``emissionprob_``,
``means_``/``covars_``, ``weights_``, ``lambdas_``) may be set by the user before ``fit``
(leave their letter out of ``init_params``) or before scoring. ``params`` chooses which
parameters EM re-estimates, so a left-right topology (zeros in ``transmat_``) keeps its zeros.
Sequences are padded to the longest and masked; the whole EM loop is one jitted
``lax.while_loop`` over sequences sharded across every device. Scoring, decoding and
sampling are in :mod:`gen_jax.estimators.hmm_inference`.

Differences from hmmlearn: ``converged_`` is true only if the gain fell below ``tol``
(hmmlearn also reports reaching ``n_iter`` as converged); ``covars_`` of ``GaussianHMM`` has
scikit-learn's compact shapes (hmmlearn's getter expands them to ``[K, D, D]``); initial
``startprob_`` is uniform and ``transmat_`` rows are half uniform, half a Dirichlet(1) draw,
so no entry starts at an accidental structural zero; random numbers come from a JAX ``key``.

The math is in :mod:`gen_jax.models.hmm.em` and :mod:`gen_jax.models.hmm.inference`.
"""

from __future__ import annotations

import abc
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import Estimator
from gen_jax.estimators.hmm_inference import DECODERS, HMMInferenceMixin
from gen_jax.estimators.hmm_inputs import (
    check_distribution,
    check_lengths,
    check_symbols,
    pad_sequences,
)
from gen_jax.estimators.hmm_programs import fit_baum_welch, fit_labelled
from gen_jax.models.hmm.em import HiddenMarkovEM, HMMParams


class BaseHMM(HMMInferenceMixin, Estimator, abc.ABC):
    """What the HMM estimators share; subclasses provide the emission family."""

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
    def _emissions(self, dtype, emission):
        """Emission-family hook: the family (with its priors) for parameters ``emission``."""

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
        """The float dtype of the parameters: float64 (as JAX allows) unless overridden."""
        return jax.dtypes.canonicalize_dtype(np.float64)

    def _num_features(self, x: np.ndarray) -> int:
        """Features per sample of checked ``x`` (1 for integer symbols)."""
        return 1 if x.ndim == 1 else x.shape[1]

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
            emissions=self._emissions(dtype, initial.emission),
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
        num_features = 1 if data["x"].ndim == 2 else data["x"].shape[2]
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
        result = fit_baum_welch(
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
        fitted = fit_labelled(
            self._model(initial, dtype), data, padded_states, np.ones(lengths.size, dtype)
        )
        self._store(fitted)
        return self
