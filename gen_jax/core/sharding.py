"""Device layout: a 1-D mesh over every device, batch sharded, state replicated.

Models are written per example and batched with ``vmap``; this module is the only place
that says where arrays live. On one CPU the mesh has a single device and everything below
is a no-op; on a GPU host or a TPU pod the same code shards the global batch over axis
``data``. Multi-host runs call ``jax.distributed.initialize()`` first; each process then
feeds its own slice of the global batch to :func:`shard_batch`.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

DATA_AXIS = "data"


def make_mesh(num_devices: int | None = None, *, axis_name: str = DATA_AXIS) -> Mesh:
    """A 1-D mesh over the first ``num_devices`` devices (all of them by default).

    Args:
        num_devices: how many devices to use; ``None`` means ``jax.device_count()``.
        axis_name: the mesh axis name used for data parallelism.

    Returns:
        A ``Mesh`` with one axis of size ``num_devices`` in automatic sharding mode.
    """
    available = jax.device_count()
    if num_devices is None:
        num_devices = available
    if not 1 <= num_devices <= available:
        raise ValueError(
            f"num_devices={num_devices} but {available} device(s) are visible; pass a number "
            f"between 1 and {available}, or None for all"
        )
    devices = jax.devices()[:num_devices]
    return jax.make_mesh(
        (num_devices,),
        (axis_name,),
        axis_types=(jax.sharding.AxisType.Auto,),
        devices=devices,
    )


def batch_sharding(mesh: Mesh) -> NamedSharding:
    """Shards the leading (batch) axis of every array over the mesh's data axis."""
    return NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))


def replicated(mesh: Mesh) -> NamedSharding:
    """Replicates an array on every device of the mesh."""
    return NamedSharding(mesh, PartitionSpec())


def state_shardings(abstract_state: Any, mesh: Mesh) -> Any:
    """Shardings for every leaf of a state (from ``jax.eval_shape``): replicated.

    Parameters are replicated under data parallelism. The result is a pytree with the same
    structure as ``abstract_state``, usable as ``out_shardings`` and as an orbax restore
    target.
    """
    sharding = replicated(mesh)
    return jax.tree.map(lambda _: sharding, abstract_state)


def largest_axis_shardings(abstract_state: Any, mesh: Mesh) -> Any:
    """Shardings that split every state leaf over the data axis (FSDP / ZeRO-3 style).

    Each array is split along its largest axis whose size the number of devices divides
    (the first such axis on a tie); scalars and arrays with no such axis are replicated.
    Parameters and optimiser moments then take ``1 / num_devices`` of the memory on each
    device, and ``jit`` gathers a parameter where a computation needs it whole. The
    result of an update is the same as with replicated parameters.

    Args:
        abstract_state: the state's pytree of arrays or ``ShapeDtypeStruct``s (from
            ``jax.eval_shape(step.init, ...)``).
        mesh: the mesh; its first axis is the one parameters are split over.

    Returns:
        A pytree of ``NamedSharding``s with the structure of ``abstract_state``, usable as
        ``compile_step(..., state_sharding=...)`` and ``compile_init``'s state sharding.
    """
    axis_name = mesh.axis_names[0]
    num_devices = mesh.shape[axis_name]

    def shard(leaf) -> NamedSharding:
        divisible = [axis for axis, size in enumerate(leaf.shape) if size % num_devices == 0]
        if not divisible or num_devices == 1:
            return NamedSharding(mesh, PartitionSpec())
        largest = max(divisible, key=lambda axis: (leaf.shape[axis], -axis))
        spec = [None] * len(leaf.shape)
        spec[largest] = axis_name
        return NamedSharding(mesh, PartitionSpec(*spec))

    return jax.tree.map(shard, abstract_state)


STATE_SHARDINGS = {"replicated": state_shardings, "fsdp": largest_axis_shardings}
"""Named state layouts for ``fit(state_sharding=...)`` and experiment configs: ``"replicated"``
(data parallel) and ``"fsdp"`` (parameters and optimiser moments split over the devices)."""


def resolve_state_shardings(layout: Any) -> Any:
    """The state-sharding function for ``layout``: a name in ``STATE_SHARDINGS`` or a callable
    ``(abstract_state, mesh) -> shardings`` (returned as it is)."""
    if callable(layout):
        return layout
    if layout not in STATE_SHARDINGS:
        raise ValueError(
            f"state_sharding={layout!r}: use one of {sorted(STATE_SHARDINGS)} or a function "
            "(abstract_state, mesh) -> shardings"
        )
    return STATE_SHARDINGS[layout]


def abstract_with_shardings(abstract_state: Any, shardings: Any) -> Any:
    """Attach shardings to an abstract state: ``ShapeDtypeStruct`` leaves with ``sharding``."""
    return jax.tree.map(
        lambda leaf, sharding: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=sharding),
        abstract_state,
        shardings,
    )


def shard_batch(batch: Any, sharding: NamedSharding) -> Any:
    """Place this process's part of a global batch on the devices, sharded along axis 0.

    Args:
        batch: a pytree of numpy arrays whose leading axis is this process's slice of the
            global batch (the whole global batch on a single host).
        sharding: the batch sharding from :func:`batch_sharding`.

    Returns:
        The same pytree of global ``jax.Array``s.
    """
    num_shards = sharding.mesh.devices.size // jax.process_count()

    def place(path, array):
        array = np.asarray(array)
        if array.ndim == 0 or array.shape[0] % num_shards:
            name = jax.tree_util.keystr(path) or "batch"
            raise ValueError(
                f"{name} has shape {array.shape}: its leading (batch) axis must be divisible by "
                f"the {num_shards} local device(s); choose a batch size that is a multiple of "
                f"{sharding.mesh.devices.size}"
            )
        return jax.make_array_from_process_local_data(sharding, array)

    return jax.tree_util.tree_map_with_path(place, batch)


def pad_and_shard(
    data: np.ndarray, weights: np.ndarray, mesh: Mesh | None = None
) -> tuple[jax.Array, jax.Array]:
    """Shard a whole data set over the mesh, padding it with zero-weight examples.

    Full-batch estimators (EM) weight every example, so padding the leading axis up to a
    multiple of the device count with weight-0 rows changes no statistic.

    Args:
        data: ``[N, ...]`` examples.
        weights: ``[N]`` example weights.
        mesh: the mesh; all devices by default.

    Returns:
        ``(data [N', ...], weights [N'])`` sharded along axis 0, ``N'`` a multiple of the
        device count.
    """
    mesh = make_mesh() if mesh is None else mesh
    padding = -data.shape[0] % mesh.devices.size
    data = np.concatenate([data, np.zeros((padding, *data.shape[1:]), data.dtype)])
    weights = np.concatenate([weights, np.zeros(padding, weights.dtype)])
    sharding = batch_sharding(mesh)
    return jax.device_put(data, sharding), jax.device_put(weights, sharding)
