r"""Gaussian-mixture emissions for an HMM (hmmlearn's ``GMMHMM``), built on the mixture family.

State :math:`k` emits from its own mixture of ``M`` Gaussians,

.. math::
    p(x \mid z = k) = \sum_{m=1}^{M} w_{km}\, \mathcal N(x \mid \mu_{km}, \Sigma_{km}),

so the emission log-likelihood of a state is the log-sum-exp of a Gaussian mixture's joint
log-probabilities (:func:`gen_jax.models.mixture.gaussian.log_joint`, vmapped over states),
and its statistics are the mixture's (:meth:`GaussianMixtureEM.statistics
<gen_jax.models.mixture.gaussian.GaussianMixtureEM.statistics>`) with every example weighted
by the state posterior :math:`\gamma_t(k)`: the responsibility of component :math:`m` is
:math:`\gamma_t(k)\, r_{tkm}`, :math:`r_{tkm} \propto w_{km} \mathcal N(x_t \mid \mu_{km},
\Sigma_{km})`.

Covariances have hmmlearn's shapes: ``"full"`` ``[K, M, D, D]``, ``"diag"`` ``[K, M, D]``,
``"spherical"`` ``[K, M]``, and ``"tied"`` ``[K, D, D]`` (one matrix per state, shared by its
components).

The M-step is hmmlearn's (``GMMHMM._do_mstep``), so fits can be compared iteration by
iteration: Dirichlet ``weights_prior`` on the weights, a normal prior (``means_prior``,
``means_weight``) on the means, and inverse-gamma (diag/spherical) or inverse-Wishart
(full/tied) priors ``covars_prior``, ``covars_weight`` on the covariances. As in hmmlearn,
the scatter behind the covariances is taken around the means of the E-step (the parameters
entering the iteration), not the re-estimated ones. A state or component left without mass
keeps its initial parameters (those EM started from) instead of becoming 0/0, and so does a
re-estimated covariance that is not numerically positive definite.

References:
    Juang, Levinson & Sondhi (1986), Maximum likelihood estimation for multivariate mixture
    observations of Markov chains, IEEE Trans. Inf. Theory 32(2).
    hmmlearn's ``GMMHMM`` (Lebedev et al.), whose priors and update this follows.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from gen_jax.models.mixture.gaussian import (
    GaussianMixtureEM,
    GaussianMixtureParams,
    log_joint,
    precisions_cholesky_from_covariances,
)

_HIGHEST = jax.lax.Precision.HIGHEST


@struct.dataclass
class GaussianMixtureEmissionParams:
    """Per-state mixtures: ``weights [K, M]``, ``means [K, M, D]``, covariances in hmmlearn's
    shapes (module docstring) and their precision Cholesky factors (same shapes)."""

    weights: jax.Array
    means: jax.Array
    covariances: jax.Array
    precisions_cholesky: jax.Array


def emission_precisions_cholesky(covariances: jax.Array, covariance_type: str) -> jax.Array:
    """:func:`~gen_jax.models.mixture.gaussian.precisions_cholesky_from_covariances` of every
    state's mixture (vmapped over the leading state axis)."""
    return jax.vmap(precisions_cholesky_from_covariances, in_axes=(0, None))(
        covariances, covariance_type
    )


def state_log_joints(
    params: GaussianMixtureEmissionParams, x: jax.Array, covariance_type: str
) -> jax.Array:
    """``[N, K, M]`` :math:`\\log w_{km} + \\log \\mathcal N(x_n \\mid \\mu_{km}, \\Sigma_{km})`
    for ``x [N, D]``."""

    def one_state(weights, means, covariances, precisions_cholesky):
        mixture = GaussianMixtureParams(weights, means, covariances, precisions_cholesky)
        return log_joint(mixture, x, covariance_type)

    return jax.vmap(one_state, out_axes=1)(
        params.weights, params.means, params.covariances, params.precisions_cholesky
    )


def _divide_or_keep(numerator, denominator, fallback):
    """``numerator / denominator`` where the denominator is positive, else ``fallback``."""
    positive = denominator > 0
    return jnp.where(positive, numerator / jnp.where(positive, denominator, 1.0), fallback)


@struct.dataclass
class GaussianMixtureEmissions:
    """Gaussian-mixture emissions with hmmlearn's priors (already broadcast to full shapes).

    Attributes:
        weights_prior: ``[K, M]`` Dirichlet concentrations.
        means_prior: ``[K, M, D]``; means_weight: ``[K, M]`` (0: no prior).
        covars_prior: full ``[K, M, D, D]``, tied ``[K, D, D]``, diag ``[K, M, D]``,
            spherical ``[K, M]``.
        covars_weight: full ``[K, M]``, tied ``[K]``, diag ``[K, M, D]``, spherical ``[K, M]``.
        covariance_type: ``"full"``, ``"tied"``, ``"diag"`` or ``"spherical"``.
    """

    weights_prior: jax.Array
    means_prior: jax.Array
    means_weight: jax.Array
    covars_prior: jax.Array
    covars_weight: jax.Array
    covariance_type: str = struct.field(pytree_node=False)

    def log_likelihoods(self, params: GaussianMixtureEmissionParams, x: jax.Array) -> jax.Array:
        """``[..., K]`` :math:`\\log p(x \\mid k)` for ``x [..., D]``."""
        flat = x.reshape(-1, x.shape[-1])
        joint = state_log_joints(params, flat, self.covariance_type)
        return jax.nn.logsumexp(joint, axis=-1).reshape(*x.shape[:-1], params.weights.shape[0])

    def statistics(
        self, x: jax.Array, weighted_posteriors: jax.Array, params: GaussianMixtureEmissionParams
    ) -> dict:
        """The mixture statistics of every state from ``x [N, D]`` and ``weighted_posteriors
        [N, K]``, under the E-step's ``params``.

        Returns:
            ``post [K]``, ``counts [K, M]`` (:math:`\\sum_t \\gamma_t(k) r_{tkm}`), ``sum [K,
            M, D]`` and ``scatter``, the weighted scatter around ``params.means``: ``[K, M,
            D, D]`` (full), ``[K, D, D]`` (tied, summed over components), ``[K, M, D]``
            (diag), ``[K, M]`` (spherical, summed over features).
        """
        joint = state_log_joints(params, x, self.covariance_type)
        total = jax.nn.logsumexp(joint, axis=-1, keepdims=True)
        responsibilities = jnp.where(jnp.isfinite(total), jnp.exp(joint - total), 0.0)
        mixture = GaussianMixtureEM(covariance_type=self.covariance_type)
        stats = jax.vmap(mixture.statistics, in_axes=(None, 1, 1))(
            x, responsibilities, weighted_posteriors
        )
        counts, sums, means = stats["count"], stats["sum"], params.means
        if self.covariance_type in ("diag", "spherical"):
            scatter = stats["sum_squares"] - 2 * means * sums + counts[..., None] * means**2
            if self.covariance_type == "spherical":
                scatter = jnp.sum(scatter, axis=-1)
        else:
            cross = jnp.einsum("kmd,kme->kmde", sums, means, precision=_HIGHEST)
            own = jnp.einsum("kmd,kme->kmde", means, means, precision=_HIGHEST)
            scatter = (
                stats["outer"] - cross - jnp.swapaxes(cross, -1, -2) + counts[..., None, None] * own
            )
            if self.covariance_type == "tied":
                scatter = jnp.sum(scatter, axis=1)
        return {
            "post": jnp.sum(weighted_posteriors, axis=0),
            "counts": counts,
            "sum": sums,
            "scatter": scatter,
        }

    def m_step(
        self, stats: dict, initial: GaussianMixtureEmissionParams, learn: str
    ) -> GaussianMixtureEmissionParams:
        """hmmlearn's update of the parameters named by ``learn`` (``w``, ``m``, ``c``)."""
        counts, post = stats["counts"], stats["post"]
        weights, means, covariances = initial.weights, initial.means, initial.covariances
        if "w" in learn:
            alphas = self.weights_prior - 1
            denominator = (post + jnp.sum(alphas, axis=1))[:, None]
            weights = _divide_or_keep(counts + alphas, denominator, weights)
        if "m" in learn:
            numerator = self.means_weight[..., None] * self.means_prior + stats["sum"]
            denominator = (counts + self.means_weight)[..., None]
            means = _divide_or_keep(numerator, denominator, means)
        if "c" in learn:
            covariances = self._covariances(stats, means, covariances)
        precisions_cholesky = emission_precisions_cholesky(covariances, self.covariance_type)
        if "c" in learn:
            matrix_axes = {"full": 2, "tied": 2, "diag": 1, "spherical": 0}[self.covariance_type]
            trailing = tuple(range(covariances.ndim - matrix_axes, covariances.ndim))
            finite = jnp.all(jnp.isfinite(precisions_cholesky), axis=trailing, keepdims=True)
            covariances = jnp.where(finite, covariances, initial.covariances)
            precisions_cholesky = jnp.where(
                finite, precisions_cholesky, initial.precisions_cholesky
            )
        return GaussianMixtureEmissionParams(weights, means, covariances, precisions_cholesky)

    def _covariances(self, stats, means, initial_covariances):
        counts, post, scatter = stats["counts"], stats["post"], stats["scatter"]
        centered = means - self.means_prior
        weight, prior = self.means_weight, self.covars_prior
        num_features, num_mix = means.shape[-1], means.shape[1]
        if self.covariance_type == "full":
            outer = jnp.einsum("kmd,kme->kmde", centered, centered, precision=_HIGHEST)
            numerator = jnp.swapaxes(prior, -1, -2) + weight[..., None, None] * outer + scatter
            denominator = counts + 1 + self.covars_weight + num_features + 1
            return _divide_or_keep(numerator, denominator[..., None, None], initial_covariances)
        if self.covariance_type == "diag":
            numerator = weight[..., None] * centered**2 + 2 * self.covars_weight + scatter
            denominator = counts[..., None] + 1 + 2 * (prior + 1)
            return _divide_or_keep(numerator, denominator, initial_covariances)
        if self.covariance_type == "spherical":
            numerator = weight * jnp.sum(centered**2, axis=-1) + 2 * self.covars_weight + scatter
            denominator = num_features * (counts + 1) + 2 * (prior + 1)
            return _divide_or_keep(numerator, denominator, initial_covariances)
        outer = jnp.einsum("km,kmd,kme->kde", weight, centered, centered, precision=_HIGHEST)
        numerator = outer + jnp.swapaxes(prior, -1, -2) + scatter
        denominator = post + num_mix + self.covars_weight + num_features + 1
        return _divide_or_keep(numerator, denominator[:, None, None], initial_covariances)

    def sample(
        self, params: GaussianMixtureEmissionParams, states: jax.Array, *, key: jax.Array
    ) -> jax.Array:
        """``[T, D]`` draws: a component :math:`m_t \\sim w_{z_t}`, then
        :math:`x_t \\sim \\mathcal N(\\mu_{z_t m_t}, \\Sigma_{z_t m_t})`."""
        component_key, noise_key = jax.random.split(key)
        components = jax.random.categorical(component_key, jnp.log(params.weights[states]))
        means = params.means[states, components]
        noise = jax.random.normal(noise_key, means.shape, means.dtype)
        if self.covariance_type == "diag":
            return means + noise * jnp.sqrt(params.covariances[states, components])
        if self.covariance_type == "spherical":
            return means + noise * jnp.sqrt(params.covariances[states, components])[:, None]
        if self.covariance_type == "tied":
            scale = jnp.linalg.cholesky(params.covariances)[states]
        else:
            scale = jnp.linalg.cholesky(params.covariances)[states, components]
        return means + jnp.einsum("tde,te->td", scale, noise, precision=_HIGHEST)
