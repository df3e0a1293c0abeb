"""Latent-space scatter plots: codes of a data set, optionally coloured by their labels.

The plot follows Foster's *Generative Deep Learning* (2019), chapter 3 (Figs 3.2 and 3.14): the
2-D codes of a test set, coloured by digit label, show how an autoencoder or a VAE lays out the
classes. Codes with more than two dimensions are projected onto their first two principal
components.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.colors
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gen_jax.core.atomic import save_figure_png

# Labels with at most this many distinct values get one colour each and a legend; numeric
# labels with more are drawn on a continuous colour scale with a colour bar.
MAX_CATEGORIES = 20


def pca_project(codes) -> tuple[np.ndarray, float]:
    """Projects codes onto their first two principal components, computed with an SVD.

    The sign of each component is fixed so that its largest-magnitude loading is positive,
    which makes the picture reproducible across runs and platforms.

    Args:
        codes: Array ``[N, D]`` with ``N >= 2`` and ``D >= 2``.

    Returns:
        ``(projected, explained)``: the centred codes in the principal axes, ``[N, 2]``, and the
        fraction of the total variance those two axes explain (``nan`` if all codes are equal).
    """
    centred = np.asarray(codes, dtype=np.float64)
    centred = centred - centred.mean(axis=0)
    _, singular_values, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2]
    largest = np.abs(components).argmax(axis=1)
    components = components * np.sign(components[np.arange(2), largest])[:, None]
    total_variance = np.sum(singular_values**2)
    explained = np.sum(singular_values[:2] ** 2) / total_variance if total_variance else np.nan
    return centred @ components.T, float(explained)


def save_latent_scatter(
    path: str | os.PathLike,
    codes,
    *,
    labels=None,
    title: str | None = None,
) -> Path:
    """Draws a scatter plot of latent codes and writes it as a PNG.

    Without labels the points are black. Labels with at most ``MAX_CATEGORIES`` (20) distinct
    values (digit classes, strings) give each class its own colour and a legend; other numeric
    labels (a continuous attribute, or many classes) are drawn on a colour scale with a colour
    bar. Codes with ``D > 2`` dimensions are projected onto their first two principal
    components (:func:`pca_project`), and the title says so and how much variance the
    projection keeps.

    Args:
        path: Destination ``.png`` file; missing parent directories are created.
        codes: Array ``[N, D]`` of finite codes with ``D >= 2`` (``N >= 2`` when ``D > 2``).
        labels: Optional array ``[N]``: integers, strings, bools or real numbers.
        title: Optional title; the PCA note is added below it when codes are projected.

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        ValueError: If ``codes`` or ``labels`` has the wrong shape or dtype, or ``codes``
            holds non-finite values; the message names the argument.
    """
    points = _check_codes(codes)
    num_points, num_dims = points.shape
    if num_dims == 2:
        x_label, y_label = "z[0]", "z[1]"
        heading = title
    else:
        points, explained = pca_project(points)
        x_label, y_label = "PC 1", "PC 2"
        note = f"PCA projection of {num_dims}-D codes ({explained:.0%} of variance)"
        heading = note if title is None else f"{title}\n{note}"

    figure = Figure(figsize=(6.4, 5.2), layout="constrained")
    axis = figure.add_subplot()
    size = float(np.clip(10000 / num_points, 3, 30))
    if labels is None:
        axis.scatter(points[:, 0], points[:, 1], s=size, c="black", alpha=0.8, linewidths=0)
    else:
        _scatter_labelled(figure, axis, points, _check_labels(labels, num_points), size)
    axis.set_xlabel(x_label)
    axis.set_ylabel(y_label)
    axis.grid(True, alpha=0.3)
    if heading is not None:
        axis.set_title(heading, fontsize=11)
    return save_figure_png(path, figure)


def _scatter_labelled(figure, axis, points: np.ndarray, labels: np.ndarray, size: float) -> None:
    """Draws labelled points: a legend for few categories, a colour bar for anything else."""
    classes, indices = np.unique(labels, return_inverse=True)
    if len(classes) <= MAX_CATEGORIES:
        colormap = matplotlib.colormaps["tab10" if len(classes) <= 10 else "tab20"]
        colors = colormap(np.arange(len(classes)))
        axis.scatter(points[:, 0], points[:, 1], s=size, c=colors[indices], alpha=0.8, linewidths=0)
        handles = [
            Line2D([], [], linestyle="", marker="o", markersize=6, color=color, label=str(name))
            for name, color in zip(classes, colors, strict=True)
        ]
        figure.legend(handles=handles, title="label", loc="outside right upper", fontsize=9)
        return
    if labels.dtype.kind not in "iuf":
        raise ValueError(
            f"labels has {len(classes)} distinct non-numeric values; at most {MAX_CATEGORIES} "
            "can be told apart by colour. Pass numeric labels or group them first."
        )
    mappable = axis.scatter(
        points[:, 0],
        points[:, 1],
        s=size,
        c=labels,
        cmap="viridis",
        norm=matplotlib.colors.Normalize(labels.min(), labels.max()),
        alpha=0.8,
        linewidths=0,
    )
    figure.colorbar(mappable, ax=axis, label="label")


def _check_codes(codes) -> np.ndarray:
    """Validates ``codes`` as finite real ``[N, D]``; returns them as float64."""
    array = np.asarray(codes)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 2:
        raise ValueError(f"codes must have shape [N, D] with N >= 1 and D >= 2, got {array.shape}.")
    if array.shape[1] > 2 and array.shape[0] < 2:
        raise ValueError(
            f"codes with D = {array.shape[1]} > 2 are projected with PCA, which needs N >= 2 "
            f"points; got shape {array.shape}."
        )
    # JAX's bfloat16 arrives as a numpy "void"-kind dtype (ml_dtypes) that casts to float.
    if array.dtype.kind not in "iuf" and not (
        array.dtype.kind == "V" and np.can_cast(array.dtype, np.float64)
    ):
        raise ValueError(f"codes must have a real numeric dtype, got {array.dtype}.")
    points = array.astype(np.float64)
    if not np.isfinite(points).all():
        raise ValueError(
            "codes contains NaN or inf; the encoder diverged or the codes were not computed."
        )
    return points


def _check_labels(labels, num_points: int) -> np.ndarray:
    """Validates ``labels`` as ``[N]`` of a plottable dtype and returns them as an array."""
    array = np.asarray(labels)
    if array.shape != (num_points,):
        raise ValueError(
            f"labels must have shape [N] = ({num_points},) to match codes, got {array.shape}."
        )
    if array.dtype.kind not in "biufUS":
        raise ValueError(
            f"labels must hold integers, strings, bools or real numbers, got dtype {array.dtype}."
        )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError("labels contains NaN or inf.")
    return array
