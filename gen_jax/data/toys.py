"""Synthetic 2-D toy data sets: a Gaussian mixture, the ring of Gaussians, two moons.

Each generator is a pure function of its arguments and ``seed`` and returns
``{"x": float32 [N, 2], "label": int32 [N]}``, where ``label`` is the mixture component,
ring mode or moon that produced the point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["gaussian_mixture_2d", "moons", "ring"]

# Three well separated, differently shaped clusters with unequal weights: the kind of
# picture used to introduce EM for Gaussian mixtures.
_DEFAULT_MEANS = ((-2.5, -1.0), (0.0, 2.5), (2.5, -1.0))
_DEFAULT_STDS = ((0.6, 0.6), (1.0, 0.4), (0.4, 0.9))
_DEFAULT_WEIGHTS = (0.3, 0.45, 0.25)


def _check_num_samples(num_samples: int) -> int:
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    if num_samples <= 0:
        raise ValueError(f"num_samples must be a positive int, got {num_samples}")
    return int(num_samples)


def _check_scalar(name: str, value: float, *, positive: bool) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    bound_ok = value > 0.0 if positive else value >= 0.0
    if not (math.isfinite(value) and bound_ok):
        requirement = "finite and > 0" if positive else "finite and >= 0"
        raise ValueError(f"{name} must be {requirement}, got {value}")
    return value


def _to_output(points: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    return {"x": points.astype(np.float32), "label": labels.astype(np.int32)}


def gaussian_mixture_2d(
    num_samples: int,
    *,
    seed: int = 0,
    means: Sequence[Sequence[float]] | np.ndarray | None = None,
    stds: float | Sequence[float] | Sequence[Sequence[float]] | np.ndarray | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    r"""Samples a 2-D mixture of axis-aligned Gaussians.

    .. math:: p(x) = \sum_k w_k \, \mathcal{N}(x \mid \mu_k, \operatorname{diag}(\sigma_k^2))

    With every argument left at None this is a fixed three-cluster example with means
    (-2.5, -1), (0, 2.5), (2.5, -1), per-axis standard deviations (0.6, 0.6), (1.0, 0.4),
    (0.4, 0.9) and weights (0.3, 0.45, 0.25).

    Args:
        num_samples: N, the number of points.
        seed: Seed of the numpy generator.
        means: float [K, 2], component means. None gives the default three clusters.
        stds: Standard deviations: a scalar (shared, isotropic), float [K] (isotropic per
            component) or float [K, 2] (per axis). All > 0. None gives the defaults for the
            default means and 0.5 otherwise.
        weights: float [K], non-negative mixing weights summing to 1. None gives the default
            weights for the default means and uniform weights otherwise.

    Returns:
        ``{"x": float32 [N, 2], "label": int32 [N]}``, label = component index in 0..K-1.

    Raises:
        ValueError: If shapes disagree, a std is not positive or the weights are not a
            probability vector.

    References:
        Bishop, C. M. (2006). Pattern Recognition and Machine Learning, section 9.2.
    """
    num_samples = _check_num_samples(num_samples)
    use_defaults = means is None
    means = np.asarray(_DEFAULT_MEANS if use_defaults else means, dtype=np.float64)
    if means.ndim != 2 or means.shape[1] != 2 or means.shape[0] == 0:
        raise ValueError(f"means must have shape [K, 2] with K >= 1, got shape {means.shape}")
    if not np.isfinite(means).all():
        raise ValueError("means must be finite, got NaN or inf")
    num_components = means.shape[0]

    if stds is None:
        stds = _DEFAULT_STDS if use_defaults else 0.5
    stds = np.asarray(stds, dtype=np.float64)
    if stds.ndim == 0:
        stds = np.full((num_components, 2), float(stds))
    elif stds.shape == (num_components,):
        stds = np.repeat(stds[:, None], 2, axis=1)
    elif stds.shape != (num_components, 2):
        raise ValueError(
            f"stds must be a scalar, shape [K] or shape [K, 2] with K={num_components}, "
            f"got shape {stds.shape}"
        )
    if not (np.isfinite(stds).all() and (stds > 0).all()):
        raise ValueError(f"stds must be finite and > 0, got {stds.tolist()}")

    if weights is None:
        weights = _DEFAULT_WEIGHTS if use_defaults else np.full(num_components, 1 / num_components)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (num_components,):
        raise ValueError(
            f"weights must have shape [K] with K={num_components}, got shape {weights.shape}"
        )
    if not (np.isfinite(weights).all() and (weights >= 0).all()):
        raise ValueError(f"weights must be finite and >= 0, got {weights.tolist()}")
    if not np.isclose(weights.sum(), 1.0, rtol=0.0, atol=1e-6):
        raise ValueError(
            f"weights must sum to 1, got sum {weights.sum():.6g}; divide by their sum first"
        )

    rng = np.random.default_rng(seed)
    labels = rng.choice(num_components, size=num_samples, p=weights / weights.sum())
    noise = rng.standard_normal((num_samples, 2))
    return _to_output(means[labels] + stds[labels] * noise, labels)


def ring(
    num_samples: int,
    *,
    seed: int = 0,
    num_modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
) -> dict[str, np.ndarray]:
    r"""Samples the ring of Gaussians used to measure mode collapse in GANs.

    Mode k, chosen uniformly, sits at ``radius * (cos(2 pi k / K), sin(2 pi k / K))`` and
    adds isotropic noise of standard deviation ``std``.

    Args:
        num_samples: N.
        seed: Seed of the numpy generator.
        num_modes: K >= 1, the number of modes on the circle.
        radius: Radius of the circle, > 0.
        std: Standard deviation of each mode, >= 0.

    Returns:
        ``{"x": float32 [N, 2], "label": int32 [N]}``, label = mode index in 0..K-1.

    Raises:
        ValueError: If an argument is out of range.

    References:
        Metz, L., Poole, B., Pfau, D. and Sohl-Dickstein, J. (2017). Unrolled Generative
        Adversarial Networks. arXiv:1611.02163.
    """
    num_samples = _check_num_samples(num_samples)
    if isinstance(num_modes, bool) or not isinstance(num_modes, (int, np.integer)) or num_modes < 1:
        raise ValueError(f"num_modes must be an int >= 1, got {num_modes!r}")
    radius = _check_scalar("radius", radius, positive=True)
    std = _check_scalar("std", std, positive=False)

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_modes, size=num_samples)
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    points = centres[labels] + std * rng.standard_normal((num_samples, 2))
    return _to_output(points, labels)


def moons(num_samples: int, *, seed: int = 0, noise: float = 0.05) -> dict[str, np.ndarray]:
    """Samples two interleaving half circles.

    Moon 0 is the upper unit half circle ``(cos t, sin t)``; moon 1 is the lower one shifted
    to interleave, ``(1 - cos t, 0.5 - sin t)``, with ``t ~ U(0, pi)``. Half of the points
    (rounded up) belong to moon 0, in random order. Isotropic Gaussian noise of standard
    deviation ``noise`` is added.

    Args:
        num_samples: N.
        seed: Seed of the numpy generator.
        noise: Standard deviation of the added noise, >= 0.

    Returns:
        ``{"x": float32 [N, 2], "label": int32 [N]}``, label = moon index (0 or 1).

    Raises:
        ValueError: If an argument is out of range.
    """
    num_samples = _check_num_samples(num_samples)
    noise = _check_scalar("noise", noise, positive=False)

    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(num_samples) >= (num_samples + 1) // 2).astype(np.int32)
    t = rng.uniform(0.0, np.pi, size=num_samples)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    points = np.where(labels[:, None] == 0, upper, lower)
    points = points + noise * rng.standard_normal((num_samples, 2))
    return _to_output(points, labels)
