r"""Priors :math:`p(z)` that an adversarial autoencoder imposes on its codes.

Each prior is a pure sampler: ``prior.sample(num_samples, *, key) -> [N, dim]``. The
mixture also draws from a given component, ``prior.sample_given(labels, *, key)``, for the
label-conditioned AAE (Makhzani et al. 2015, §2.3), and reports its exact first two
moments, which the tests compare with sample moments:

.. math::
    \mathbb E[z] = \sum_k \pi_k \mu_k, \qquad
    \operatorname{Cov}[z] = \sum_k \pi_k \big(\Sigma_k + \mu_k \mu_k^\top\big)
        - \mathbb E[z]\,\mathbb E[z]^\top .

:func:`circle_mixture` places ``K`` components on a circle, each elongated along its radius
(the 10-component 2-D prior of the paper's figures 4 and 6). :class:`CategoricalPrior`
draws one-hot vectors, the prior of the semi-supervised AAE's class head (§5).

References:
    Makhzani, Shlens, Jaitly, Goodfellow & Frey (2015), Adversarial Autoencoders,
    arXiv:1511.05644.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

PRIORS = ("gaussian", "mixture")


def _check_num_samples(num_samples: int) -> None:
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples={num_samples!r}; pass a positive int")


class StandardGaussianPrior:
    """:math:`\\mathcal N(0, I_\\text{dim})`."""

    def __init__(self, dim: int):
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim={dim!r}; pass the code size, a positive int")
        self.dim = dim

    def sample(self, num_samples: int, *, key: jax.Array) -> jax.Array:
        """``[num_samples, dim]`` standard normal draws."""
        _check_num_samples(num_samples)
        return jax.random.normal(key, (num_samples, self.dim))

    def mean(self) -> np.ndarray:
        """``[dim]`` zeros."""
        return np.zeros(self.dim)

    def covariance(self) -> np.ndarray:
        """``[dim, dim]`` identity."""
        return np.eye(self.dim)


class GaussianMixturePrior:
    """:math:`\\sum_k \\pi_k \\mathcal N(\\mu_k, L_k L_k^\\top)`.

    Args:
        means: ``[K, dim]`` component means :math:`\\mu_k`.
        scale_trils: ``[K, dim, dim]`` lower-triangular factors :math:`L_k` of the component
            covariances (a draw is :math:`\\mu_k + L_k \\epsilon`).
        weights: ``[K]`` mixture weights :math:`\\pi_k` summing to one; uniform by default.
    """

    def __init__(self, means, scale_trils, weights=None):
        means = np.asarray(means, np.float64)
        scale_trils = np.asarray(scale_trils, np.float64)
        if means.ndim != 2 or means.shape[0] < 1:
            raise ValueError(f"means has shape {means.shape}; pass [num_components, dim]")
        num_components, dim = means.shape
        if scale_trils.shape != (num_components, dim, dim):
            raise ValueError(
                f"scale_trils has shape {scale_trils.shape}; pass one [dim, dim] factor per "
                f"component, shape {(num_components, dim, dim)}"
            )
        if weights is None:
            weights = np.full(num_components, 1.0 / num_components)
        weights = np.asarray(weights, np.float64)
        if weights.shape != (num_components,) or np.any(weights < 0):
            raise ValueError(f"weights={weights}; pass {num_components} non-negative numbers")
        if not np.isclose(weights.sum(), 1.0):
            raise ValueError(f"weights sum to {weights.sum()}; normalise them to sum to one")
        if not (np.all(np.isfinite(means)) and np.all(np.isfinite(scale_trils))):
            raise ValueError("means and scale_trils must be finite")
        self.means = means
        self.scale_trils = np.tril(scale_trils)
        self.weights = weights
        self.num_components = num_components
        self.dim = dim

    def sample_given(self, labels: jax.Array, *, key: jax.Array) -> jax.Array:
        """One draw from component ``labels[n]`` for each ``n``: ``[N] int -> [N, dim]``.

        Labels outside ``[0, K)`` cannot be checked under ``jit``; they are clipped.
        """
        labels = jnp.asarray(labels)
        if labels.ndim != 1 or not jnp.issubdtype(labels.dtype, jnp.integer):
            raise ValueError(
                f"labels has shape {labels.shape} and dtype {labels.dtype}; pass [N] integer "
                "component indices"
            )
        noise = jax.random.normal(key, (labels.shape[0], self.dim))
        means = jnp.asarray(self.means, noise.dtype)[labels]
        scale_trils = jnp.asarray(self.scale_trils, noise.dtype)[labels]
        return means + jnp.einsum("nij,nj->ni", scale_trils, noise)

    def sample_components(self, num_samples: int, *, key: jax.Array) -> jax.Array:
        """``[num_samples]`` int32 component indices drawn with probabilities ``weights``."""
        _check_num_samples(num_samples)
        log_weights = jnp.log(jnp.asarray(self.weights, jnp.float32))
        return jax.random.categorical(key, log_weights, shape=(num_samples,)).astype(jnp.int32)

    def sample(self, num_samples: int, *, key: jax.Array) -> jax.Array:
        """``[num_samples, dim]`` draws from the mixture."""
        component_key, noise_key = jax.random.split(key)
        components = self.sample_components(num_samples, key=component_key)
        return self.sample_given(components, key=noise_key)

    def component_log_densities(self, z) -> np.ndarray:
        """``z [N, dim] -> [N, K]``: :math:`\\log \\pi_k + \\log \\mathcal N(z; \\mu_k,
        \\Sigma_k)`."""
        z = np.asarray(z, np.float64)
        if z.ndim != 2 or z.shape[1] != self.dim:
            raise ValueError(f"z has shape {z.shape}; pass [N, {self.dim}] codes")
        centred = z[:, None, :] - self.means[None]
        whitened = np.stack(
            [np.linalg.solve(tril, centred[:, k].T).T for k, tril in enumerate(self.scale_trils)],
            axis=1,
        )
        log_det = np.sum(np.log(np.abs(np.diagonal(self.scale_trils, axis1=1, axis2=2))), -1)
        return (
            np.log(self.weights)
            - log_det
            - 0.5 * self.dim * np.log(2 * np.pi)
            - 0.5 * np.sum(whitened**2, axis=-1)
        )

    def assign(self, z) -> np.ndarray:
        """``[N, dim] -> [N]``: the most probable component of each point."""
        return np.argmax(self.component_log_densities(z), axis=1)

    def mean(self) -> np.ndarray:
        """``[dim]``: :math:`\\sum_k \\pi_k \\mu_k`."""
        return self.weights @ self.means

    def covariance(self) -> np.ndarray:
        """``[dim, dim]``: the law of total covariance of the module docstring."""
        component_covariances = self.scale_trils @ np.swapaxes(self.scale_trils, 1, 2)
        second_moments = component_covariances + self.means[:, :, None] * self.means[:, None]
        mean = self.mean()
        return np.einsum("k,kij->ij", self.weights, second_moments) - np.outer(mean, mean)


def circle_mixture(
    num_components: int = 10,
    *,
    radius: float = 4.0,
    radial_std: float = 1.0,
    tangential_std: float = 0.25,
) -> GaussianMixturePrior:
    """A 2-D mixture of equally weighted Gaussians with means on a circle.

    Component ``k`` sits at angle :math:`2\\pi k / K` and is stretched along its radius
    (standard deviation ``radial_std``) and narrow across it (``tangential_std``), the
    petal-shaped prior of Makhzani et al. (2015), figures 4 and 6.
    """
    if not isinstance(num_components, int) or num_components < 1:
        raise ValueError(f"num_components={num_components!r}; pass a positive int")
    if not (radius >= 0 and radial_std > 0 and tangential_std > 0):
        raise ValueError(
            f"radius={radius}, radial_std={radial_std}, tangential_std={tangential_std}: "
            "the radius must be >= 0 and both standard deviations > 0"
        )
    angles = 2 * np.pi * np.arange(num_components) / num_components
    radial = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    tangential = np.stack([-np.sin(angles), np.cos(angles)], axis=1)
    rotations = np.stack([radial, tangential], axis=2)  # columns: radial, tangential
    scales = rotations * np.array([radial_std, tangential_std])
    # L = R diag(s) is a valid square root of the covariance; make it lower triangular.
    covariances = scales @ np.swapaxes(scales, 1, 2)
    return GaussianMixturePrior(radius * radial, np.linalg.cholesky(covariances))


class CategoricalPrior:
    """One-hot draws of a categorical distribution over ``num_classes`` (uniform default)."""

    def __init__(self, num_classes: int, weights=None):
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes={num_classes!r}; pass an int >= 2")
        if weights is None:
            weights = np.full(num_classes, 1.0 / num_classes)
        weights = np.asarray(weights, np.float64)
        if weights.shape != (num_classes,) or np.any(weights < 0):
            raise ValueError(f"weights={weights}; pass {num_classes} non-negative numbers")
        if not np.isclose(weights.sum(), 1.0):
            raise ValueError(f"weights sum to {weights.sum()}; normalise them to sum to one")
        self.num_classes = num_classes
        self.dim = num_classes
        self.weights = weights

    def sample(self, num_samples: int, *, key: jax.Array) -> jax.Array:
        """``[num_samples, num_classes]`` one-hot float32 vectors."""
        _check_num_samples(num_samples)
        log_weights = jnp.log(jnp.asarray(self.weights, jnp.float32))
        classes = jax.random.categorical(key, log_weights, shape=(num_samples,))
        return jax.nn.one_hot(classes, self.num_classes, dtype=jnp.float32)

    def mean(self) -> np.ndarray:
        """``[num_classes]``: the class probabilities."""
        return self.weights.copy()

    def covariance(self) -> np.ndarray:
        """``[num_classes, num_classes]``: :math:`\\operatorname{diag}(\\pi) - \\pi\\pi^\\top`."""
        return np.diag(self.weights) - np.outer(self.weights, self.weights)


def make_prior(name: str, *, dim: int = 2, num_components: int = 10):
    """A prior by name: ``"gaussian"`` (:math:`\\mathcal N(0, I_\\text{dim})`) or
    ``"mixture"`` (:func:`circle_mixture` with ``num_components``; needs ``dim == 2``)."""
    if name == "gaussian":
        return StandardGaussianPrior(dim)
    if name == "mixture":
        if dim != 2:
            raise ValueError(
                f"prior='mixture' is the 2-D circle mixture but dim={dim}; use a 2-D code, "
                "or build a GaussianMixturePrior with your own means"
            )
        return circle_mixture(num_components)
    raise ValueError(f"prior={name!r} is unknown; choose one of {PRIORS}")
