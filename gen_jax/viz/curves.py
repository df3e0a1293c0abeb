"""Training curves: read a run's ``metrics.jsonl`` and plot every metric against the step."""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from gen_jax.core.atomic import save_figure_png

# Subplots per row in save_metric_curves; more metrics wrap onto further rows.
_MAX_COLUMNS = 3
# Curves with at most this many points also mark each point, so that one record is visible.
_MAX_POINTS_WITH_MARKERS = 50


def read_metrics(path: str | os.PathLike) -> list[dict]:
    """Reads a ``metrics.jsonl`` file: one JSON object per line, each with an integer ``step``.

    Blank lines are skipped. A last line that is not valid JSON is dropped: it is what a
    process killed in the middle of a write leaves behind. An invalid line anywhere else is
    an error.

    Args:
        path: The ``metrics.jsonl`` file.

    Returns:
        The records in file order, each a dict with an ``int`` under ``"step"``.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If a line other than the last is not valid JSON, or a record is not an
            object with an integer ``"step"``; the message gives the file and line number.
    """
    lines = [
        (number, line)
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1)
        if line.strip()
    ]
    records = []
    for position, (number, line) in enumerate(lines):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            if position == len(lines) - 1:
                break
            raise ValueError(f"{path}, line {number}: not valid JSON ({error}).") from None
        if not isinstance(record, dict):
            raise ValueError(
                f"{path}, line {number}: expected a JSON object, got {type(record).__name__}."
            )
        step = record.get("step")
        if isinstance(step, float) and step.is_integer():
            step = int(step)
        if isinstance(step, bool) or not isinstance(step, int):
            raise ValueError(f"{path}, line {number}: 'step' must be an integer, got {step!r}.")
        records.append({**record, "step": step})
    return records


def metric_keys(records: Sequence[Mapping]) -> list[str]:
    """Names of the metrics that :func:`save_metric_curves` plots by default.

    Args:
        records: Metric records as returned by :func:`read_metrics`.

    Returns:
        Every key other than ``"step"`` that holds a real number (Python or numpy scalar, not a
        bool) in at least one record, in order of first appearance.
    """
    keys: dict[str, None] = {}
    for record in records:
        for key, value in record.items():
            if key != "step" and _is_number(value):
                keys[key] = None
    return list(keys)


def save_metric_curves(
    path: str | os.PathLike,
    records: Sequence[Mapping],
    *,
    keys: Sequence[str] | None = None,
    title: str | None = None,
    x_label: str = "step",
) -> Path:
    """Plots each metric against the step in its own small subplot and writes a PNG.

    Subplots share the step axis and wrap onto rows of three. Points are drawn in step order;
    where a step occurs twice (a run resumed from a checkpoint), the later record wins. A record
    that lacks a metric, or holds a non-number under it, is skipped for that metric only;
    non-finite values leave gaps. Each subplot's title gives the metric's value at the last
    step.

    Args:
        path: Destination ``.png`` file; missing parent directories are created.
        records: Dicts with an integer ``"step"`` and scalar metrics, as returned by
            :func:`read_metrics`; a single record is enough.
        keys: Metrics to plot, in order; defaults to :func:`metric_keys` of ``records``.
        title: Optional title above all subplots.
        x_label: What ``"step"`` counts (``"EM iteration"`` for an EM fit); the axis has
            integer ticks only.

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        ValueError: If ``records`` is empty, a record has no integer ``"step"``, there is no
            metric to plot, or one of ``keys`` is never a number in ``records``.
    """
    if not records:
        raise ValueError("records is empty: there is nothing to plot.")
    for index, record in enumerate(records):
        step = record.get("step") if isinstance(record, Mapping) else None
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise ValueError(
                f"records[{index}] must be a mapping with an integer 'step', got {record!r}."
            )
    available = metric_keys(records)
    if keys is None:
        keys = available
        if not keys:
            raise ValueError("records hold no numeric metric besides 'step': nothing to plot.")
    else:
        if isinstance(keys, str) or not keys:
            raise ValueError(f"keys must be a non-empty sequence of metric names, got {keys!r}.")
        missing = [key for key in keys if key not in available]
        if missing:
            raise ValueError(
                f"keys {missing} never hold a number in records; available metrics: {available}."
            )

    num_columns = min(_MAX_COLUMNS, len(keys))
    num_rows = math.ceil(len(keys) / num_columns)
    figure = Figure(figsize=(4.2 * num_columns, 2.6 * num_rows + 0.4), layout="constrained")
    axes = figure.subplots(num_rows, num_columns, sharex=True, squeeze=False).ravel()
    for index, (axis, key) in enumerate(zip(axes, keys, strict=False)):
        # A resumed run logs some steps twice: the later record, from the resumed run, wins.
        by_step = {record["step"]: record[key] for record in records if _is_number(record.get(key))}
        steps = sorted(by_step)
        values = [float(by_step[step]) for step in steps]
        marker = "o" if len(steps) <= _MAX_POINTS_WITH_MARKERS else None
        axis.plot(steps, values, marker=marker, markersize=3, linewidth=1.2)
        axis.set_title(f"{key}  (last {values[-1]:.4g})", fontsize=10)
        axis.grid(True, alpha=0.3)
        axis.tick_params(labelsize=8)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
        if index + num_columns >= len(keys):
            # The lowest subplot of each column carries the shared step axis's labels.
            axis.set_xlabel(x_label, fontsize=9)
            axis.xaxis.set_tick_params(labelbottom=True)
    for axis in axes[len(keys) :]:
        axis.set_visible(False)
    if title is not None:
        figure.suptitle(title, fontsize=12)
    return save_figure_png(path, figure)


def _is_number(value) -> bool:
    """Whether ``value`` is a real scalar (Python or numpy) that can be plotted; bools are not."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
