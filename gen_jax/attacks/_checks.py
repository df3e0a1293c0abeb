"""Validation of the attacks' public arguments: budgets, shapes, boxes and step counts."""

from __future__ import annotations

import numpy as np

PENALTIES = ("l2_squared", "l2", "l1")
NORMS = ("linf", "l2")


def check_budgets(name: str, values, *, fix: str) -> np.ndarray:
    """``values`` as a float ``[L]`` array of finite, non-negative numbers (L >= 1)."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float32))
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a number or a 1-D sequence of numbers, got {values!r}")
    if not np.isfinite(array).all() or (array < 0).any():
        raise ValueError(f"{name} must be finite and >= 0, got {array.tolist()}; {fix}")
    return array


def check_pair(x_ref, x_target) -> tuple[np.ndarray, np.ndarray]:
    """``x_ref`` and ``x_target`` as float arrays ``[B, *event]`` of the same shape."""
    x_ref = np.asarray(x_ref, dtype=np.float32)
    x_target = np.asarray(x_target, dtype=np.float32)
    if x_ref.shape != x_target.shape or x_ref.ndim < 2 or x_ref.shape[0] == 0:
        raise ValueError(
            f"x_ref {x_ref.shape} and x_target {x_target.shape} must have the same shape "
            "[B, *event] with B >= 1; add a leading batch axis for a single example"
        )
    if not (np.isfinite(x_ref).all() and np.isfinite(x_target).all()):
        raise ValueError("x_ref or x_target holds NaN or inf; check the inputs")
    return x_ref, x_target


def check_box(box, x_ref: np.ndarray) -> tuple[float, float] | None:
    """``box = (low, high)`` with ``low < high`` and ``x_ref`` inside it, or ``None``."""
    if box is None:
        return None
    try:
        low, high = (float(bound) for bound in box)
    except (TypeError, ValueError):
        raise ValueError(f"box must be None or a pair (low, high), got {box!r}") from None
    if not low < high:
        raise ValueError(f"box={box!r}: need low < high, e.g. (0.0, 1.0)")
    if x_ref.min() < low or x_ref.max() > high:
        raise ValueError(
            f"x_ref has values in [{x_ref.min():.4g}, {x_ref.max():.4g}], outside box={box!r}; "
            "scale the inputs into the box or widen it"
        )
    return low, high


def check_positive_int(name: str, value) -> int:
    """``value`` as an ``int >= 1``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def check_positive(name: str, value) -> float:
    """``value`` as a finite ``float > 0``."""
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={value!r}; choose one of {choices}")
    return value
