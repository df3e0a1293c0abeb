"""Gaussian-mixture pictures: soft clustering with covariance ellipses, and BIC/AIC against K.

:func:`save_mixture_plot` draws the classic soft-clustering figure (Bishop, 2006, Fig. 9.8):
every point is painted in a blend of the component colours weighted by its responsibilities,
each component shows its mean and its 1- and 2-sigma ellipses, and one query point may be
highlighted with the probability that it belongs to each component, as in the survey's
Fig. 2. :func:`save_criterion_curve` plots model-selection criteria against the number of
components.

References:
    Bishop, C. M. (2006). Pattern Recognition and Machine Learning, chapter 9.2.
    Namiot, D. E. and Ilyushin, E. A. Generative models in machine learning, section II.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.offsetbox import AnnotationBbox, TextArea, VPacker
from matplotlib.patches import Ellipse

from gen_jax.core.atomic import save_figure_png

# Size of save_mixture_plot's figure in inches; at the default 100 dpi the PNG is 640x560.
MIXTURE_FIGSIZE = (6.4, 5.6)
# Size of save_criterion_curve's figure in inches; 560x400 pixels at 100 dpi.
CRITERION_FIGSIZE = (5.6, 4.0)
# The ellipses drawn per component, in standard deviations (Mahalanobis radius).
ELLIPSE_SIGMAS = (1.0, 2.0)
_ELLIPSE_STYLES = ("-", "--")
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
_QUERY_COLOR = "red"


def save_mixture_plot(
    path: str | os.PathLike,
    x,
    *,
    means,
    covariances,
    responsibilities=None,
    query=None,
    background=None,
    covariance_type: str | None = None,
    title: str | None = None,
) -> Path:
    r"""Draws 2-D data coloured by soft assignment, with each component's mean and ellipses.

    A point with responsibilities ``r`` (a row of ``responsibilities``) is painted in the
    colour ``sum_k r_k c_k``, the blend of the component colours ``c_k``, so points that a
    component owns outright take its colour and points between components take a mixture.
    Without responsibilities the points are grey. Each component's mean is a cross, and its
    1- and 2-sigma ellipses (solid, dashed) are the level sets
    :math:`(x - \mu_k)^\top \Sigma_k^{-1} (x - \mu_k) = s^2` for ``s = 1, 2``.

    Args:
        path: Destination ``.png`` file; missing parent directories are created.
        x: ``[N, 2]`` finite points.
        means: ``[K, 2]`` component means.
        covariances: Component covariances in any of scikit-learn's layouts: ``[K, 2, 2]``
            (full), ``[2, 2]`` (tied, shared by all components), ``[K, 2]`` (diagonal) or
            ``[K]`` (spherical); each is converted to full ``[K, 2, 2]`` matrices, which must
            be symmetric positive definite. With ``K = 2`` a ``[2, 2]`` array is either tied or
            diagonal; say which with ``covariance_type``.
        responsibilities: ``[N, K]`` non-negative rows summing to one (a mixture's
            ``predict_proba(x)``), or ``None`` for grey points.
        query: ``None``, or ``(point [2], probabilities [K])``: a point drawn as a red star,
            with its membership probability for each component printed beside it in that
            component's colour.
        background: ``None``, or ``[M, 2]`` finite points drawn in light grey beneath
            everything else, e.g. the training data under samples drawn from the mixture.
        covariance_type: ``None`` to infer the layout from the shape of ``covariances``, or
            one of ``"full"``, ``"tied"``, ``"diag"``, ``"spherical"`` to insist on it.
        title: Optional title.

    Returns:
        ``path`` as a :class:`pathlib.Path`. The PNG is 640x560 pixels.

    Raises:
        ValueError: If an argument has the wrong shape, is not finite, or is out of range
            (covariances not positive definite, probabilities not summing to one); the
            message names the argument.
    """
    points = _check_points("x", x)
    centres = _check_points("means", means)
    num_components = centres.shape[0]
    full = _full_covariances(covariances, num_components, covariance_type)
    colors = _component_colors(num_components)
    point_colors = None
    if responsibilities is not None:
        weights = _check_probabilities(
            "responsibilities", responsibilities, (points.shape[0], num_components)
        )
        point_colors = np.clip(weights @ colors[:, :3], 0.0, 1.0)
    query_point = query_probabilities = None
    if query is not None:
        query_point, query_probabilities = _check_query(query, num_components)
    extra = None if background is None else _check_points("background", background)

    figure = Figure(figsize=MIXTURE_FIGSIZE, layout="constrained")
    axis = figure.add_subplot()
    if extra is not None:
        axis.scatter(extra[:, 0], extra[:, 1], s=_marker_size(len(extra)), c="0.8", linewidths=0)
    size = _marker_size(points.shape[0])
    if point_colors is None:
        axis.scatter(points[:, 0], points[:, 1], s=size, c="0.35", alpha=0.8, linewidths=0)
    else:
        axis.scatter(points[:, 0], points[:, 1], s=size, c=point_colors, alpha=0.8, linewidths=0)
    for component in range(num_components):
        _draw_component(axis, centres[component], full[component], colors[component])
    if query_point is not None:
        corner = _emptiest_corner(points, query_point)
        _draw_query(axis, query_point, query_probabilities, colors, corner=corner)
    handles = [
        Line2D([], [], linestyle="-", marker="X", markersize=8, color=color, label=f"k = {k}")
        for k, color in enumerate(colors)
    ]
    handles += [
        Line2D([], [], linestyle=style, color="0.3", label=f"{sigma:g} sigma")
        for sigma, style in zip(ELLIPSE_SIGMAS, _ELLIPSE_STYLES, strict=True)
    ]
    figure.legend(handles=handles, fontsize=8, loc="outside right upper")
    axis.set_aspect("equal", adjustable="datalim")
    axis.set_xlabel("x[0]")
    axis.set_ylabel("x[1]")
    axis.grid(True, alpha=0.3)
    if title is not None:
        axis.set_title(title, fontsize=11)
    return save_figure_png(path, figure)


def save_criterion_curve(
    path: str | os.PathLike,
    ks: Sequence[int],
    values: Mapping[str, Sequence[float]],
    *,
    best: int | None = None,
    title: str | None = None,
) -> Path:
    """Plots model-selection criteria (BIC, AIC, ...) against the number of components.

    Args:
        path: Destination ``.png`` file; missing parent directories are created.
        ks: The numbers of components tried: distinct positive integers, in any order.
        values: Criterion name -> one finite value per entry of ``ks``, e.g.
            ``{"BIC": [...], "AIC": [...]}``; at least one criterion.
        best: ``None``, or the chosen ``K`` (one of ``ks``), marked with a vertical line.
        title: Optional title.

    Returns:
        ``path`` as a :class:`pathlib.Path`. The PNG is 560x400 pixels.

    Raises:
        ValueError: If ``ks`` is empty, holds a non-integer, a value below 1 or a repeat;
            if ``values`` is empty, not a mapping, or a list has the wrong length or a
            non-finite value; or if ``best`` is not one of ``ks``.
    """
    try:
        ks = None if isinstance(ks, (str, bytes)) else list(ks)
    except TypeError:
        ks = None
    if not ks or not all(_is_int(k) and k >= 1 for k in ks) or len(set(ks)) != len(ks):
        raise ValueError(f"ks must be distinct integers >= 1, at least one; got {ks!r}.")
    ks = [int(k) for k in ks]
    if not isinstance(values, Mapping) or not values:
        raise ValueError(
            "values must be a non-empty mapping of criterion name -> values, e.g. "
            f"{{'BIC': [...]}}; got {values!r}."
        )
    curves = {}
    for name, series in values.items():
        array = np.asarray(series, dtype=np.float64)
        if array.shape != (len(ks),):
            raise ValueError(
                f"values[{name!r}] must hold one number per K ({len(ks)}), got shape {array.shape}."
            )
        if not np.isfinite(array).all():
            raise ValueError(f"values[{name!r}] contains NaN or inf: {array.tolist()}.")
        curves[str(name)] = array
    if best is not None and (not _is_int(best) or int(best) not in ks):
        raise ValueError(f"best must be None or one of ks {ks}, got {best!r}.")

    order = np.argsort(ks)
    sorted_ks = np.asarray(ks)[order]
    figure = Figure(figsize=CRITERION_FIGSIZE, layout="constrained")
    axis = figure.add_subplot()
    for name, array in curves.items():
        axis.plot(sorted_ks, array[order], marker="o", markersize=4, linewidth=1.5, label=name)
    if best is not None:
        axis.axvline(int(best), color="0.3", linestyle="--", linewidth=1, label=f"K = {best}")
    axis.set_xticks(sorted_ks if len(ks) <= 15 else axis.get_xticks())
    axis.set_xlabel("number of components K")
    axis.set_ylabel("criterion (lower is better)")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=9)
    if title is not None:
        axis.set_title(title, fontsize=11)
    return save_figure_png(path, figure)


def _component_colors(num_components: int) -> np.ndarray:
    """``[K, 4]`` RGBA colours: tab10 for up to 10 components, evenly spaced hues beyond."""
    if num_components <= 10:
        return matplotlib.colormaps["tab10"](np.arange(num_components))
    return matplotlib.colormaps["hsv"](np.arange(num_components) / num_components)


def _marker_size(num_points: int) -> float:
    return float(np.clip(8000 / max(num_points, 1), 2, 30))


def _draw_component(axis, mean: np.ndarray, covariance: np.ndarray, color) -> None:
    """The mean as a cross and the ``ELLIPSE_SIGMAS`` ellipses of one component.

    The ellipses are a darker shade of the component colour with a white halo, so that they
    stay visible on top of a dense cloud of points in the component's own colour.
    """
    dark = tuple(0.65 * np.asarray(color[:3]))
    halo = [patheffects.withStroke(linewidth=4.0, foreground="white", alpha=0.9)]
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    # eigh sorts ascending: the last eigenvector is the major axis.
    angle = np.degrees(np.arctan2(eigenvectors[1, -1], eigenvectors[0, -1]))
    for sigma, style in zip(ELLIPSE_SIGMAS, _ELLIPSE_STYLES, strict=True):
        width, height = 2.0 * sigma * np.sqrt(eigenvalues[::-1])
        axis.add_patch(
            Ellipse(
                tuple(mean),
                width,
                height,
                angle=angle,
                fill=False,
                edgecolor=dark,
                linestyle=style,
                linewidth=2.0 if sigma == ELLIPSE_SIGMAS[0] else 1.4,
                path_effects=halo,
                zorder=3,
            )
        )
    axis.scatter(
        [mean[0]],
        [mean[1]],
        s=140,
        marker="X",
        c=[color],
        edgecolors="white",
        linewidths=1.5,
        zorder=4,
    )


def _draw_query(
    axis, point: np.ndarray, probabilities: np.ndarray, colors: np.ndarray, *, corner
) -> None:
    """The query point as a red star; ``P(k | point)`` per component in a box in ``corner``.

    ``corner`` is ``(u, v)`` with each 0 or 1: the axes corner that holds the box, which an
    arrow links to the star.
    """
    axis.scatter(
        [point[0]],
        [point[1]],
        s=260,
        marker="*",
        c=_QUERY_COLOR,
        edgecolors="black",
        linewidths=1.0,
        zorder=5,
    )
    rows = [TextArea("P(k | x)", textprops={"fontsize": 9, "color": "black"})]
    rows += [
        TextArea(
            f"k = {k}: {p:.3f}",
            textprops={"fontsize": 9, "color": color, "fontweight": "bold"},
        )
        for k, (p, color) in enumerate(zip(probabilities, colors, strict=True))
    ]
    box = AnnotationBbox(
        VPacker(children=rows, align="left", pad=0, sep=2),
        tuple(point),
        xybox=tuple(0.02 + 0.96 * np.asarray(corner, dtype=float)),
        xycoords="data",
        boxcoords="axes fraction",
        box_alignment=tuple(float(c) for c in corner),
        bboxprops={"boxstyle": "round", "facecolor": "white", "edgecolor": _QUERY_COLOR},
        arrowprops={"arrowstyle": "->", "color": _QUERY_COLOR, "linewidth": 1.2},
        frameon=True,
        zorder=6,
    )
    axis.add_artist(box)


def _emptiest_corner(points: np.ndarray, query: np.ndarray) -> tuple[int, int]:
    """The corner ``(u, v)`` (0 = low, 1 = high side) of the data's bounding box where a text
    box hides the least data: the fewest points in its outer third on both axes, up to 2% of
    the points; among those corners, the one nearest to ``query``, to keep the arrow short."""
    low, high = points.min(axis=0), points.max(axis=0)
    scale = np.where(high > low, high - low, 1.0)
    position = (points - low) / scale
    corners = [(0, 1), (1, 1), (0, 0), (1, 0)]
    counts = np.array(
        [np.sum(np.all(np.abs(position - np.asarray(c)) < 1 / 3, axis=1)) for c in corners]
    )
    candidates = np.flatnonzero(counts <= counts.min() + max(2, 0.02 * len(points)))
    distances = [np.linalg.norm((query - low) / scale - np.asarray(corners[i])) for i in candidates]
    return corners[int(candidates[int(np.argmin(distances))])]


def _full_covariances(covariances, num_components: int, covariance_type: str | None):
    """Converts any of the four layouts to ``[K, 2, 2]`` and checks positive definiteness."""
    array = _real_array("covariances", covariances)
    k = num_components
    shapes = {"full": (k, 2, 2), "tied": (2, 2), "diag": (k, 2), "spherical": (k,)}
    if covariance_type is not None and covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be None or one of {COVARIANCE_TYPES}, got {covariance_type!r}."
        )
    if covariance_type is None:
        matches = [name for name, shape in shapes.items() if array.shape == shape]
        if len(matches) > 1:
            raise ValueError(
                f"covariances has shape {array.shape}, which with K = {k} components is "
                f"either {' or '.join(matches)}; pass covariance_type to say which."
            )
        if not matches:
            raise ValueError(
                f"covariances has shape {array.shape}; with K = {k} components (from means) "
                f"expected full {shapes['full']}, tied {shapes['tied']}, diag "
                f"{shapes['diag']} or spherical {shapes['spherical']}."
            )
        covariance_type = matches[0]
    elif array.shape != shapes[covariance_type]:
        raise ValueError(
            f"covariances has shape {array.shape}, but covariance_type={covariance_type!r} "
            f"with K = {k} components (from means) needs shape {shapes[covariance_type]}."
        )
    if covariance_type == "full":
        full = array
    elif covariance_type == "tied":
        full = np.broadcast_to(array, (k, 2, 2))
    elif covariance_type == "diag":
        full = array[:, :, None] * np.eye(2)
    else:
        full = array[:, None, None] * np.eye(2)
    if not np.allclose(full, np.swapaxes(full, 1, 2), rtol=1e-5, atol=1e-8):
        raise ValueError("covariances must be symmetric matrices.")
    smallest = np.linalg.eigvalsh(full)[:, 0]
    if not (smallest > 0).all():
        bad = int(np.argmin(smallest))
        raise ValueError(
            f"covariances must be positive definite; component {bad} has eigenvalue "
            f"{smallest[bad]:.3g}."
        )
    return full


def _check_points(name: str, value) -> np.ndarray:
    array = _real_array(name, value)
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 1:
        raise ValueError(f"{name} must have shape [N, 2] with N >= 1, got {array.shape}.")
    return array


def _check_probabilities(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    array = _real_array(name, value)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {list(shape)}, got {array.shape}.")
    if (array < 0).any() or not np.allclose(array.sum(axis=-1), 1.0, atol=1e-3):
        raise ValueError(
            f"{name} must be non-negative and sum to one over the K components; use "
            "predict_proba(x), not log-probabilities."
        )
    return array


def _check_query(query, num_components: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(query, (tuple, list)) or len(query) != 2:
        raise ValueError(
            f"query must be None or a pair (point [2], probabilities [K]), got {query!r}."
        )
    point = _real_array("query point", query[0])
    if point.shape != (2,):
        raise ValueError(f"query point must have shape [2], got {point.shape}.")
    probabilities = _check_probabilities("query probabilities", query[1], (num_components,))
    return point, probabilities


def _real_array(name: str, value) -> np.ndarray:
    array = np.asarray(value)
    # JAX's bfloat16 arrives as a numpy "void"-kind dtype (ml_dtypes) that casts to float.
    if array.dtype.kind not in "iuf" and not (
        array.dtype.kind == "V" and np.can_cast(array.dtype, np.float64)
    ):
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}.")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or inf.")
    return array


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
