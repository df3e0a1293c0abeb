"""Scoring, decoding and sampling of the HMM estimators (hmmlearn's methods).

``score``, ``score_samples``, ``predict_proba``, ``decode``, ``predict``, ``aic``, ``bic``,
``get_stationary_distribution`` and ``sample``, for any emission family: the mixin needs
``_prepare``, ``_model``, ``_current_params``, ``_dtype``, ``_check_X``, ``_num_features``,
``_n_parameters`` and ``_letters`` from :class:`gen_jax.estimators.hmm_base.BaseHMM`.
"""

from __future__ import annotations

import math

import jax
import numpy as np

from gen_jax.estimators.base import requires_fit
from gen_jax.estimators.hmm_programs import sample_sequence, smooth, viterbi

DECODERS = ("viterbi", "map")


class HMMInferenceMixin:
    """hmmlearn's inference methods over the jitted programs of
    :mod:`gen_jax.estimators.hmm_programs`."""

    def _posteriors(self, X, lengths):
        params, data, lengths, dtype = self._prepare(X, lengths, fitting=False)
        posterior = smooth(self._model(params, dtype), params, data)
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
        states, log_joint = viterbi(self._model(params, dtype), params, data)
        return float(np.sum(np.asarray(log_joint, np.float64))), np.asarray(states)[data["mask"]]

    @requires_fit
    def predict(self, X, lengths=None) -> np.ndarray:
        """``[n_samples]`` decoded states (``algorithm``, Viterbi by default)."""
        return self.decode(X, lengths)[1]

    @requires_fit
    def aic(self, X, lengths=None) -> float:
        """Akaike information criterion :math:`-2 \\log p(X) + 2p` (hmmlearn's; ``p`` counts
        the free scalars of all the parameters, learnt or not, as hmmlearn does)."""
        num_features = self._num_features(self._check_X(X))
        return -2 * self.score(X, lengths) + 2 * self._n_parameters(num_features, self._letters)

    @requires_fit
    def bic(self, X, lengths=None) -> float:
        """Bayesian information criterion :math:`-2 \\log p(X) + p \\log N` (hmmlearn's)."""
        x = self._check_X(X)
        num_features = self._num_features(x)
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
        dtype = self._dtype(None)
        params = self._current_params(dtype)
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
        model = self._model(params, dtype)
        states, x = sample_sequence(model, params, self._key(key), num_steps=n_samples)
        x = np.asarray(x)
        return (x[:, None] if x.ndim == 1 else x), np.asarray(states)
