"""``fit``: the host loop around a compiled Step.

The loop places each global batch with the batch sharding, calls the compiled update
(jitted once, state donated), and touches the host only every ``log_every`` steps, when it
averages the window's metrics, checks them for NaN/inf, writes them and updates the
progress bar. Checkpoints hold the state, the root seed and the data position, so a run
restarted in the same workdir continues where the last checkpoint left off and ends with
exactly the parameters an uninterrupted run would have.

A run protects its workdir: it holds ``workdir/.lock`` while it trains (a second run there
stops at once, :mod:`gen_jax.core.workdir_lock`), it never checkpoints a non-finite state,
and SIGINT (Ctrl-C) or SIGTERM (a preempted job) make it save a checkpoint at the current
step and raise :class:`TrainingInterrupted`, whose one-line message says how to resume.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh
from tqdm.auto import tqdm

from gen_jax.core import distributed, rng
from gen_jax.core import sharding as sharding_lib
from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.metrics import MetricWriter, latest_values
from gen_jax.core.step import Step, compile_init, compile_step
from gen_jax.core.workdir_lock import hold_workdir

CHECKPOINT_DIR = "checkpoints"


class ResumableIterator(Protocol):
    """What ``fit`` needs from a data iterator (``gen_jax.data.BatchIterator`` is one)."""

    def __next__(self) -> Any: ...

    def peek(self) -> Any: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


class NonFiniteError(FloatingPointError):
    """A training metric became NaN or infinite; the run stopped before saving it."""


class TrainingInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped ``fit``; the state at ``step`` was checkpointed (when the
    run has a workdir). A ``KeyboardInterrupt``, so ``except Exception`` does not swallow it.

    Attributes:
        signal_number: the signal that stopped the run.
        step: the last completed step.
    """

    def __init__(self, message: str, *, signal_number: int, step: int):
        super().__init__(message)
        self.signal_number, self.step = signal_number, step

    def __str__(self) -> str:
        return str(self.args[0])


class _StopSignals:
    """Turns SIGINT/SIGTERM into a flag the loop checks after each step (main thread only;
    elsewhere signals cannot be caught and keep their default action)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received: int | None = None

    def _handle(self, signal_number, frame):
        self.received = signal_number

    @contextlib.contextmanager
    def installed(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {number: signal.signal(number, self._handle) for number in self.SIGNALS}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


@dataclasses.dataclass(frozen=True)
class Hook:
    """A host callback run every ``every`` steps and after the last step.

    ``fn(step, state)`` may write files (sample grids) and may return a dict of scalars
    (evaluation metrics), which ``fit`` writes to the metric log at that step. A hook
    without its own ``every`` runs at ``fit``'s ``sample_every`` cadence.
    """

    fn: Callable[[int, Any], Mapping[str, float] | None]
    every: int | None = None

    def due(self, step: int, num_steps: int, sample_every: int | None = None) -> bool:
        every = self.every if self.every is not None else sample_every
        return step == num_steps or (every is not None and step % every == 0)


@dataclasses.dataclass
class FitResult:
    """What ``fit`` returns.

    Attributes:
        state: the final training state (sharded as during training).
        metrics: the last logged record (window means of the update's metrics and any
            hook outputs at that step); for a run that was already finished, each metric's
            newest value in ``metrics.jsonl``.
        resumed_from: the checkpoint step the run continued from, or ``None``.
    """

    state: Any
    metrics: dict[str, float]
    resumed_from: int | None


def _window_means(window: Sequence[Mapping[str, jax.Array]]) -> dict[str, float]:
    fetched = jax.device_get(list(window))
    return {name: float(np.mean([m[name] for m in fetched])) for name in fetched[0]}


def _check_finite(means: Mapping[str, float], step: int, checkpointer: Checkpointer | None):
    bad = {name: value for name, value in means.items() if not math.isfinite(value)}
    if not bad:
        return
    if checkpointer is not None:
        checkpointer.wait()
    last = checkpointer.latest_step() if checkpointer is not None else None
    where = (
        f"the last good checkpoint (step {last}) is intact"
        if last is not None
        else ("no checkpoint had been written yet")
    )
    raise NonFiniteError(
        f"non-finite metrics {bad} in the steps up to {step}; training stopped and {where}. "
        "Lower the learning rate, check the data for NaN/inf, or clip gradients."
    )


@jax.jit
def _all_finite(state: Any) -> jax.Array:
    leaves = [
        jnp.all(jnp.isfinite(x))
        for x in jax.tree.leaves(state)
        if jnp.issubdtype(x.dtype, jnp.inexact)
    ]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


def fit(
    step: Step,
    data: Iterator[Any],
    *,
    num_steps: int,
    workdir: str | os.PathLike | None = None,
    seed: int = 0,
    mesh: Mesh | None = None,
    state_sharding: str | Callable[[Any, Mesh], Any] = "replicated",
    log_every: int = 100,
    checkpoint_every: int | None = None,
    keep_checkpoints: int = 3,
    hooks: Sequence[Hook] = (),
    sample_every: int | None = None,
    progress: bool = True,
    description: str = "train",
) -> FitResult:
    """Train ``step`` for ``num_steps`` updates, resuming from ``workdir`` when possible.

    Args:
        step: the algorithm (``Step(init, update)``).
        data: a resumable iterator of numpy batches (see ``ResumableIterator``): the
            global batch, or in a multi-process run this process's slice of it (in process
            order), as ``gen_jax.data.BatchIterator`` yields. Metrics are written by
            process 0 only; checkpoints by all processes together.
        num_steps: total number of updates, counted from the start of the run.
        workdir: the run directory for ``metrics.jsonl``, TensorBoard events and
            ``checkpoints/``. ``None`` keeps everything in memory (no resume).
        seed: the run's root seed; a resumed run must use the one it was started with.
        mesh: devices to train on; all visible devices by default.
        state_sharding: how the state lies on the mesh: ``"replicated"`` (data parallel),
            ``"fsdp"`` (every parameter and optimiser moment split over the devices along
            its largest divisible axis; for models whose state does not fit one device), or
            a function ``(abstract_state, mesh) -> shardings``. Checkpoints restore into
            the same layout, and the result equals the replicated one to float round-off.
        log_every: write metrics (window means) every this many steps.
        checkpoint_every: save every this many steps and at the end; ``None`` saves only
            at the end (when ``workdir`` is given).
        keep_checkpoints: how many recent checkpoints to keep.
        hooks: host callbacks for sampling and evaluation. They run on every process (a
            computation on the sharded state needs all of them); a hook that writes files
            should do so only where ``gen_jax.core.distributed.is_main_process()``.
        sample_every: the cadence of the hooks created without their own ``every``
            (``Hook(fn)``); ``None`` runs those only after the last step. With it an
            experiment's whole ``config.run`` section can go to ``fit``.
        progress: show a progress bar.
        description: the progress bar's label.

    Returns:
        A ``FitResult``.

    Raises:
        NonFiniteError: when a logged metric or the state to be saved is NaN or infinite.
        TrainingInterrupted: on SIGINT or SIGTERM, after checkpointing the current step.
        WorkdirLockedError: when another live process trains in ``workdir``.
        CheckpointError: when no checkpoint in ``workdir`` can be restored.
    """
    if num_steps < 1:
        raise ValueError(f"num_steps={num_steps}: train for at least one step")
    if log_every < 1:
        raise ValueError(f"log_every={log_every}: must be >= 1")
    if checkpoint_every is not None and checkpoint_every < 1:
        raise ValueError(f"checkpoint_every={checkpoint_every}: must be >= 1, or None")
    if sample_every is not None and sample_every < 1:
        raise ValueError(f"sample_every={sample_every}: must be >= 1, or None")
    mesh = mesh if mesh is not None else sharding_lib.make_mesh()
    batch_sharding = sharding_lib.batch_sharding(mesh)
    init_key, train_root = jax.random.split(rng.root_key(seed))

    # The global example batch: with several processes each peeks at its own slice.
    example = sharding_lib.shard_batch(data.peek(), batch_sharding)
    abstract_state = jax.eval_shape(step.init, init_key, example)
    state_sharding = sharding_lib.resolve_state_shardings(state_sharding)(abstract_state, mesh)

    with contextlib.ExitStack() as stack:
        stack.enter_context(hold_workdir(workdir))
        stop = stack.enter_context(_StopSignals().installed())
        return _train(
            step,
            data,
            stop,
            num_steps=num_steps,
            workdir=workdir,
            seed=seed,
            mesh=mesh,
            state_sharding=state_sharding,
            batch_sharding=batch_sharding,
            abstract_state=abstract_state,
            example=example,
            keys=(init_key, train_root),
            log_every=log_every,
            checkpoint_every=checkpoint_every,
            keep_checkpoints=keep_checkpoints,
            hooks=hooks,
            sample_every=sample_every,
            progress=progress,
            description=description,
        )


def _interrupted(stop: _StopSignals, done: int, checkpointer: Checkpointer | None):
    name = signal.Signals(stop.received).name
    where = (
        f"checkpoint {done} saved in {checkpointer.directory}; run the same command again to resume"
        if checkpointer is not None
        else "nothing was saved (no workdir)"
    )
    return TrainingInterrupted(
        f"{name} received: training stopped at step {done}; {where}",
        signal_number=stop.received,
        step=done,
    )


def _train(
    step,
    data,
    stop,
    *,
    num_steps,
    workdir,
    seed,
    mesh,
    state_sharding,
    batch_sharding,
    abstract_state,
    example,
    keys,
    log_every,
    checkpoint_every,
    keep_checkpoints,
    hooks,
    sample_every,
    progress,
    description,
) -> FitResult:
    """``fit``'s loop, run while the workdir lock and the signal handlers are held."""
    init_key, train_root = keys
    checkpointer = writer = None
    resumed_from = None
    is_chief = distributed.is_main_process()
    if workdir is not None:
        workdir = Path(workdir)
        checkpointer = Checkpointer(workdir / CHECKPOINT_DIR, keep=keep_checkpoints)
        resumed_from = checkpointer.latest_step()
    if resumed_from is not None:
        target = sharding_lib.abstract_with_shardings(abstract_state, state_sharding)
        state, meta = checkpointer.restore(target)  # the newest intact checkpoint
        resumed_from = int(meta.get("step", checkpointer.latest_step()))
        if meta["seed"] != seed:
            raise ValueError(
                f"seed={seed} but the checkpoint in {workdir} was trained with seed="
                f"{meta['seed']}; pass seed={meta['seed']} to resume, or use a new workdir"
            )
        data.load_state_dict(meta["data"])
    else:
        state = compile_init(step.init, mesh=mesh, state_sharding=state_sharding)(init_key, example)
    if workdir is not None and is_chief:
        writer = MetricWriter(workdir, resume_step=resumed_from)

    update = compile_step(
        step.update, mesh=mesh, state_sharding=state_sharding, batch_sharding=batch_sharding
    )
    start = resumed_from or 0
    last_record: dict[str, float] = {}
    window: list[Mapping[str, jax.Array]] = []
    bar = tqdm(
        total=num_steps,
        initial=start,
        desc=description,
        disable=not (progress and is_chief),
        dynamic_ncols=True,
    )
    try:
        for done in range(start + 1, num_steps + 1):
            batch = sharding_lib.shard_batch(next(data), batch_sharding)
            state, metrics = update(state, batch, rng.step_key(train_root, done - 1))
            window.append(metrics)
            bar.update(1)
            record: dict[str, float] = {}
            for hook in hooks if stop.received is None else ():
                if hook.due(done, num_steps, sample_every):
                    record.update(hook.fn(done, state) or {})
            stopping = stop.received is not None  # checked after the hooks, which may be slow
            saving = checkpointer is not None and (
                done == num_steps
                or stopping
                or (checkpoint_every is not None and done % checkpoint_every == 0)
            )
            if window and (done % log_every == 0 or done == num_steps or saving or stopping):
                means = _window_means(window)
                _check_finite(means, done, checkpointer)
                window = []
                record = {**means, **record}
                bar.set_postfix({k: f"{v:.4g}" for k, v in list(means.items())[:4]})
            if record:
                last_record = {"step": done, **record}
                if writer is not None:
                    writer.write(done, record)
            if saving:
                if not bool(_all_finite(state)):
                    _check_finite({"state": math.nan}, done, checkpointer)
                checkpointer.save(
                    done, state, {"seed": seed, "step": done, "data": data.state_dict()}
                )
            if stopping:
                if checkpointer is not None:
                    checkpointer.wait()
                raise _interrupted(stop, done, checkpointer)
    finally:
        bar.close()
        if checkpointer is not None:
            checkpointer.close()
        if writer is not None:
            writer.close()
    if not last_record and workdir is not None:  # a finished run started again: nothing ran
        last_record = latest_values(workdir, up_to_step=start)
    return FitResult(state=state, metrics=last_record, resumed_from=resumed_from)
