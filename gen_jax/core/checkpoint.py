"""Atomic, resumable checkpoints with orbax.

A checkpoint holds the training state (restored straight into its target sharding, so a
state saved on 8 devices restores on 1 and vice versa) and a JSON ``meta`` dict: the root
seed, the data iterator's position and anything else a run needs to continue exactly.
Orbax writes each step into a temporary directory and renames it when complete, so a crash
mid-write never corrupts the last good checkpoint. In a multi-process run every process
calls ``save`` and ``restore`` (they are collective: each writes or reads its own shards
and process 0 the metadata), so ``directory`` must be one that all processes see.
"""

from __future__ import annotations

import os
from typing import Any

import orbax.checkpoint as ocp


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

        Args:
            abstract_state: a pytree of ``jax.ShapeDtypeStruct`` with ``sharding`` set
                (``gen_jax.core.sharding.abstract_with_shardings``).
            step: which checkpoint; the latest by default.

        Returns:
            ``(state, meta)``.
        """
        self._manager.wait_until_finished()
        if step is None:
            step = self.latest_step()
        if step is None:
            raise FileNotFoundError(
                f"no checkpoint in {self.directory}; train first or point to the run's workdir"
            )
        restored = self._manager.restore(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardRestore(abstract_state), meta=ocp.args.JsonRestore()
            ),
        )
        return restored.state, dict(restored.meta)

    def wait(self) -> None:
        """Block until every pending asynchronous write is complete."""
        self._manager.wait_until_finished()

    def close(self) -> None:
        """Finish pending writes and release the manager's resources."""
        self._manager.wait_until_finished()
        self._manager.close()
