"""A finished whole-array fit (EM, estimators) written as ``fit`` writes a run.

:func:`~gen_jax.core.loop.fit` logs and checkpoints as it trains. Estimators fit in one
jitted call instead, so their experiments record the outcome afterwards, through the same
writers: the per-iteration history goes to ``metrics.jsonl`` (and TensorBoard) and the
fitted parameters to an orbax checkpoint at the last iteration, restorable like any other.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np

from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.metrics import MetricWriter, write_axis_label


def record_fit(
    workdir: str | os.PathLike,
    *,
    history: Mapping[str, Any] | None = None,
    steps: Sequence[int] | None = None,
    state: Mapping[str, Any] | None = None,
    step: int | None = None,
    meta: Mapping[str, Any] | None = None,
    axis_label: str | None = None,
) -> None:
    """Write a finished fit's history and parameters into ``workdir``.

    A refit replaces what an earlier run left: ``metrics.jsonl`` is rewritten and old
    checkpoints (which may share the step number) are removed first.

    Args:
        history: metric name -> ``[num_iterations]`` values; row ``i`` is written at step
            ``i + 1`` (or ``steps[i]``). Non-finite entries (iterations that did not run)
            are skipped. Without it ``metrics.jsonl`` is left as it is.
        steps: the step of each history row, for a history that is not indexed by
            iteration (a sweep over the number of components writes ``steps=ks``).
        state: the fitted parameters, a dict of arrays, saved at ``step``.
        step: the checkpoint's step (default: the history's length, else 0).
        meta: JSON-serialisable facts stored beside the checkpoint (seed, convergence, ...).
        axis_label: what a history row's step counts, for the report's curves; by default
            ``"EM iteration"`` for a history indexed by iteration, ``"step"`` with ``steps``.
    """
    workdir = Path(workdir)
    if history is not None:
        _write_history(workdir, history, steps)
        default = "EM iteration" if steps is None else "step"
        write_axis_label(workdir, axis_label or default)
    if state is None:
        return
    directory = workdir / "checkpoints"
    if directory.is_dir():
        shutil.rmtree(directory)
    checkpointer = Checkpointer(directory, keep=1)
    arrays = {name: jnp.asarray(value) for name, value in state.items()}
    last = len(next(iter(history.values()), ())) if history else 0
    checkpointer.save(step=last if step is None else int(step), state=arrays, meta=dict(meta or {}))
    checkpointer.close()


def _write_history(workdir: Path, history: Mapping[str, Any], steps: Sequence[int] | None) -> None:
    columns = {name: np.asarray(values, dtype=np.float64) for name, values in history.items()}
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(
            f"history columns have different lengths {sorted(lengths)}; pass equal ones"
        )
    num_rows = lengths.pop() if lengths else 0
    steps = range(1, num_rows + 1) if steps is None else [int(step) for step in steps]
    if len(steps) != num_rows:
        raise ValueError(f"steps has {len(steps)} entries for {num_rows} history rows")
    writer = MetricWriter(workdir)
    for row in range(num_rows):
        scalars = {
            name: values[row] for name, values in columns.items() if np.isfinite(values[row])
        }
        if scalars:
            writer.write(steps[row], scalars)
    writer.close()
