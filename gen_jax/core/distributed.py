"""Multi-process (multi-host) start-up: ``jax.distributed.initialize`` and who writes files.

A multi-host run starts one Python process per host (or per GPU), all running the same
command. Before any JAX computation each calls :func:`initialize`; afterwards
``jax.devices()`` lists the devices of every process, the mesh spans them all, each process
feeds its own slice of the global batch (``BatchIterator`` and
``gen_jax.core.sharding.shard_batch`` do this by default) and only the main process
(``jax.process_index() == 0``, :func:`is_main_process`) writes metrics, configs and
reports. Checkpoints are written by every process together (orbax coordinates them), into
a directory that all processes see.

Where the three numbers come from, first match wins:

1. the arguments (the ``gen-jax run`` flags ``--coordinator-address``,
   ``--num-processes``, ``--process-id``);
2. the environment variables ``JAX_COORDINATOR_ADDRESS`` (read by JAX itself),
   ``JAX_NUM_PROCESSES`` and ``JAX_PROCESS_ID`` (read here);
3. a cluster JAX detects on its own: Cloud TPU pods (``TPU_WORKER_HOSTNAMES``,
   ``TPU_WORKER_ID`` or the metadata server), SLURM (``SLURM_JOB_ID``, ``SLURM_NTASKS``,
   ``SLURM_PROCID``, ``SLURM_STEP_NODELIST``), Open MPI (``OMPI_COMM_WORLD_SIZE``,
   ``OMPI_COMM_WORLD_RANK``, ``OMPI_MCA_orte_hnp_uri``) and Kubernetes JobSets
   (``JOBSET_NAME``). Then ``jax.distributed.initialize()`` is called without arguments
   and JAX reads that cluster's variables.

With none of these, or with one process, :func:`initialize` does nothing. CPU processes
exchange data with gloo collectives (``jax_cpu_collectives_implementation="gloo"``, the
default of jax 0.10; set explicitly here so that an older default cannot silently break a
CPU run).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from collections.abc import Mapping

import jax

ENV_COORDINATOR_ADDRESS = "JAX_COORDINATOR_ADDRESS"
ENV_NUM_PROCESSES = "JAX_NUM_PROCESSES"
ENV_PROCESS_ID = "JAX_PROCESS_ID"
START_TIMEOUT_EXIT_STATUS = 2
_JAX_DEADLINE_MARGIN_S = 60  # JAX's own deadline, later than the watchdog's

# Variables whose presence means JAX's own cluster detection will find the process layout.
_CLUSTER_MARKERS = {
    "TPU_WORKER_HOSTNAMES": "Cloud TPU pod",
    "SLURM_JOB_ID": "SLURM",
    "OMPI_COMM_WORLD_SIZE": "Open MPI",
    "JOBSET_NAME": "Kubernetes JobSet",
}


@dataclasses.dataclass(frozen=True)
class ProcessLayout:
    """How a run is spread over processes, as resolved by :func:`resolve_layout`.

    Attributes:
        coordinator_address: ``host:port`` of process 0's coordination service, or
            ``None`` when JAX detects it from a cluster's environment.
        num_processes: how many processes take part, or ``None`` (cluster detection).
        process_id: this process's index, or ``None`` (cluster detection).
        source: where the layout came from: ``"arguments"``, ``"environment"`` or the
            name of the detected cluster.
    """

    coordinator_address: str | None
    num_processes: int | None
    process_id: int | None
    source: str


def _int_from(value: int | str | None, name: str) -> int | None:
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not an integer") from None


def _cluster_name(environ: Mapping[str, str]) -> str | None:
    """The cluster JAX would detect from ``environ`` when it spans several processes."""
    for variable, name in _CLUSTER_MARKERS.items():
        if variable not in environ:
            continue
        if variable == "SLURM_JOB_ID" and int(environ.get("SLURM_NTASKS", "1")) <= 1:
            continue
        if variable == "OMPI_COMM_WORLD_SIZE" and int(environ[variable]) <= 1:
            continue
        if variable == "TPU_WORKER_HOSTNAMES" and "," not in environ[variable]:
            continue
        return name
    return None


def resolve_layout(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> ProcessLayout | None:
    """Decide whether and how to start a multi-process run; ``None`` means one process.

    Args:
        coordinator_address: ``host:port`` reachable from every process (process 0 listens
            there); falls back to ``JAX_COORDINATOR_ADDRESS``.
        num_processes: number of processes; falls back to ``JAX_NUM_PROCESSES``.
        process_id: this process's index in ``[0, num_processes)``; falls back to
            ``JAX_PROCESS_ID``.
        environ: the environment to read (``os.environ`` by default).

    Returns:
        A :class:`ProcessLayout`, or ``None`` for a single-process run.

    Raises:
        ValueError: for an incomplete or inconsistent layout, naming the missing flag.
    """
    environ = os.environ if environ is None else environ
    explicit = (coordinator_address, num_processes, process_id) != (None, None, None)
    coordinator_address = coordinator_address or environ.get(ENV_COORDINATOR_ADDRESS) or None
    num_processes = _int_from(
        num_processes if num_processes is not None else environ.get(ENV_NUM_PROCESSES),
        "--num-processes",
    )
    process_id = _int_from(
        process_id if process_id is not None else environ.get(ENV_PROCESS_ID), "--process-id"
    )
    if (coordinator_address, num_processes, process_id) == (None, None, None):
        cluster = _cluster_name(environ)
        return None if cluster is None else ProcessLayout(None, None, None, cluster)
    source = "arguments" if explicit else "environment"
    if num_processes is None:
        raise ValueError(
            "--process-id/--coordinator-address given without --num-processes "
            f"(or {ENV_NUM_PROCESSES}); pass the total number of processes too"
        )
    if num_processes < 1:
        raise ValueError(f"--num-processes={num_processes}: must be >= 1")
    if num_processes == 1:
        if process_id not in (None, 0):
            raise ValueError(f"--process-id={process_id} but --num-processes=1; use 0 or omit it")
        return None
    if process_id is None:
        raise ValueError(
            f"--num-processes={num_processes} needs --process-id (or {ENV_PROCESS_ID}): "
            f"this process's index, 0 to {num_processes - 1}"
        )
    if not 0 <= process_id < num_processes:
        raise ValueError(
            f"--process-id={process_id} is outside [0, {num_processes}); number the "
            f"processes 0 to {num_processes - 1}"
        )
    if coordinator_address is None:
        raise ValueError(
            f"--num-processes={num_processes} needs --coordinator-address (or "
            f"{ENV_COORDINATOR_ADDRESS}): host:port of process 0, e.g. 10.0.0.1:1234"
        )
    if ":" not in coordinator_address:
        raise ValueError(
            f"--coordinator-address={coordinator_address!r} must be host:port, e.g. localhost:1234"
        )
    return ProcessLayout(coordinator_address, num_processes, process_id, source)


def describe_wait(layout: ProcessLayout, timeout_s: int) -> str:
    """The line printed while a process waits for the others to join."""
    who = (
        f"process {layout.process_id} of {layout.num_processes}"
        if layout.num_processes is not None
        else f"this process ({layout.source})"
    )
    where = layout.coordinator_address or f"the {layout.source} coordinator"
    return (
        f"gen-jax: {who} waiting up to {timeout_s} s for every process to join at {where} "
        "(start the same command with each --process-id)"
    )


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    timeout_s: int = 300,
) -> ProcessLayout | None:
    """Join a multi-process run, or do nothing for a single process.

    Call it once, first thing, before any JAX computation (creating an array initialises
    the backend, after which joining is impossible). Arguments and environment are as in
    :func:`resolve_layout`. While it waits for the other processes it says so on stderr,
    naming the coordinator.

    Returns:
        The layout that was joined, or ``None`` for a single-process run.

    When the processes have not all joined after ``timeout_s`` seconds the process prints
    one line saying so and exits with status 2 (JAX itself would abort it with a stack).
    """
    layout = resolve_layout(coordinator_address, num_processes, process_id, environ=environ)
    if layout is None:
        return None
    if jax.distributed.is_initialized():
        return layout
    if timeout_s < 1:
        raise ValueError(f"timeout_s={timeout_s}: wait at least one second")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    print(describe_wait(layout, timeout_s), file=sys.stderr, flush=True)
    # JAX aborts the whole process (a fatal log and a C++ stack) when its own deadline
    # passes, so a watchdog gives up first, with one line and exit status 2.
    joined = threading.Event()

    def give_up() -> None:
        if not joined.is_set():
            print(
                f"gen-jax: the {layout.num_processes or 'expected'} processes did not all join "
                f"at {layout.coordinator_address or layout.source} within {timeout_s} s; start "
                "every process with the same --coordinator-address and its own --process-id, "
                "or raise --start-timeout",
                file=sys.stderr,
                flush=True,
            )
            os._exit(START_TIMEOUT_EXIT_STATUS)

    watchdog = threading.Timer(timeout_s, give_up)
    watchdog.daemon = True
    watchdog.start()
    try:
        jax.distributed.initialize(
            coordinator_address=layout.coordinator_address,
            num_processes=layout.num_processes,
            process_id=layout.process_id,
            initialization_timeout=timeout_s + _JAX_DEADLINE_MARGIN_S,
        )
    finally:
        joined.set()
        watchdog.cancel()
    return layout


def is_main_process() -> bool:
    """Whether this process writes the run's files (metrics, config, reports): process 0."""
    return jax.process_index() == 0
