r"""Hidden Markov models as EM models: parameters, emission families, Baum-Welch statistics.

:class:`HiddenMarkovEM` is an :class:`~gen_jax.algorithms.em.EMModel`. Its data are padded
sequences ``{"x": [N, T, ...], "mask": [N, T]}`` (``mask`` true on each sequence's steps, a
prefix); the E-step vmaps :func:`gen_jax.models.hmm.inference.hmm_smoother` over sequences and sums

.. math::
    s^{\text{start}}_k = \sum_n w_n \gamma_{n0}(k), \quad
    s^{\text{trans}}_{ij} = \sum_n w_n \sum_t \xi_{nt}(i, j), \quad
    \text{emission statistics weighted by } w_n \gamma_{nt}(k).

The M-step is hmmlearn's MAP estimate (so fits can be compared iteration by iteration):
Dirichlet priors :math:`\alpha` give :math:`\pi \propto \max(s^{\text{start}} + \alpha -
1, 0)` and likewise for the rows of :math:`A` and of a categorical emission matrix
(:math:`\alpha = 1`, the default, is maximum likelihood; :math:`\alpha > 1` adds
pseudo-counts); Gaussian means and covariances use hmmlearn's normal / inverse-gamma
(Wishart) priors ``means_prior``, ``means_weight``, ``covars_prior``, ``covars_weight``.

Three rules keep EM well defined, each applied against ``initial`` (the parameters EM
started from, held by the model):

- only the parameters named in ``learn`` (hmmlearn's ``params`` letters: ``s`` start,
  ``t`` transitions, ``e`` categorical emissions, ``m`` means, ``c`` covariances) are
  re-estimated; the others stay at their initial values;
- an entry of :math:`\pi` or :math:`A` that is zero initially stays zero (left-right and
  other structural zeros survive pseudo-counts);
- a distribution (a row of :math:`A`, a state's emissions) left with no mass at all keeps
  its initial value instead of becoming 0/0 = NaN.

References:
    Baum, Petrie, Soules & Weiss (1970), A maximization technique occurring in the
    statistical analysis of probabilistic functions of Markov chains, Ann. Math. Stat.
    41(1).
    Rabiner (1989), Proc. IEEE 77(2), §III-C (re-estimation with multiple sequences).
    Huang, Acero & Hon (2001), Spoken Language Processing, pp. 443-445 (the priors used by
    hmmlearn).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from gen_jax.models.hmm.inference import hmm_smoother
from gen_jax.models.mixture.gaussian import (
    GaussianMixtureParams,
    component_log_densities,
    precisions_cholesky_from_covariances,
)

_HIGHEST = jax.lax.Precision.HIGHEST


@struct.dataclass
class CategoricalEmissionParams:
    """``probs [K, V]``: row :math:`k` is :math:`p(y \\mid z = k)` over ``V`` symbols."""

    probs: jax.Array


@struct.dataclass
class GaussianEmissionParams:
    """Means ``[K, D]``; covariances in scikit-learn's shapes (``full [K, D, D]``, ``tied
    [D, D]``, ``diag [K, D]``, ``spherical [K]``) and their precision Cholesky factors."""

    means: jax.Array
    covariances: jax.Array
    precisions_cholesky: jax.Array


@struct.dataclass
class HMMParams:
    """Start probabilities ``[K]``, transition matrix ``[K, K]``, emission parameters."""

    start_probs: jax.Array
    transition_matrix: jax.Array
    emission: Any


def _fallback_rows(counts: jax.Array, initial: jax.Array) -> jax.Array:
    """Rows of ``counts`` normalised; a row with no mass takes the row of ``initial``."""
    total = jnp.sum(counts, axis=-1, keepdims=True)
    empty = total <= 0
    return jnp.where(empty, initial, counts / jnp.where(empty, 1.0, total))


@struct.dataclass
class CategoricalEmissions:
    """Categorical emissions over ``num_symbols`` symbols (integer observations).

    Attributes:
        num_symbols: ``V``.
        prior: Dirichlet concentration for each row, broadcastable to ``[K, V]``.
    """

    prior: jax.Array
    num_symbols: int = struct.field(pytree_node=False)

    def log_likelihoods(self, params: CategoricalEmissionParams, x: jax.Array) -> jax.Array:
        """``[..., K]`` :math:`\\log p(y \\mid k)` for integer ``x [...]`` (clipped to the
        vocabulary, so padding may hold any symbol)."""
        return jnp.log(params.probs).T[jnp.clip(x, 0, self.num_symbols - 1)]

    def statistics(self, x: jax.Array, weighted_posteriors: jax.Array, params=None) -> dict:
        """``counts [K, V]`` from ``x [M]`` and ``weighted_posteriors [M, K]`` (``params``,
        the E-step's, are not needed)."""
        counts = jax.ops.segment_sum(
            weighted_posteriors, jnp.clip(x, 0, self.num_symbols - 1), self.num_symbols
        )
        return {"counts": counts.T}

    def m_step(self, stats: dict, initial: CategoricalEmissionParams, learn: str):
        """hmmlearn's MAP update ``max(counts + prior - 1, 0)``, rows normalised."""
        if "e" not in learn:
            return initial
        counts = jnp.maximum(stats["counts"] + self.prior - 1, 0)
        return CategoricalEmissionParams(probs=_fallback_rows(counts, initial.probs))

    def sample(self, params: CategoricalEmissionParams, states: jax.Array, *, key: jax.Array):
        """:func:`sample_categorical_emissions`."""
        return sample_categorical_emissions(params, states, key=key)


@struct.dataclass
class GaussianEmissions:
    """Gaussian emissions with hmmlearn's priors and M-step.

    Attributes:
        means_prior: normal prior mean, broadcastable to ``[K, D]``.
        means_weight: scalar precision weight of that prior (0: none).
        covars_prior: broadcastable to the covariances (``[K, D]`` for spherical): as in
            hmmlearn it is added to every covariance entry; 1e-2 by default keeps the
            variances positive.
        covars_weight: scalar; the inverse-gamma (diag/spherical) or Wishart-like
            (full/tied) prior's weight, as in hmmlearn.
        covariance_type: ``"full"``, ``"tied"``, ``"diag"`` or ``"spherical"``.
    """

    means_prior: jax.Array
    means_weight: jax.Array
    covars_prior: jax.Array
    covars_weight: jax.Array
    covariance_type: str = struct.field(pytree_node=False)

    def log_likelihoods(self, params: GaussianEmissionParams, x: jax.Array) -> jax.Array:
        """``[..., K]`` :math:`\\log \\mathcal N(x \\mid \\mu_k, \\Sigma_k)` for ``x [..., D]``."""
        mixture = GaussianMixtureParams(
            weights=jnp.ones(params.means.shape[:1], params.means.dtype),
            means=params.means,
            covariances=params.covariances,
            precisions_cholesky=params.precisions_cholesky,
        )
        flat = x.reshape(-1, x.shape[-1])
        log_densities = component_log_densities(mixture, flat, self.covariance_type)
        return log_densities.reshape(*x.shape[:-1], params.means.shape[0])

    def statistics(self, x: jax.Array, weighted_posteriors: jax.Array, params=None) -> dict:
        """``post [K]``, ``obs [K, D]`` and ``obs**2 [K, D]`` or ``obs*obs.T [K, D, D]``
        (``params``, the E-step's, are not needed)."""
        post = weighted_posteriors
        stats = {
            "post": jnp.sum(post, axis=0),
            "obs": jnp.matmul(post.T, x, precision=_HIGHEST),
        }
        if self.covariance_type in ("diag", "spherical"):
            stats["obs**2"] = jnp.matmul(post.T, jnp.square(x), precision=_HIGHEST)
        else:
            stats["obs*obs.T"] = jnp.einsum("nk,nd,ne->kde", post, x, x, precision=_HIGHEST)
        return stats

    def m_step(self, stats: dict, initial: GaussianEmissionParams, learn: str):
        """hmmlearn's ``GaussianHMM._do_mstep``; a state with no mass keeps ``initial``."""
        post = stats["post"]
        empty = post <= 10 * jnp.finfo(post.dtype).tiny
        means = initial.means
        if "m" in learn:
            numerator = self.means_weight * self.means_prior + stats["obs"]
            denominator = self.means_weight + post[:, None]
            means = jnp.where(
                empty[:, None], means, numerator / jnp.where(empty[:, None], 1.0, denominator)
            )
        if "c" not in learn:
            return initial.replace(means=means)
        covariances = self._covariances(stats, means, post)
        if self.covariance_type != "tied":
            shape = (-1,) + (1,) * (covariances.ndim - 1)
            covariances = jnp.where(empty.reshape(shape), initial.covariances, covariances)
        return GaussianEmissionParams(
            means=means,
            covariances=covariances,
            precisions_cholesky=precisions_cholesky_from_covariances(
                covariances, self.covariance_type
            ),
        )

    def sample(self, params: GaussianEmissionParams, states: jax.Array, *, key: jax.Array):
        """:func:`sample_gaussian_emissions`."""
        return sample_gaussian_emissions(params, states, self.covariance_type, key=key)

    def _covariances(self, stats, means, post):
        mean_diff = means - self.means_prior
        if self.covariance_type in ("diag", "spherical"):
            scatter = (
                self.means_weight * jnp.square(mean_diff)
                + stats["obs**2"]
                - 2 * means * stats["obs"]
                + jnp.square(means) * post[:, None]
            )
            denominator = jnp.maximum(self.covars_weight - 1, 0) + post[:, None]
            variances = (self.covars_prior + scatter) / jnp.maximum(denominator, 1e-5)
            return jnp.mean(variances, axis=1) if self.covariance_type == "spherical" else variances
        obs_mean = jnp.einsum("kd,ke->kde", stats["obs"], means)
        scatter = (
            self.means_weight * jnp.einsum("kd,ke->kde", mean_diff, mean_diff)
            + stats["obs*obs.T"]
            - obs_mean
            - jnp.swapaxes(obs_mean, 1, 2)
            + jnp.einsum("kd,ke->kde", means, means) * post[:, None, None]
        )
        weight = jnp.maximum(self.covars_weight - means.shape[1], 0)
        if self.covariance_type == "tied":
            return (self.covars_prior + jnp.sum(scatter, axis=0)) / (weight + jnp.sum(post))
        return (self.covars_prior + scatter) / (weight + post[:, None, None])


@struct.dataclass
class HiddenMarkovEM:
    """The :class:`~gen_jax.algorithms.em.EMModel` of an HMM (see the module docstring).

    A pytree: pass it to jitted functions as an argument (its arrays are traced).

    Attributes:
        emissions: :class:`CategoricalEmissions`, :class:`GaussianEmissions`,
            :class:`~gen_jax.models.hmm.mixture_emissions.GaussianMixtureEmissions` or
            :class:`~gen_jax.models.hmm.poisson_emissions.PoissonEmissions`: each gives
            ``log_likelihoods(params, x)``, ``statistics(x, weighted_posteriors, params)``,
            ``m_step(stats, initial, learn)`` and ``sample(params, states, key=)``.
        initial: the parameters EM starts from (fixed parameters, structural zeros and
            the fallback of states without mass come from here).
        startprob_prior: Dirichlet concentration, broadcastable to ``[K]``.
        transmat_prior: Dirichlet concentration, broadcastable to ``[K, K]``.
        learn: the letters of the parameters to re-estimate (hmmlearn's ``params``).
    """

    emissions: Any
    initial: HMMParams
    startprob_prior: jax.Array
    transmat_prior: jax.Array
    learn: str = struct.field(pytree_node=False, default="stmce")

    def log_likelihoods(self, params: HMMParams, x: jax.Array) -> jax.Array:
        """Emission log-likelihoods ``[N, T, K]`` of padded observations ``x [N, T, ...]``."""
        return self.emissions.log_likelihoods(params.emission, x)

    def posteriors(self, params: HMMParams, data: dict):
        """:class:`~gen_jax.models.hmm.inference.HMMPosterior` of every sequence (leading axis
        N)."""
        log_likelihoods = self.log_likelihoods(params, data["x"])
        return jax.vmap(hmm_smoother, in_axes=(None, None, 0, 0))(
            params.start_probs, params.transition_matrix, log_likelihoods, data["mask"]
        )

    def _emission_statistics(self, x, posteriors, weights, emission_params):
        num_sequences, num_steps, num_states = posteriors.shape
        weighted = (posteriors * weights[:, None, None]).reshape(-1, num_states)
        flat_x = x.reshape(num_sequences * num_steps, *x.shape[2:])
        return self.emissions.statistics(flat_x, weighted, emission_params)

    def e_step(self, params: HMMParams, data: dict, weights: jax.Array):
        """``(summed statistics, log p(y_n) [N])`` for padded sequences ``data``."""
        posterior = self.posteriors(params, data)
        smoothed = posterior.smoothed_probs.astype(weights.dtype)
        stats = {
            "start": jnp.einsum("n,nk->k", weights, smoothed[:, 0]),
            "transitions": jnp.einsum("n,nij->ij", weights, posterior.expected_transitions),
            "emission": self._emission_statistics(data["x"], smoothed, weights, params.emission),
        }
        return stats, posterior.log_likelihood

    def labelled_statistics(self, data: dict, states: jax.Array, weights: jax.Array) -> dict:
        """The statistics of fully observed sequences (supervised maximum likelihood):
        counts of first states, transitions and emissions, from ``states [N, T]`` (emission
        families with latent parts, as mixtures, take their responsibilities under
        ``initial``)."""
        num_states = self.initial.start_probs.shape[0]
        mask = data["mask"].astype(weights.dtype)
        one_hot = jax.nn.one_hot(states, num_states, dtype=weights.dtype) * mask[..., None]
        one_hot_next = one_hot[:, 1:]
        return {
            "start": jnp.einsum("n,nk->k", weights, one_hot[:, 0]),
            "transitions": jnp.einsum("n,nti,ntj->ij", weights, one_hot[:, :-1], one_hot_next),
            "emission": self._emission_statistics(
                data["x"], one_hot, weights, self.initial.emission
            ),
        }

    def m_step(self, stats: dict) -> HMMParams:
        """hmmlearn's MAP re-estimation, with the three rules of the module docstring."""
        initial = self.initial
        start, transition = initial.start_probs, initial.transition_matrix
        if "s" in self.learn:
            counts = jnp.maximum(stats["start"] + self.startprob_prior - 1, 0)
            start = _fallback_rows(jnp.where(start > 0, counts, 0.0), start)
        if "t" in self.learn:
            counts = jnp.maximum(stats["transitions"] + self.transmat_prior - 1, 0)
            transition = _fallback_rows(jnp.where(transition > 0, counts, 0.0), transition)
        emission = self.emissions.m_step(stats["emission"], initial.emission, self.learn)
        return HMMParams(start_probs=start, transition_matrix=transition, emission=emission)


def sample_categorical_emissions(
    params: CategoricalEmissionParams, states: jax.Array, *, key: jax.Array
) -> jax.Array:
    """``[T]`` int32 symbols :math:`y_t \\sim p(y \\mid z_t)` for ``states [T]``."""
    log_probs = jnp.log(params.probs)[states]
    return jax.random.categorical(key, log_probs, axis=-1).astype(jnp.int32)


def sample_gaussian_emissions(
    params: GaussianEmissionParams, states: jax.Array, covariance_type: str, *, key: jax.Array
) -> jax.Array:
    """``[T, D]`` draws :math:`x_t \\sim \\mathcal N(\\mu_{z_t}, \\Sigma_{z_t})`."""
    means = params.means[states]
    noise = jax.random.normal(key, means.shape, means.dtype)
    covariances = params.covariances
    if covariance_type == "full":
        scale = jnp.linalg.cholesky(covariances)[states]
        return means + jnp.einsum("nde,ne->nd", scale, noise, precision=_HIGHEST)
    if covariance_type == "tied":
        return means + jnp.matmul(noise, jnp.linalg.cholesky(covariances).T, precision=_HIGHEST)
    if covariance_type == "diag":
        return means + noise * jnp.sqrt(covariances[states])
    return means + noise * jnp.sqrt(covariances[states])[:, None]
