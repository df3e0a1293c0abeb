"""One run per workdir: a lock file that says which process holds it.

Two processes training into the same workdir would interleave their checkpoints and
metrics. :func:`hold_workdir` creates ``workdir/.lock`` atomically (``O_CREAT | O_EXCL``)
holding ``{"pid", "host", "started"}`` and removes it when the run ends. A second process
stops at once with :class:`WorkdirLockedError` naming the holder. A lock left by a process
that died (same host, no such pid) is taken over; a lock from another host cannot be
checked and is respected. The lock is re-entrant within a process, so the launcher and
``fit`` may both hold it. In a multi-process run only the main process takes it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from gen_jax.core import distributed

LOCK_FILE = ".lock"
_HELD: dict[Path, int] = {}  # lock path -> nesting depth in this process


class WorkdirLockedError(RuntimeError):
    """Another live process is running in the workdir."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _read_holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # vanished or half-written: treat as unknown holder
        return {}


def _try_create(path: Path) -> bool:
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    with os.fdopen(descriptor, "w") as file:
        json.dump(holder, file)
    return True


def acquire(workdir: str | os.PathLike) -> Path:
    """Take the lock of ``workdir`` (created if missing); returns the lock file's path.

    Raises:
        WorkdirLockedError: when a live process (or one on another host) holds it.
    """
    path = (Path(workdir) / LOCK_FILE).resolve()
    if path in _HELD:
        _HELD[path] += 1
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):  # a second try after removing a stale lock
        if _try_create(path):
            _HELD[path] = 1
            return path
        holder = _read_holder(path)
        pid, host = holder.get("pid"), holder.get("host")
        stale = host == socket.gethostname() and isinstance(pid, int) and not _pid_alive(pid)
        if not stale:
            raise WorkdirLockedError(
                f"{path.parent} is in use by process {pid} on host {host} (started "
                f"{holder.get('started', '?')}); wait for it, stop it, or use another workdir "
                f"(delete {path} only if that process is gone)"
            )
        path.unlink(missing_ok=True)
    raise WorkdirLockedError(f"could not take {path}: another process keeps creating it")


def release(path: Path) -> None:
    """Give back a lock taken with :func:`acquire` (removed when the outermost holder ends)."""
    _HELD[path] -= 1
    if _HELD[path] == 0:
        del _HELD[path]
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def hold_workdir(workdir: str | os.PathLike | None) -> Iterator[None]:
    """Hold ``workdir``'s lock for the block (nothing for ``None`` or a non-main process)."""
    if workdir is None or not distributed.is_main_process():
        yield
        return
    path = acquire(workdir)
    try:
        yield
    finally:
        release(path)
