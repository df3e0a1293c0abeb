"""Latent-space tools: decode grids, morphing, attribute vectors, marginal histograms.

The analyses of Foster's *Generative Deep Learning* (2019), chapter 3: a grid of 2-D codes
to decode (spanning the codes' range for an autoencoder, or at standard-normal quantiles
``norm.ppf(linspace(0.01, 0.99, n))`` for a VAE), linear morphing
``z = (1 - alpha) z_A + alpha z_B`` between two inputs, attribute vectors (mean code of the
examples with an attribute minus the mean code of those without, normalised to unit length)
added with weights ``alpha = -4 ... 4``, and histograms of the latent marginals against the
N(0, 1) density (Fig 3.19). The functions return numpy codes for any decoder; only
:func:`save_latent_histograms` draws.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import norm

from gen_jax.core.atomic import save_figure_png

GRID_KINDS = ("normal_quantiles", "range")


def latent_grid(
    num_per_axis: int,
    *,
    kind: str = "normal_quantiles",
    codes=None,
    probability_range: tuple[float, float] = (0.01, 0.99),
) -> np.ndarray:
    """Codes on a ``num_per_axis x num_per_axis`` grid in a 2-D latent space, ``[n*n, 2]``.

    Rows run from the largest ``z[1]`` (top) to the smallest and columns from the smallest
    ``z[0]`` (left), so decoding in order and tiling ``num_per_axis`` per row gives the
    picture with the latent axes in their usual orientation.

    Args:
        num_per_axis: points per axis (the book uses 20).
        kind: ``"normal_quantiles"``: ``norm.ppf`` of ``probability_range`` split evenly
            (the VAE's normal-CDF grid); ``"range"``: from the minimum to the maximum of
            ``codes`` on each axis (the autoencoder's grid).
        codes: ``[N, 2]`` codes, needed for ``kind="range"``.
        probability_range: the quantile levels spanned by ``"normal_quantiles"``.
    """
    if num_per_axis < 2:
        raise ValueError(f"num_per_axis={num_per_axis}; a grid needs at least 2 points per axis")
    if kind not in GRID_KINDS:
        raise ValueError(f"kind={kind!r}; choose one of {GRID_KINDS}")
    if kind == "normal_quantiles":
        low, high = probability_range
        if not 0.0 < low < high < 1.0:
            raise ValueError(f"probability_range={probability_range}; need 0 < low < high < 1")
        axes = [norm.ppf(np.linspace(low, high, num_per_axis))] * 2
    else:
        if codes is None or np.ndim(codes) != 2 or np.shape(codes)[1] != 2:
            raise ValueError("kind='range' needs codes of shape [N, 2] to span; pass codes=...")
        codes = np.asarray(codes, np.float64)
        axes = [np.linspace(codes[:, j].min(), codes[:, j].max(), num_per_axis) for j in (0, 1)]
    return np.array([[x, y] for y in axes[1][::-1] for x in axes[0]], np.float32)


def interpolate_codes(code_a, code_b, num_steps: int) -> np.ndarray:
    """Morphing: ``(1 - alpha) z_A + alpha z_B`` for ``alpha`` in ``linspace(0, 1, num_steps)``.

    Args:
        code_a, code_b: codes ``[d]`` of the two inputs.
        num_steps: number of codes, both ends included.

    Returns:
        ``[num_steps, d]``.
    """
    code_a, code_b = np.asarray(code_a, np.float64), np.asarray(code_b, np.float64)
    if code_a.shape != code_b.shape or code_a.ndim != 1:
        raise ValueError(
            f"code_a {code_a.shape} and code_b {code_b.shape} must be single codes of one shape [d]"
        )
    if num_steps < 2:
        raise ValueError(f"num_steps={num_steps}; give at least the two end points")
    alpha = np.linspace(0.0, 1.0, num_steps)[:, None]
    return ((1.0 - alpha) * code_a + alpha * code_b).astype(np.float32)


def attribute_vector(codes, has_attribute, *, normalize: bool = True) -> np.ndarray:
    """Mean code of the examples with an attribute minus the mean of those without, ``[d]``.

    Args:
        codes: ``[N, d]``.
        has_attribute: ``[N]`` booleans (CelebA's ``+1/-1`` labels: pass ``labels > 0``).
        normalize: scale to unit length, as the book's ``get_vector_from_label``.
    """
    codes = np.asarray(codes, np.float64)
    mask = np.asarray(has_attribute)
    if mask.dtype != bool or mask.shape != codes.shape[:1] or codes.ndim != 2:
        raise ValueError(
            f"has_attribute must be booleans [N] matching codes [N, d]; got {mask.dtype} "
            f"{mask.shape} and codes {codes.shape}"
        )
    if mask.all() or not mask.any():
        raise ValueError("has_attribute must mark some examples True and some False")
    vector = codes[mask].mean(axis=0) - codes[~mask].mean(axis=0)
    if normalize:
        vector = vector / np.linalg.norm(vector)
    return vector.astype(np.float32)


def add_attribute(code, vector, weights) -> np.ndarray:
    """Latent arithmetic ``z + alpha * v`` for each ``alpha`` in ``weights``: ``[len, d]``."""
    code, vector = np.asarray(code, np.float64), np.asarray(vector, np.float64)
    if code.shape != vector.shape or code.ndim != 1:
        raise ValueError(f"code {code.shape} and vector {vector.shape} must both be [d]")
    weights = np.asarray(weights, np.float64).reshape(-1, 1)
    return (code + weights * vector).astype(np.float32)


def save_latent_histograms(
    path: str | os.PathLike,
    codes,
    *,
    max_dims: int = 50,
    bins: int = 20,
    title: str | None = None,
) -> Path:
    """Histograms (densities) of the first ``max_dims`` latent marginals over the N(0, 1) pdf.

    Args:
        path: destination ``.png``.
        codes: ``[N, d]`` finite codes.
        max_dims: how many dimensions to draw (the book shows 50).
        bins: histogram bins.
        title: optional figure title.
    """
    codes = np.asarray(codes, np.float64)
    if codes.ndim != 2 or codes.shape[0] < 2 or not np.isfinite(codes).all():
        raise ValueError(f"codes must be finite [N, d] with N >= 2, got shape {codes.shape}")
    num_dims = min(max_dims, codes.shape[1])
    columns = min(10, num_dims)
    rows = math.ceil(num_dims / columns)
    figure = Figure(figsize=(1.6 * columns, 1.4 * rows + 0.4), layout="constrained")
    grid = np.linspace(-3.0, 3.0, 200)
    for index in range(num_dims):
        axis = figure.add_subplot(rows, columns, index + 1)
        axis.hist(codes[:, index], bins=bins, range=(-3.0, 3.0), density=True, color="tab:blue")
        axis.plot(grid, norm.pdf(grid), color="tab:red", linewidth=1.0)
        axis.set_title(f"z[{index}]", fontsize=8)
        axis.set_xticks([])
        axis.set_yticks([])
    if title is not None:
        figure.suptitle(title, fontsize=10)
    return save_figure_png(path, figure)
