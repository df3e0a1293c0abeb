"""Multi-process runs: layout resolution, and two processes on this machine (gloo).

The two-process test trains an EM Step and a gradient Step for a few steps with two
processes of 2 CPU devices each (one global batch split between them) and checks that the
final parameters equal those of one process on 4 devices, to rtol 1e-5 / atol 1e-6 (the
cross-device sums run in a different order), and that the checkpoint the two processes
wrote together restores in this process to exactly those parameters.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from gen_jax.core import distributed
from gen_jax.core import sharding as sharding_lib
from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.rng import root_key
from tests.core import distributed_worker

REPO = Path(__file__).resolve().parents[2]
RTOL, ATOL = 1e-5, 1e-6
WORKER_TIMEOUT_S = 600


def test_single_process_is_a_no_op():
    assert distributed.resolve_layout(environ={}) is None
    assert distributed.resolve_layout(num_processes=1, environ={}) is None
    assert distributed.initialize(environ={}) is None


def test_arguments_and_environment():
    layout = distributed.resolve_layout("localhost:1234", 2, 1, environ={})
    assert (layout.coordinator_address, layout.num_processes, layout.process_id) == (
        "localhost:1234",
        2,
        1,
    )
    assert layout.source == "arguments"
    environ = {"JAX_COORDINATOR_ADDRESS": "h:9", "JAX_NUM_PROCESSES": "4", "JAX_PROCESS_ID": "3"}
    layout = distributed.resolve_layout(environ=environ)
    assert (layout.num_processes, layout.process_id, layout.source) == (4, 3, "environment")


@pytest.mark.parametrize(
    "environ, cluster",
    [
        ({"SLURM_JOB_ID": "7", "SLURM_NTASKS": "4"}, "SLURM"),
        ({"SLURM_JOB_ID": "7", "SLURM_NTASKS": "1"}, None),
        ({"OMPI_COMM_WORLD_SIZE": "2"}, "Open MPI"),
        ({"TPU_WORKER_HOSTNAMES": "a,b"}, "Cloud TPU pod"),
        ({"TPU_WORKER_HOSTNAMES": "a"}, None),
    ],
)
def test_cluster_detection_is_left_to_jax(environ, cluster):
    layout = distributed.resolve_layout(environ=environ)
    assert (layout.source if layout else None) == cluster
    if layout is not None:
        assert (layout.coordinator_address, layout.num_processes, layout.process_id) == (
            None,
            None,
            None,
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"process_id": 0}, "without --num-processes"),
        ({"coordinator_address": "h:1"}, "without --num-processes"),
        ({"num_processes": 2, "coordinator_address": "h:1"}, "needs --process-id"),
        ({"num_processes": 2, "process_id": 0}, "needs --coordinator-address"),
        ({"num_processes": 2, "process_id": 2, "coordinator_address": "h:1"}, "outside"),
        ({"num_processes": 2, "process_id": 0, "coordinator_address": "h"}, "host:port"),
        ({"num_processes": 0}, "must be >= 1"),
        ({"num_processes": 1, "process_id": 1}, "--num-processes=1"),
    ],
)
def test_bad_layouts_name_the_flag(kwargs, message):
    with pytest.raises(ValueError, match=message):
        distributed.resolve_layout(**kwargs, environ={})


def test_environment_values_must_be_integers():
    with pytest.raises(ValueError, match="--num-processes='two'"):
        distributed.resolve_layout(environ={"JAX_NUM_PROCESSES": "two"})


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--process-id", "1"], "without --num-processes"),
        (["--num-processes", "2", "--process-id", "0"], "needs --coordinator-address"),
    ],
)
def test_cli_rejects_an_incomplete_layout(flags, message, capsys, tmp_path):
    from gen_jax import cli

    status = cli.main(["run", "gmm_toy:tiny", "--workdir", str(tmp_path), *flags])
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "config.json").exists()


def _gloo_available() -> bool:
    from jax._src.lib import _jax

    return hasattr(_jax, "make_gloo_tcp_collectives")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def _start_worker(process_id: int, port: int, workdir: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "tests.core.distributed_worker",
        "--num-processes=2",
        f"--process-id={process_id}",
        f"--coordinator-address=localhost:{port}",
        "--local-devices=2",
        f"--workdir={workdir}",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("XLA_FLAGS", None)
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _restore_params(name: str, checkpoint_dir: Path, mesh) -> dict[str, np.ndarray]:
    step, data = distributed_worker._cases()[name]
    batch_sharding = sharding_lib.batch_sharding(mesh)
    example = sharding_lib.shard_batch(data.peek(), batch_sharding)
    init_key, _ = jax.random.split(root_key(0))
    abstract = jax.eval_shape(step.init, init_key, example)
    target = sharding_lib.abstract_with_shardings(
        abstract, sharding_lib.state_shardings(abstract, mesh)
    )
    checkpointer = Checkpointer(checkpoint_dir)
    try:
        state, meta = checkpointer.restore(target)
    finally:
        checkpointer.close()
    assert meta["step"] == distributed_worker.NUM_STEPS
    return distributed_worker.flat_params(state)


@pytest.mark.skipif(not _gloo_available(), reason="jaxlib was built without gloo collectives")
def test_two_processes_equal_one_process(tmp_path):
    port = _free_port()
    workers = [_start_worker(index, port, tmp_path / "two") for index in range(2)]
    outputs = []
    for worker in workers:
        try:
            outputs.append(worker.communicate(timeout=WORKER_TIMEOUT_S)[0])
        except subprocess.TimeoutExpired:
            for other in workers:
                other.kill()
            pytest.fail(f"a worker did not finish in {WORKER_TIMEOUT_S} s")
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output[-3000:]
    assert "process 1/2: 4 devices" in outputs[1]

    mesh = sharding_lib.make_mesh(4)
    reference = distributed_worker.train_cases(tmp_path / "one", mesh=mesh)
    for name, expected in reference.items():
        two = dict(np.load(tmp_path / "two" / f"{name}.npz"))
        assert two.keys() == expected.keys()
        for key, value in expected.items():
            np.testing.assert_allclose(two[key], value, rtol=RTOL, atol=ATOL, err_msg=key)
        restored = _restore_params(name, tmp_path / "two" / name / "checkpoints", mesh)
        for key, value in two.items():
            np.testing.assert_array_equal(restored[key], value, err_msg=key)
        assert (tmp_path / "two" / name / "metrics.jsonl").exists()
