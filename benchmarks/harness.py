"""Timing harness shared by the benchmarks: one way to time a step, on either side.

A benchmark times gen_jax's compiled ``Step.update`` with :func:`time_step` and the peer
library's training step with :func:`time_callable`, so both sides are measured the same
way: ``warmup`` untimed calls, then ``num_steps`` calls timed one by one, each waiting for
its results (``jax.block_until_ready`` for JAX, a device synchronisation for the peer).
The summary is robust to a shared, noisy machine: medians and interquartile ranges, never
means. Results are written with :func:`write_result` next to a description of the machine
(:func:`machine_description`), so every figure says where it was taken.

:func:`prepare_step` and :func:`time_callables` let a benchmark interleave the two sides
in rounds, so that load from other processes on a shared machine falls on both alike.

Example:
    >>> stats = time_step(step, {"image": images}, num_steps=50, warmup=5)
    >>> stats["steps_per_s"]["median"], stats["compile_s"]
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from gen_jax.core import sharding as sharding_lib
from gen_jax.core.step import Step, compile_init, compile_step

RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS_DIR_ENV = "GEN_JAX_BENCHMARK_RESULTS"
written_paths: list[Path] = []  # every file write_result wrote in this process, in order
_MIB = 1024 * 1024


def _quartiles(values: list[float]) -> dict[str, float]:
    """Median, first and third quartile and their distance (IQR) of ``values``."""
    first, median, third = np.percentile(np.asarray(values, np.float64), [25, 50, 75])
    return {
        "median": float(median),
        "q25": float(first),
        "q75": float(third),
        "iqr": float(third - first),
    }


def summarize_durations(
    durations_s: list[float], *, examples_per_step: int | None = None
) -> dict[str, Any]:
    """Rates from per-step wall-clock durations.

    Args:
        durations_s: seconds taken by each timed step.
        examples_per_step: the batch size; when given, ``examples_per_s`` is added.

    Returns:
        ``step_ms`` and ``steps_per_s`` (each with median, q25, q75, iqr), optionally
        ``examples_per_s``, and the raw ``durations_s``.
    """
    if not durations_s:
        raise ValueError("durations_s is empty; time at least one step (num_steps >= 1)")
    rates = [1.0 / duration for duration in durations_s]
    summary: dict[str, Any] = {
        "num_steps": len(durations_s),
        "step_ms": _quartiles([1e3 * duration for duration in durations_s]),
        "steps_per_s": _quartiles(rates),
    }
    if examples_per_step is not None:
        summary["examples_per_s"] = _quartiles([examples_per_step * rate for rate in rates])
    summary["durations_s"] = [float(duration) for duration in durations_s]
    return summary


def _reset_peak_rss() -> bool:
    """Reset this process's peak-RSS high-water mark (Linux >= 4.0); True on success."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _max_rss_mib() -> float:
    """``resource.getrusage`` maximum resident set size of this process, in MiB."""
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return max_rss / _MIB if platform.system() == "Darwin" else max_rss / 1024


def jax_device_peak_bytes() -> int | None:
    """Largest ``peak_bytes_in_use`` over the JAX devices, or None if the backend has none.

    The CPU backend keeps no allocator statistics, so this is None there. On GPU and TPU
    the figure covers the whole process lifetime (JAX offers no reset).
    """
    peaks = []
    for device in jax.local_devices():
        try:
            stats = device.memory_stats()
        except (NotImplementedError, RuntimeError):
            stats = None
        if stats and "peak_bytes_in_use" in stats:
            peaks.append(int(stats["peak_bytes_in_use"]))
    return max(peaks) if peaks else None


def time_callables(
    fns: dict[str, Callable[[], Any]],
    *,
    num_steps: int = 50,
    warmup: int = 5,
    rounds: int = 1,
    syncs: dict[str, Callable[[Any], Any]] | None = None,
    examples_per_step: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Time several step functions the same way, interleaved so they share the same noise.

    Each side first runs its ``warmup`` untimed calls alone, with the peak-RSS mark reset
    before, which gives its ``peak_rss_mib``. Then ``num_steps`` timed calls per side are
    split into ``rounds`` chunks and the sides take turns (the order reverses every round),
    so a burst of load from another process hits both sides alike. Each timed interval is
    one call plus ``sync`` of its result.

    Args:
        fns: name -> one training step with no arguments (it advances its own state).
        num_steps: timed calls per side.
        warmup: untimed calls per side before timing.
        rounds: how many turns the timed calls are split into (1: one side after another).
        syncs: name -> function that waits for that side's result; default
            ``jax.block_until_ready`` (e.g. ``lambda _: torch.cuda.synchronize()``).
        examples_per_step: the batch size, to report ``examples_per_s``.

    Returns:
        name -> :func:`summarize_durations`'s dict plus ``warmup``, ``rounds``,
        ``peak_rss_mib`` (process peak RSS during that side's warm-up) and
        ``peak_rss_scope``.
    """
    if num_steps < 1 or warmup < 0 or not 1 <= rounds <= num_steps:
        raise ValueError(
            f"num_steps={num_steps}, warmup={warmup}, rounds={rounds}: need num_steps >= 1, "
            "warmup >= 0 and 1 <= rounds <= num_steps"
        )
    syncs = {name: (syncs or {}).get(name, jax.block_until_ready) for name in fns}
    peak_rss: dict[str, tuple[float, str]] = {}
    for name, fn in fns.items():
        reset = _reset_peak_rss()
        for _ in range(warmup):
            syncs[name](fn())
        scope = "warm-up of this side" if reset else "process lifetime"
        peak_rss[name] = (round(_max_rss_mib(), 1), scope)

    durations: dict[str, list[float]] = {name: [] for name in fns}
    chunks = [len(part) for part in np.array_split(np.arange(num_steps), rounds)]
    order = list(fns)
    for chunk in chunks:
        for name in order:
            fn, sync = fns[name], syncs[name]
            for _ in range(chunk):
                start = time.perf_counter()
                sync(fn())
                durations[name].append(time.perf_counter() - start)
        order.reverse()

    results = {}
    for name in fns:
        summary = summarize_durations(durations[name], examples_per_step=examples_per_step)
        summary["warmup"] = warmup
        summary["rounds"] = rounds
        summary["peak_rss_mib"], summary["peak_rss_scope"] = peak_rss[name]
        results[name] = summary
    return results


def time_callable(
    fn: Callable[[], Any],
    *,
    num_steps: int = 50,
    warmup: int = 5,
    sync: Callable[[Any], Any] = jax.block_until_ready,
    examples_per_step: int | None = None,
) -> dict[str, Any]:
    """Time ``fn()`` call by call: ``warmup`` untimed calls, then ``num_steps`` timed ones.

    The single-function case of :func:`time_callables`, used for a peer library's step so
    that it is measured exactly as :func:`time_step` measures gen_jax's.

    Args:
        fn: one training step with no arguments; it advances its own state.
        num_steps: how many calls are timed.
        warmup: how many calls run first, untimed (allocation, autotuning, caches).
        sync: waits for ``fn``'s result; ``jax.block_until_ready`` by default, e.g.
            ``lambda _: torch.cuda.synchronize()`` for PyTorch on a GPU.
        examples_per_step: batch size, to report ``examples_per_s``.

    Returns:
        :func:`summarize_durations`'s dict plus ``warmup``, ``peak_rss_mib`` and
        ``peak_rss_scope``.
    """
    return time_callables(
        {"fn": fn},
        num_steps=num_steps,
        warmup=warmup,
        syncs={"fn": sync},
        examples_per_step=examples_per_step,
    )["fn"]


def _batch_size(batch: Any) -> int:
    leaves = jax.tree.leaves(batch)
    if not leaves or np.ndim(leaves[0]) == 0:
        raise ValueError("batch must be a pytree of arrays with a leading batch axis")
    return int(np.shape(leaves[0])[0])


class PreparedStep:
    """A compiled Step with its state, batch and step keys, ready to be timed.

    Calling it runs one update (consuming the donated state) and returns
    ``(state, metrics)``. ``info`` holds the compile timings; :meth:`report` adds the
    final metrics and device memory.
    """

    def __init__(self, compiled, state, batch, step_keys, info: dict[str, Any]):
        self._compiled = compiled
        self._state = state
        self._batch = batch
        self._keys = iter(step_keys)
        self._metrics: dict[str, jax.Array] = {}
        self.info = info

    def __call__(self):
        self._state, self._metrics = self._compiled(self._state, self._batch, next(self._keys))
        return self._state, self._metrics

    def report(self) -> dict[str, Any]:
        """``info`` plus the last step's metrics and the devices' peak memory."""
        return {
            **self.info,
            "device_peak_bytes_in_use": jax_device_peak_bytes(),
            "final_metrics": {name: float(value) for name, value in self._metrics.items()},
        }


def prepare_step(
    step: Step, batch: Any, *, num_calls: int, mesh: Mesh | None = None, seed: int = 0
) -> PreparedStep:
    """Initialise, compile (state donated) and run the first update of a Step.

    The batch is placed on the devices once (sharded over ``mesh``'s data axis when a mesh
    is given) and reused by every call, so only the update is timed later. Step keys are
    ``fold_in(root, step)``, made here for ``num_calls`` further calls. Compilation is
    timed ahead of time (``lower``, then ``compile``); the compiled executable is what the
    calls run, so nothing compiles while timing.

    Returns:
        A :class:`PreparedStep` whose ``info`` has ``batch_size``, ``trace_lower_s``,
        ``compile_s``, ``first_step_s``, ``state_donated``, ``backend``, ``num_devices``
        and ``flops_per_step`` (XLA's cost analysis; ``None`` where unavailable).
    """
    batch_size = _batch_size(batch)
    init_key, run_key = jax.random.split(jax.random.key(seed))
    if mesh is None:
        batch = jax.device_put(batch)
        state = jax.jit(step.init)(init_key, batch)
        update = compile_step(step.update, donate=True)
        num_devices = 1
    else:
        abstract_state = jax.eval_shape(step.init, init_key, batch)
        state_sharding = sharding_lib.state_shardings(abstract_state, mesh)
        data_sharding = sharding_lib.batch_sharding(mesh)
        batch = sharding_lib.shard_batch(batch, data_sharding)
        state = compile_init(step.init, mesh=mesh, state_sharding=state_sharding)(init_key, batch)
        update = compile_step(
            step.update,
            mesh=mesh,
            state_sharding=state_sharding,
            batch_sharding=data_sharding,
            donate=True,
        )
        num_devices = mesh.devices.size
    step_keys = [jax.random.fold_in(run_key, index) for index in range(1 + num_calls)]
    jax.block_until_ready((state, batch, step_keys))

    start = time.perf_counter()
    lowered = update.lower(state, batch, step_keys[0])
    lowered_at = time.perf_counter()
    compiled = lowered.compile()
    compiled_at = time.perf_counter()

    old_leaves = jax.tree.leaves(state)
    start_first = time.perf_counter()
    state, _ = jax.block_until_ready(compiled(state, batch, step_keys[0]))
    first_step_s = time.perf_counter() - start_first
    state_donated = all(leaf.is_deleted() for leaf in old_leaves)
    del old_leaves
    info = {
        "batch_size": batch_size,
        "trace_lower_s": lowered_at - start,
        "compile_s": compiled_at - lowered_at,
        "first_step_s": first_step_s,
        "state_donated": state_donated,
        "backend": jax.default_backend(),
        "num_devices": num_devices,
        "flops_per_step": compiled_flops(compiled),
    }
    return PreparedStep(compiled, state, batch, step_keys[1:], info)


def time_step(
    step: Step,
    batch: Any,
    *,
    num_steps: int = 50,
    warmup: int = 5,
    mesh: Mesh | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Compile a Step's update with ``compile_step`` (state donated) and time it.

    See :func:`prepare_step` for what is compiled and how, and :func:`time_callable` for
    how the steps are timed (each one waits on ``jax.block_until_ready``).

    Args:
        step: the ``Step`` to benchmark.
        batch: a pytree of numpy arrays, the global batch.
        num_steps: timed steps.
        warmup: untimed steps after the first (compiling) call.
        mesh: device mesh; None for a single device.
        seed: root seed of the init and step keys.

    Returns:
        :func:`time_callable`'s dict plus ``batch_size``, ``trace_lower_s``,
        ``compile_s``, ``first_step_s``, ``state_donated``, ``device_peak_bytes_in_use``,
        ``backend``, ``num_devices`` and ``final_metrics`` (the last step's metrics).
    """
    prepared = prepare_step(step, batch, num_calls=warmup + num_steps, mesh=mesh, seed=seed)
    stats = time_callable(
        prepared,
        num_steps=num_steps,
        warmup=warmup,
        examples_per_step=prepared.info["batch_size"],
    )
    return {**stats, **prepared.report()}


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _total_ram_gib() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_description() -> dict[str, Any]:
    """Where a figure was taken: CPU, cores, RAM, library versions, JAX devices, date.

    The JAX part (backend, device kind and count, process count) reflects this process:
    call it after any device-count setting (``jax_num_cpu_devices``) is made.

    ``usable_cores`` is the process's CPU affinity (what a container actually grants);
    ``load_average`` is the 1/5/15-minute load when the description is taken, a hint of
    how busy a shared machine was.
    """
    try:
        usable_cores = len(os.sched_getaffinity(0))
    except AttributeError:
        usable_cores = os.cpu_count()
    try:
        load_average = [round(load, 2) for load in os.getloadavg()]
    except OSError:
        load_average = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cores": usable_cores,
        "ram_gib": _total_ram_gib(),
        "load_average": load_average,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            package: _version(package)
            for package in (
                "jax",
                "jaxlib",
                "jax-cuda12-plugin",
                "flax",
                "optax",
                "orbax-checkpoint",
                "numpy",
                "scipy",
                "scikit-learn",
                "torch",
            )
        },
        "jax_backend": jax.default_backend(),
        "jax_device_kind": jax.devices()[0].device_kind,
        "jax_device_count": jax.device_count(),
        "jax_process_count": jax.process_count(),
        "jax_devices": [f"{device.platform}:{device.device_kind}" for device in jax.devices()],
        "xla_flags": os.environ.get("XLA_FLAGS"),
    }


def _to_json(value: Any) -> Any:
    if isinstance(value, np.generic | jax.Array):
        return np.asarray(value).tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# Dense peak arithmetic rates (FLOP/s) by JAX device kind, from the vendors' data sheets:
# float32 on the CUDA cores (the benchmarks compute in float32 at "highest" matmul
# precision, so TF32/bf16 tensor-core peaks would overstate what is reachable).
PEAK_FLOPS_FLOAT32 = {
    "NVIDIA H200": 67e12,
    "NVIDIA H100 80GB HBM3": 67e12,
    "NVIDIA A100-SXM4-80GB": 19.5e12,
    "NVIDIA A100-SXM4-40GB": 19.5e12,
}


def compiled_flops(compiled) -> float | None:
    """XLA's count of floating-point operations in one call of a compiled executable."""
    try:
        analysis = compiled.cost_analysis()
    except (NotImplementedError, RuntimeError):
        return None
    if isinstance(analysis, list | tuple):
        analysis = analysis[0] if analysis else None
    flops = (analysis or {}).get("flops")
    return float(flops) if flops and flops > 0 else None


def add_model_flops_utilization(payload: Any, peak_flops: float | None) -> None:
    """Add ``model_flops_per_s`` (and ``mfu`` when the peak is known) beside every timing.

    Every dict in ``payload`` holding both ``flops_per_step`` (from :func:`prepare_step`)
    and ``steps_per_s`` gets the achieved rate at the median step time, and its fraction of
    ``peak_flops`` (model FLOPs utilisation).
    """
    if isinstance(payload, dict):
        if payload.get("flops_per_step") and "steps_per_s" in payload:
            rate = payload["flops_per_step"] * payload["steps_per_s"]["median"]
            payload["model_flops_per_s"] = rate
            if peak_flops:
                payload["mfu"] = rate / peak_flops
        for value in payload.values():
            add_model_flops_utilization(value, peak_flops)
    elif isinstance(payload, list):
        for value in payload:
            add_model_flops_utilization(value, peak_flops)


def results_dir() -> Path:
    """Where results go: ``$GEN_JAX_BENCHMARK_RESULTS`` if set, else ``benchmarks/results``.

    The runner (``python -m benchmarks run --results-dir DIR``) sets the variable for the
    benchmarks it starts, so a test run never touches the repository's results.
    """
    override = os.environ.get(RESULTS_DIR_ENV)
    return Path(override) if override else RESULTS_DIR


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` as pretty JSON to ``results_dir() / NAME.json``.

    Args:
        name: file stem, letters, digits, ``-`` and ``_`` only (e.g. ``"vae_step"``).
        payload: JSON-serialisable dict (numpy and JAX scalars are converted).

    Returns:
        The path written.
    """
    if not name or not all(char.isalnum() or char in "-_" for char in name):
        raise ValueError(f"name={name!r}: use letters, digits, '-' and '_' only, e.g. 'vae_step'")
    peak = PEAK_FLOPS_FLOAT32.get(jax.devices()[0].device_kind)
    add_model_flops_utilization(payload, peak)
    if peak:
        payload.setdefault("peak_flops_float32", peak)
    directory = results_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=_to_json) + "\n")
    written_paths.append(path)
    return path
