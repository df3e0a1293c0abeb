"""fit(): metrics files, resume equals uninterrupted, crash safety, the NaN guard."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.loop import Hook, NonFiniteError, fit
from gen_jax.core.sharding import abstract_with_shardings, make_mesh, state_shardings
from gen_jax.core.state import TrainState, zero_step
from gen_jax.core.step import Step
from tests.core.cases import image_iterator, mlp_vae_step


def _params(state):
    return jax.tree.map(np.asarray, jax.device_get(state.params))


def _assert_same(tree_a, tree_b):
    for a, b in zip(jax.tree.leaves(tree_a), jax.tree.leaves(tree_b), strict=True):
        np.testing.assert_array_equal(a, b)


def _fit_vae(workdir, num_steps=6, **options):
    """The MLP VAE on random images, logging and checkpointing every 2 steps, seed 3."""
    settings = dict(seed=3, log_every=2, checkpoint_every=2, progress=False)
    settings.update(options)
    return fit(mlp_vae_step(), image_iterator(), num_steps=num_steps, workdir=workdir, **settings)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("uninterrupted")
    result = _fit_vae(workdir, keep_checkpoints=2)
    return workdir, _params(result.state)


def test_fit_writes_metrics_tensorboard_and_checkpoints(uninterrupted):
    workdir, _ = uninterrupted
    records = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4, 6]
    assert all(np.isfinite(r["loss"]) for r in records)
    assert any((workdir / "tensorboard").iterdir())
    assert Checkpointer(workdir / "checkpoints").all_steps() == [4, 6]


def test_resume_after_a_crash_equals_an_uninterrupted_run(uninterrupted, tmp_path):
    _, expected = uninterrupted

    def crash(step, state):
        raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        _fit_vae(tmp_path, hooks=[Hook(every=5, fn=crash)])
    assert Checkpointer(tmp_path / "checkpoints").latest_step() == 4
    resumed = _fit_vae(tmp_path)
    assert resumed.resumed_from == 4
    _assert_same(_params(resumed.state), expected)
    steps = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").open()]
    assert steps == [2, 4, 6]


def test_resume_with_another_seed_is_refused(uninterrupted, tmp_path):
    _fit_vae(tmp_path, num_steps=2)
    with pytest.raises(ValueError, match="seed=3"):
        _fit_vae(tmp_path, num_steps=4, seed=4)


def test_checkpoint_saved_on_eight_devices_restores_on_one(uninterrupted):
    workdir, expected = uninterrupted
    step, data = mlp_vae_step(), image_iterator()
    abstract = jax.eval_shape(step.init, jax.random.key(0), data.peek())
    mesh = make_mesh(1)
    target = abstract_with_shardings(abstract, state_shardings(abstract, mesh))
    checkpointer = Checkpointer(workdir / "checkpoints")
    state, meta = checkpointer.restore(target)
    checkpointer.close()
    assert meta["seed"] == 3 and meta["step"] == 6
    assert all(len(leaf.sharding.device_set) == 1 for leaf in jax.tree.leaves(state))
    _assert_same(_params(state), expected)


def test_fsdp_state_sharding_trains_and_resumes_like_the_replicated_state(uninterrupted, tmp_path):
    _, expected = uninterrupted
    _fit_vae(tmp_path, num_steps=4, state_sharding="fsdp")
    resumed = _fit_vae(tmp_path, state_sharding="fsdp")
    assert resumed.resumed_from == 4
    kernels = [leaf for leaf in jax.tree.leaves(resumed.state.params) if leaf.ndim == 2]
    assert all(not leaf.sharding.is_fully_replicated for leaf in kernels)
    trained = jax.tree.leaves(_params(resumed.state))
    for a, b in zip(trained, jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="state_sharding='zero'"):
        _fit_vae(None, num_steps=1, state_sharding="zero")


def _nan_after(bad_step):
    """A one-parameter Step whose loss turns NaN from update ``bad_step`` on."""
    optimizer = optax.sgd(0.1)

    def init(key, batch):
        params = {"w": jnp.ones(())}
        return TrainState(step=zero_step(), params=params, opt_state=optimizer.init(params))

    def update(state, batch, key):
        poison = jnp.where(state.step + 1 >= bad_step, jnp.nan, 0.0)
        loss, grads = jax.value_and_grad(lambda p: p["w"] ** 2 + poison)(state.params)
        updates, opt_state = optimizer.update(grads, state.opt_state)
        params = optax.apply_updates(state.params, updates)
        return state.replace(step=state.step + 1, params=params, opt_state=opt_state), {
            "loss": loss
        }

    return Step(init, update)


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    with pytest.raises(NonFiniteError, match="last good checkpoint \\(step 4\\)"):
        fit(
            _nan_after(5),
            image_iterator(),
            num_steps=10,
            workdir=tmp_path,
            log_every=1,
            checkpoint_every=2,
            progress=False,
        )
    checkpointer = Checkpointer(tmp_path / "checkpoints")
    assert checkpointer.latest_step() == 4
    abstract = jax.eval_shape(_nan_after(5).init, jax.random.key(0), None)
    mesh = make_mesh(1)
    state, _ = checkpointer.restore(
        abstract_with_shardings(abstract, state_shardings(abstract, mesh))
    )
    checkpointer.close()
    np.testing.assert_allclose(state.params["w"], 0.8**4, rtol=1e-6)


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="num_steps"):
        fit(mlp_vae_step(), image_iterator(), num_steps=0, progress=False)
    with pytest.raises(ValueError, match="checkpoint_every"):
        fit(mlp_vae_step(), image_iterator(), num_steps=1, checkpoint_every=0, progress=False)
    with pytest.raises(ValueError, match="sample_every"):
        fit(mlp_vae_step(), image_iterator(), num_steps=1, sample_every=0, progress=False)


def test_hooks_without_their_own_cadence_run_every_sample_every_steps():
    calls = {"own": [], "shared": [], "end": []}

    def recorder(name):
        return lambda step, state: calls[name].append(step)

    hooks = [Hook(recorder("own"), every=4), Hook(recorder("shared"))]
    _fit_vae(None, num_steps=7, sample_every=3, hooks=hooks)
    _fit_vae(None, num_steps=2, hooks=[Hook(recorder("end"))])
    assert calls == {"own": [4, 7], "shared": [3, 6, 7], "end": [2]}


def test_a_batch_that_does_not_split_over_the_devices_is_a_clear_error():
    with pytest.raises(ValueError, match="divisible"):
        fit(mlp_vae_step(), image_iterator(batch_size=12), num_steps=1, progress=False)
