"""Metric writers: ``metrics.jsonl`` always, TensorBoard event files alongside.

Each record is one JSON object per line, ``{"step": int, "<name>": float, ...}``. When a
run resumes from a checkpoint at step ``t``, records after ``t`` (written by the crashed
run after its last checkpoint) are dropped, so the file reads as one consistent history.
In a multi-process run only process 0 writes; elsewhere a writer accepts and drops records.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from tensorboardX import SummaryWriter

from gen_jax.core import distributed

METRICS_FILE = "metrics.jsonl"
TENSORBOARD_DIR = "tensorboard"
AXIS_FILE = "metrics_axis.json"
DEFAULT_AXIS_LABEL = "step"


def write_axis_label(workdir: str | os.PathLike, label: str) -> None:
    """Record what the ``step`` of ``metrics.jsonl`` counts (``"EM iteration"``, ...)."""
    if distributed.is_main_process():
        (Path(workdir) / AXIS_FILE).write_text(json.dumps({"x_label": label}))


def read_axis_label(workdir: str | os.PathLike) -> str:
    """What the ``step`` of ``workdir/metrics.jsonl`` counts; ``"step"`` unless recorded."""
    path = Path(workdir) / AXIS_FILE
    try:
        return json.loads(path.read_text())["x_label"] if path.is_file() else DEFAULT_AXIS_LABEL
    except (ValueError, KeyError):
        return DEFAULT_AXIS_LABEL


def _keep_records_up_to(path: Path, last_step: int) -> None:
    kept = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a crash
            continue
        if record.get("step", math.inf) <= last_step:
            kept.append(line)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(line + "\n" for line in kept))
    os.replace(tmp, path)


def latest_values(workdir: str | os.PathLike, *, up_to_step: int | None = None) -> dict:
    """Each metric's newest value in ``workdir/metrics.jsonl``, with ``"step"`` the newest
    record's step: what a run has recorded, whichever process wrote it. ``{}`` without a file.

    Args:
        workdir: the run directory.
        up_to_step: ignore records after this step (e.g. the checkpoint a run resumed from).
    """
    path = Path(workdir) / METRICS_FILE
    latest: dict = {}
    if not path.is_file():
        return latest
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if up_to_step is None or record.get("step", math.inf) <= up_to_step:
            latest.update(record)
    return latest


class MetricWriter:
    """Appends scalar metrics to ``workdir/metrics.jsonl`` and TensorBoard.

    Args:
        workdir: the run directory.
        resume_step: when resuming, the checkpoint step; later records are dropped.
        tensorboard: also write TensorBoard event files under ``workdir/tensorboard``.
    """

    def __init__(
        self, workdir: str | os.PathLike, *, resume_step: int | None = None, tensorboard=True
    ):
        self.path = Path(workdir) / METRICS_FILE
        self._file = self._tensorboard = None
        if not distributed.is_main_process():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is not None and self.path.exists():
            _keep_records_up_to(self.path, resume_step)
        elif resume_step is None and self.path.exists():
            self.path.unlink()
        self._file = self.path.open("a")
        self._tensorboard = (
            SummaryWriter(str(Path(workdir) / TENSORBOARD_DIR)) if tensorboard else None
        )

    def write(self, step: int, scalars: Mapping[str, float]) -> None:
        """Write one record of scalars at ``step``."""
        if self._file is None:
            return
        record = {"step": int(step)}
        record.update({name: float(np.asarray(value)) for name, value in scalars.items()})
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        if self._tensorboard is not None:
            for name, value in record.items():
                if name != "step":
                    self._tensorboard.add_scalar(name, value, global_step=step)

    def close(self) -> None:
        """Flush and close the files."""
        if self._file is None:
            return
        self._file.close()
        if self._tensorboard is not None:
            self._tensorboard.close()
