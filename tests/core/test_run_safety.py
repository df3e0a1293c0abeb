"""A run protects its workdir: damaged checkpoints skipped, signals checkpoint, one run per
workdir, no diverged state saved, a finished run started again keeps its metrics."""

import logging
import os
import signal
import socket
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.core import distributed, workdir_lock
from gen_jax.core.checkpoint import Checkpointer, CheckpointError
from gen_jax.core.loop import Hook, NonFiniteError, TrainingInterrupted, fit
from gen_jax.core.sharding import make_mesh
from gen_jax.core.state import TrainState, zero_step
from gen_jax.core.step import Step
from tests.core.cases import image_iterator


def _quadratic_step(poison_state_from=None):
    """One parameter vector pulled to zero by SGD; the loss is always finite, but the state
    turns NaN from update ``poison_state_from`` on (a diverged model whose metrics hide it)."""
    optimizer = optax.sgd(0.1)

    def init(key, batch):
        params = {"w": jnp.ones((4,))}
        return TrainState(step=zero_step(), params=params, opt_state=optimizer.init(params))

    def update(state, batch, key):
        loss, grads = jax.value_and_grad(lambda p: jnp.sum(p["w"] ** 2))(state.params)
        updates, opt_state = optimizer.update(grads, state.opt_state)
        params = optax.apply_updates(state.params, updates)
        if poison_state_from is not None:
            bad = state.step + 1 >= poison_state_from
            params = {"w": jnp.where(bad, jnp.nan, params["w"])}
        new_state = state.replace(step=state.step + 1, params=params, opt_state=opt_state)
        return new_state, {"loss": loss}

    return Step(init, update)


def _fit(workdir, num_steps=6, step=None, **options):
    settings = dict(log_every=1, checkpoint_every=2, keep_checkpoints=3, progress=False)
    settings.update(options)
    return fit(
        step or _quadratic_step(),
        image_iterator(),
        num_steps=num_steps,
        workdir=workdir,
        mesh=make_mesh(2),
        **settings,
    )


def _truncate_data_files(step_dir, keep_bytes):
    """Cut every array data file of a checkpoint step short, as a failed copy would."""
    for path in (step_dir / "state").rglob("*"):
        if path.is_file() and path.parent.name == "d":
            with open(path, "r+b") as file:
                file.truncate(keep_bytes)


def test_a_damaged_newest_checkpoint_is_skipped_with_a_one_line_warning(tmp_path, caplog):
    _fit(tmp_path, num_steps=4)
    _truncate_data_files(tmp_path / "checkpoints" / "4", keep_bytes=10)
    with caplog.at_level(logging.WARNING, logger="gen_jax"):
        resumed = _fit(tmp_path, num_steps=6)
    assert resumed.resumed_from == 2
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "gen_jax"]
    assert "step 4" in warning and "damaged" in warning and "\n" not in warning
    assert Checkpointer(tmp_path / "checkpoints").all_steps() == [2, 4, 6]  # 4 written again
    np.testing.assert_allclose(resumed.state.params["w"], 0.8**6, rtol=1e-6)


def test_no_intact_checkpoint_is_a_one_line_error(tmp_path):
    _fit(tmp_path, num_steps=2)
    _truncate_data_files(tmp_path / "checkpoints" / "2", keep_bytes=0)
    with pytest.raises(CheckpointError, match="no intact checkpoint.*step 2") as caught:
        _fit(tmp_path, num_steps=4)
    assert "\n" not in str(caught.value)


def test_sigterm_checkpoints_the_current_step_and_says_how_to_resume(tmp_path):
    def preempt(step, state):
        os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(TrainingInterrupted, match="SIGTERM.*step 3.*run the same command"):
        _fit(tmp_path, num_steps=6, checkpoint_every=None, hooks=[Hook(preempt, every=3)])
    assert Checkpointer(tmp_path / "checkpoints").all_steps() == [3]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is removed again
    assert _fit(tmp_path, num_steps=6).resumed_from == 3


def test_a_diverged_state_is_never_checkpointed(tmp_path):
    with pytest.raises(NonFiniteError, match="last good checkpoint \\(step 2\\)"):
        _fit(tmp_path, num_steps=6, step=_quadratic_step(poison_state_from=3))
    assert Checkpointer(tmp_path / "checkpoints").all_steps() == [2]


def test_a_finished_run_started_again_returns_its_recorded_metrics(tmp_path):
    first = _fit(tmp_path, num_steps=2)
    again = _fit(tmp_path, num_steps=2)
    assert again.resumed_from == 2 and again.metrics == first.metrics


def test_a_second_process_in_the_same_workdir_stops_at_once(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = tmp_path / workdir_lock.LOCK_FILE
        lock.write_text(f'{{"pid": {holder.pid}, "host": "{os.uname().nodename}"}}')
        with pytest.raises(workdir_lock.WorkdirLockedError, match=f"process {holder.pid}"):
            _fit(tmp_path, num_steps=1)
    finally:
        holder.kill()
        holder.wait()
    _fit(tmp_path, num_steps=1)  # the holder is dead: its stale lock is taken over
    assert not lock.exists()


def test_a_multi_process_start_says_what_it_waits_for_and_gives_up(tmp_path):
    # distributed.py loaded alone (JAX only, no gen_jax package): a quick subprocess.
    path = os.path.join(os.path.dirname(distributed.__file__), "distributed.py")
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('alone', {path!r})\n"
        "module = importlib.util.module_from_spec(spec); sys.modules['alone'] = module\n"
        "spec.loader.exec_module(module)\n"
        "module.initialize('localhost:' + sys.argv[1], 2, 1, timeout_s=2)\n"
    )
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(
        [sys.executable, "-c", script, str(port)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == distributed.START_TIMEOUT_EXIT_STATUS
    waiting, gave_up = done.stderr.strip().splitlines()
    assert "process 1 of 2 waiting up to 2 s" in waiting and f"localhost:{port}" in waiting
    assert "did not all join" in gave_up and "--start-timeout" in gave_up
