"""The sufficient statistics of :class:`~gen_jax.estimators.naive_bayes.NaiveBayes` and the
closed-form estimates made from them, as scikit-learn's naive Bayes classifiers make them.

The counts are weighted (``sample_weight``) and accumulate over ``partial_fit`` calls;
Gaussian means and variances are merged with Chan et al.'s pairwise update.

References:
    Chan, Golub & LeVeque (1979), Updating formulae and a pairwise algorithm for computing
    sample variances, Stanford CS report STAN-CS-79-773.
    Rennie, Shih, Teevan & Karger (2003), Tackling the poor assumptions of naive Bayes text
    classifiers, ICML (complement naive Bayes).
"""

from __future__ import annotations

import numpy as np


def check_alpha(alpha, kind: str) -> np.ndarray | float:
    """``alpha`` as a float, or a ``[D]`` array for the kinds that smooth per feature.

    Raises:
        ValueError: a negative or non-finite entry, or an array for ``categorical`` or
            ``gaussian`` naive Bayes.
    """
    array = np.asarray(alpha, np.float64)
    if array.ndim > 1 or not (np.isfinite(array).all() and (array >= 0).all()):
        raise ValueError(f"alpha={alpha!r}: must be a finite number >= 0 (or a 1-D array of them)")
    if array.ndim == 1 and kind not in ("bernoulli", "multinomial", "complement"):
        raise ValueError(
            f"alpha is an array of shape {array.shape}; per-feature smoothing exists for "
            "kind='bernoulli', 'multinomial' and 'complement' only: pass one number"
        )
    return array if array.ndim == 1 else float(array)


def effective_alpha(alpha, num_features: int, force_alpha: bool):
    """scikit-learn's ``_check_alpha``: the shape checked, and entries below 1e-10 raised
    to 1e-10 unless ``force_alpha``."""
    if np.ndim(alpha) == 1 and np.shape(alpha) != (num_features,):
        raise ValueError(
            f"alpha has shape {np.shape(alpha)}; a per-feature alpha needs one entry per "
            f"feature ({num_features},)"
        )
    if not force_alpha and np.min(alpha) < 1e-10:
        return np.maximum(alpha, 1e-10)
    return alpha


def merge_mean_variance(count, mean, var, new_count, new_mean, new_var):
    """Per-class ``(count, mean, var)`` of the union of two weighted samples (Chan et al.)."""
    total = count + new_count
    safe = np.where(total > 0, total, 1.0)[:, None]
    delta = new_mean - mean
    merged_mean = mean + delta * (new_count[:, None] / safe)
    scatter = var * count[:, None] + new_var * new_count[:, None]
    scatter += delta**2 * (count * new_count)[:, None] / safe
    return total, merged_mean, scatter / safe


def weighted_mean_variance(x, weights_by_class):
    """Per-class weighted ``(count [C], mean [C, D], var [C, D])`` of ``x [N, D]``."""
    count = weights_by_class.sum(0)
    safe = np.where(count > 0, count, 1.0)[:, None]
    mean = weights_by_class.T @ x / safe
    var = np.stack([w @ (x - m) ** 2 for w, m in zip(weights_by_class.T, mean, strict=True)]) / safe
    return count, mean, var


def categorical_log_prob(category_count, n_categories, alpha) -> np.ndarray:
    """``[C, D, K]`` :math:`\\log p(x_j = k \\mid y)`, padded with ``-inf`` past each
    feature's ``n_categories``, from the per-feature counts ``[C, K_j]``."""
    width = int(max(n_categories))
    table = np.full((category_count[0].shape[0], len(category_count), width), -np.inf)
    for j, counts in enumerate(category_count):
        smoothed = counts + alpha
        with np.errstate(divide="ignore", invalid="ignore"):
            table[:, j, : counts.shape[1]] = np.log(smoothed / smoothed.sum(1, keepdims=True))
    return table


def discrete_log_prob(kind: str, feature_count, class_count, alpha, norm: bool) -> np.ndarray:
    """``[C, D]`` Bernoulli :math:`\\log p(x_j = 1 \\mid y)`, multinomial
    :math:`\\log p(v \\mid y)` or complement weights, from ``feature_count [C, D]``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "bernoulli":
            return np.log((feature_count + alpha) / (class_count[:, None] + 2 * alpha))
        if kind == "multinomial":
            smoothed = feature_count + alpha
            return np.log(smoothed / smoothed.sum(1, keepdims=True))
        complement = feature_count.sum(0) + alpha - feature_count
        logged = np.log(complement / complement.sum(1, keepdims=True))
        return logged / logged.sum(1, keepdims=True) if norm else -logged
