"""Atomic, resumable checkpoints with orbax.

A checkpoint holds the training state (restored straight into its target sharding, so a
state saved on 8 devices restores on 1 and vice versa) and a JSON ``meta`` dict: the root
seed, the data iterator's position and anything else a run needs to continue exactly.
Orbax writes each step into a temporary directory and renames it when complete, so a crash
mid-write never corrupts the last good checkpoint. In a multi-process run every process
calls ``save`` and ``restore`` (they are collective: each writes or reads its own shards
and process 0 the metadata), so ``directory`` must be one that all processes see.

A checkpoint can still be damaged after it was written (a truncated copy, a full disk, a
file edited by hand). :meth:`Checkpointer.restore` then moves the damaged step aside to
``<directory>.damaged/<step>``, warns in one line naming it, and falls back to the newest
intact step; when none is intact it raises :class:`CheckpointError` in one line.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import orbax.checkpoint as ocp

from gen_jax.core import distributed

_LOG = logging.getLogger("gen_jax")
_REASON_CHARS = 240


class CheckpointError(ValueError):
    """No checkpoint of a run could be restored (every kept step is damaged or does not
    fit the state it is restored into)."""


def _one_line(error: BaseException) -> str:
    """The first line of ``error``'s message, cut to a readable length."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 3] + "..."


class Checkpointer:
    """Keeps the last ``keep`` checkpoints of a run under ``directory``.

    Args:
        directory: where the numbered step folders live (created when missing).
        keep: how many of the most recent checkpoints to keep.
        asynchronous: write in a background thread; ``wait()`` or ``close()`` blocks until
            every pending write is on disk.
    """

    def __init__(self, directory: str | os.PathLike, *, keep: int = 3, asynchronous: bool = True):
        if keep < 1:
            raise ValueError(f"keep={keep}: keep at least one checkpoint (keep >= 1)")
        self.directory = os.path.abspath(os.fspath(directory))
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep, create=True, enable_async_checkpointing=asynchronous
        )
        self._manager = ocp.CheckpointManager(self.directory, options=options)

    def latest_step(self) -> int | None:
        """The step of the newest complete checkpoint, or ``None`` when there is none."""
        return self._manager.latest_step()

    def all_steps(self) -> list[int]:
        """Steps of every checkpoint kept on disk, oldest first."""
        return sorted(self._manager.all_steps())

    def save(self, step: int, state: Any, meta: dict[str, Any]) -> None:
        """Save ``state`` and the JSON-serialisable ``meta`` as checkpoint ``step``."""
        self._manager.save(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)
            ),
            force=True,
        )

    def restore(self, abstract_state: Any, *, step: int | None = None) -> tuple[Any, dict]:
        """Restore a checkpoint into ``abstract_state``'s shapes, dtypes and shardings.

        Without ``step`` the newest checkpoint that reads back whole is restored: a damaged
        newer one is moved to ``<directory>.damaged/<step>`` (so that training can write
        that step again) with a one-line warning on the ``gen_jax`` logger.

        Args:
            abstract_state: a pytree of ``jax.ShapeDtypeStruct`` with ``sharding`` set
                (``gen_jax.core.sharding.abstract_with_shardings``).
            step: which checkpoint; by default the newest intact one.

        Returns:
            ``(state, meta)``.

        Raises:
            FileNotFoundError: when there is no checkpoint.
            CheckpointError: when ``step`` (or, without it, every kept step) cannot be read
                into ``abstract_state``.
        """
        self._manager.wait_until_finished()
        steps = [step] if step is not None else self.all_steps()[::-1]
        if not steps:
            raise FileNotFoundError(
                f"no checkpoint in {self.directory}; train first or point to the run's workdir"
            )
        failures = []
        for candidate in steps:
            try:
                restored = self._restore_step(candidate, abstract_state)
            except Exception as error:  # noqa: BLE001 - any unreadable step is skipped
                failures.append((candidate, _one_line(error)))
                continue
            for damaged, reason in failures:  # only once an older step proved readable
                moved = self._move_aside(damaged)
                _LOG.warning(
                    "checkpoint step %d in %s is damaged (%s); moved it to %s and restoring "
                    "step %d instead",
                    *(damaged, self.directory, reason, moved, candidate),
                )
            return restored
        listed = "; ".join(f"step {damaged}: {reason}" for damaged, reason in failures)
        raise CheckpointError(
            f"no intact checkpoint in {self.directory} ({listed}); if the run's "
            "model or data configuration changed, use a new workdir, else delete the damaged "
            "checkpoints to start over"
        )

    def _restore_step(self, step: int, abstract_state: Any) -> tuple[Any, dict]:
        restored = self._manager.restore(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardRestore(abstract_state), meta=ocp.args.JsonRestore()
            ),
        )
        return restored.state, dict(restored.meta)

    def _move_aside(self, step: int) -> Path:
        """Move the damaged ``step`` out of the manager's directory; returns where to."""
        destination = Path(f"{self.directory}.damaged") / str(step)
        if distributed.is_main_process():
            if destination.exists():
                shutil.rmtree(destination)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(os.path.join(self.directory, str(step)), destination)
        self._manager.reload()
        return destination

    def wait(self) -> None:
        """Block until every pending asynchronous write is complete."""
        self._manager.wait_until_finished()

    def close(self) -> None:
        """Finish pending writes and release the manager's resources."""
        self._manager.wait_until_finished()
        self._manager.close()
