"""Figures for attacks on autoencoders: side-by-side panels and distortion-success curves."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from gen_jax.core.atomic import save_figure_png

PANEL_INCHES = 1.1


def save_attack_panels(
    path: str | os.PathLike,
    columns: Mapping[str, np.ndarray],
    *,
    value_range: tuple[float, float] = (0.0, 1.0),
    row_labels: list[str] | None = None,
) -> Path:
    """One row per example, one titled column per image set (e.g. reference, adversarial,
    target and their reconstructions).

    Args:
        path: Destination ``.png``.
        columns: title -> images ``[B, H, W, C]`` (``C`` 1 or 3), the same ``B`` for all.
        value_range: the pixel range shown from black to white.
        row_labels: optional ``B`` labels written left of each row.

    Raises:
        ValueError: if ``columns`` is empty or its image sets disagree in shape.
    """
    if not columns:
        raise ValueError("columns must map at least one title to images [B, H, W, C]")
    images = {title: np.asarray(array, dtype=np.float64) for title, array in columns.items()}
    shapes = {array.shape for array in images.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 4:
        raise ValueError(f"every column must hold images [B, H, W, C] of one shape, got {shapes}")
    count = next(iter(shapes))[0]
    if row_labels is not None and len(row_labels) != count:
        raise ValueError(f"row_labels has {len(row_labels)} entries for {count} rows")
    figure = Figure(
        figsize=(PANEL_INCHES * len(images), PANEL_INCHES * count + 0.3), layout="constrained"
    )
    axes = figure.subplots(count, len(images), squeeze=False)
    low, high = value_range
    for column, (title, array) in enumerate(images.items()):
        for row in range(count):
            axis = axes[row, column]
            tile = np.clip((array[row] - low) / (high - low), 0.0, 1.0)
            axis.imshow(tile[..., 0] if tile.shape[-1] == 1 else tile, cmap="gray", vmin=0, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(title, fontsize=8)
            if column == 0 and row_labels is not None:
                axis.set_ylabel(row_labels[row], fontsize=8)
    return save_figure_png(path, figure)


def save_distortion_success_curves(
    path: str | os.PathLike,
    curves: Mapping[str, tuple[np.ndarray, np.ndarray, float]],
    *,
    max_distortion: float,
    success_at_zero: float = 0.0,
    xlabel: str = "mean input distortion ||d||_2",
) -> Path:
    """Success rate against distortion, one line per attack, with its area in the legend.

    Args:
        path: Destination ``.png``.
        curves: name -> ``(distortions [L], success_rates [L], area)`` (area as from
            :func:`gen_jax.attacks.area_under_success_curve`).
        max_distortion: the right end of the axis, the ``D_max`` of the areas.
        success_at_zero: the success rate of the unperturbed inputs, each curve's start.
        xlabel: the horizontal axis label.
    """
    if not curves:
        raise ValueError("curves must map at least one name to (distortions, rates, area)")
    figure = Figure(figsize=(5.6, 4.0), layout="constrained")
    axis = figure.add_subplot()
    for name, (distortions, rates, area) in curves.items():
        order = np.argsort(distortions)
        xs = np.concatenate([[0.0], np.asarray(distortions)[order]])
        ys = np.concatenate([[success_at_zero], np.asarray(rates)[order]])
        axis.plot(xs, ys, marker="o", markersize=3, label=f"{name} (area {area:.3f})")
    axis.axvline(max_distortion, color="0.4", linestyle="--", linewidth=1, label="D_max")
    axis.set_xlim(0.0, max_distortion * 1.05)
    axis.set_ylim(-0.02, 1.02)
    axis.set_xlabel(xlabel)
    axis.set_ylabel("attack success rate")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    return save_figure_png(path, figure)
