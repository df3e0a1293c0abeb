r"""``MarkovChain``: a visible Markov chain over ``n_states`` symbols, fitted by counting.

.. math::
    p(z_{0:T-1}) = \pi_{z_0} \prod_{t=1}^{T-1} A_{z_{t-1} z_t}, \qquad
    \hat\pi_i = \frac{c_i + \alpha}{\sum_j c_j + K\alpha}, \quad
    \hat A_{ij} = \frac{c_{ij} + \alpha}{\sum_l c_{il} + K\alpha},

with :math:`c_i` the number of sequences starting in :math:`i`, :math:`c_{ij}` the number of
:math:`i \to j` transitions and :math:`\alpha` the pseudo-count (0: maximum likelihood). A
state never left (a row without counts and :math:`\alpha = 0`) gets a uniform row rather
than 0/0. This is the survey's "visible" Markov model, whose only parameters are the
transition probabilities; the hidden case is :class:`gen_jax.estimators.hmm.CategoricalHMM`.

References:
    Murphy (2012), Machine Learning: A Probabilistic Perspective, §17.2 (Markov models,
    MLE by counting, add-alpha smoothing).
"""

from __future__ import annotations

import jax
import numpy as np

from gen_jax.estimators.base import Estimator, requires_fit
from gen_jax.estimators.hmm_inputs import check_lengths, check_symbols
from gen_jax.models.hmm.inference import sample_markov_chain


class MarkovChain(Estimator):
    """A first-order Markov chain over observed states ``0..n_states-1``.

    Args:
        n_states: the number of states ``K``; by default the largest state seen plus one.
        pseudo_count: :math:`\\alpha \\ge 0` added to every count.
        random_state: int seed, ``None`` or a JAX key, used when ``sample`` gets no ``key``.

    Attributes (after ``fit``): ``startprob_ [K]``, ``transmat_ [K, K]``, ``n_states_``.
    """

    _fitted_attributes = ("transmat_",)
    _fit_call = "fit(states)"

    def __init__(self, n_states: int | None = None, *, pseudo_count: float = 0.0, random_state=0):
        if n_states is not None and (not isinstance(n_states, int) or n_states < 1):
            raise ValueError(f"n_states={n_states!r}: must be None or an int >= 1")
        if not pseudo_count >= 0:
            raise ValueError(f"pseudo_count={pseudo_count!r}: must be >= 0")
        self.n_states, self.pseudo_count, self.random_state = n_states, pseudo_count, random_state

    def _sequences(self, states, lengths, num_states):
        z = check_symbols(states, num_states, name="states")
        lengths = check_lengths(lengths, z.shape[0])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        within = np.ones(z.shape[0], bool)
        within[starts] = False  # z[t-1] -> z[t] is a transition unless t starts a sequence
        return z, starts, within, lengths

    def fit(self, states, lengths=None):
        """Count first states and transitions; returns ``self``.

        Args:
            states: ``[n_samples]`` (or ``[n_samples, 1]``) integer states, sequences
                concatenated.
            lengths: ``[n_sequences]`` lengths summing to ``n_samples``; one sequence if None.
        """
        z, starts, within, _ = self._sequences(states, lengths, self.n_states)
        k = self.n_states if self.n_states is not None else int(z.max()) + 1
        start_counts = np.bincount(z[starts], minlength=k) + self.pseudo_count
        pairs = z[np.flatnonzero(within) - 1] * k + z[within]
        counts = np.bincount(pairs, minlength=k * k).reshape(k, k) + self.pseudo_count
        totals = counts.sum(1, keepdims=True)
        self.startprob_ = start_counts / start_counts.sum()
        self.transmat_ = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), 1.0 / k)
        self.n_states_ = k
        return self

    @requires_fit
    def score_samples(self, states, lengths=None) -> np.ndarray:
        """``[n_sequences]`` log-probability of each sequence (``-inf`` if impossible)."""
        z, starts, within, lengths = self._sequences(states, lengths, self.n_states_)
        with np.errstate(divide="ignore"):
            log_start, log_transition = np.log(self.startprob_), np.log(self.transmat_)
        steps = np.zeros(z.shape[0])
        steps[starts] = log_start[z[starts]]
        steps[within] = log_transition[z[np.flatnonzero(within) - 1], z[within]]
        return np.add.reduceat(steps, starts)

    @requires_fit
    def score(self, states, lengths=None) -> float:
        """Total log-probability of the sequences."""
        return float(np.sum(self.score_samples(states, lengths)))

    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None) -> np.ndarray:
        """``[n_samples]`` states of one sequence drawn from the chain."""
        if not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        dtype = jax.dtypes.canonicalize_dtype(np.float64)
        return np.asarray(
            sample_markov_chain(
                self.startprob_.astype(dtype),
                self.transmat_.astype(dtype),
                n_samples,
                key=self._key(key),
            )
        )
