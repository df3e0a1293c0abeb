"""make_gradient_step: one update against a hand-computed one, batch statistics, frozen
parameters, the key, and objectives that break the contract."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.state import SupervisedState, TrainState
from gen_jax.core.step import compile_step


def _regression_batch(seed=0, size=8):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(size, 3)).astype(np.float32)
    return {"x": x, "y": (x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3).astype(np.float32)}


def _least_squares(params, batch, key):
    del key
    residual = batch["x"] @ params["w"] + params["b"] - batch["y"]
    loss = jnp.mean(jnp.square(residual))
    return loss, {"mse": loss, "max_residual": jnp.max(jnp.abs(residual))}


def _zeros(key, batch):
    del key
    return {"w": jnp.zeros(batch["x"].shape[1]), "b": jnp.zeros(())}


def test_one_step_is_the_hand_computed_sgd_update():
    batch, learning_rate = _regression_batch(), 0.1
    step = make_gradient_step(_least_squares, _zeros, optax.sgd(learning_rate))
    state = step.init(jax.random.key(0), batch)
    assert isinstance(state, TrainState) and int(state.step) == 0
    new_state, metrics = compile_step(step.update)(state, batch, jax.random.key(1))

    x, y = batch["x"].astype(np.float64), batch["y"].astype(np.float64)
    residual = -y  # the parameters start at zero
    grad_w, grad_b = 2.0 * x.T @ residual / len(x), 2.0 * np.mean(residual)
    np.testing.assert_allclose(new_state.params["w"], -learning_rate * grad_w, rtol=1e-5)
    np.testing.assert_allclose(new_state.params["b"], -learning_rate * grad_b, rtol=1e-5)
    np.testing.assert_allclose(metrics["loss"], np.mean(y**2), rtol=1e-5)
    np.testing.assert_allclose(metrics["mse"], metrics["loss"])
    np.testing.assert_allclose(metrics["max_residual"], np.max(np.abs(y)), rtol=1e-6)
    np.testing.assert_allclose(
        metrics["grad_norm"], np.sqrt(np.sum(grad_w**2) + grad_b**2), rtol=1e-5
    )
    assert int(new_state.step) == 1
    assert all(np.isfinite(value) and np.shape(value) == () for value in metrics.values())


def test_adam_state_advances_as_optax_does():
    batch, optimizer = _regression_batch(), optax.adam(0.05)
    step = make_gradient_step(_least_squares, _zeros, optimizer)
    state = step.init(jax.random.key(0), batch)
    params, opt_state = _zeros(None, batch), optimizer.init(_zeros(None, batch))
    for index in range(3):
        state, _ = step.update(state, batch, jax.random.key(index))
        grads = jax.grad(lambda p: _least_squares(p, batch, None)[0])(params)
        with jax.numpy_dtype_promotion("standard"):  # optax's bias correction mixes dtypes
            updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
    for got, want in zip(jax.tree.leaves(state.params), jax.tree.leaves(params), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)


class _NormalisedRegression(nn.Module):
    @nn.compact
    def __call__(self, x, *, train: bool):
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        return nn.Dense(1)(x)[:, 0]


def test_batch_statistics_follow_the_moving_average():
    model, batch = _NormalisedRegression(), _regression_batch(size=16)

    def objective(params, batch_stats, batch, key):
        del key
        prediction, updates = model.apply(
            {"params": params, "batch_stats": batch_stats},
            batch["x"],
            train=True,
            mutable=["batch_stats"],
        )
        loss = jnp.mean(jnp.square(prediction - batch["y"]))
        return loss, ({}, updates["batch_stats"])

    def init(key, batch):
        return model.init(key, batch["x"], train=False)

    step = make_gradient_step(objective, init, optax.sgd(0.01), batch_stats=True)
    state = step.init(jax.random.key(0), batch)
    assert isinstance(state, SupervisedState)
    new_state, metrics = jax.jit(step.update)(state, batch, jax.random.key(1))
    moving = new_state.batch_stats["BatchNorm_0"]
    np.testing.assert_allclose(moving["mean"], 0.1 * batch["x"].mean(0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        moving["var"], 0.9 + 0.1 * batch["x"].var(0), rtol=1e-5
    )  # from the initial variance 1
    assert set(metrics) == {"loss", "grad_norm"}
    assert not np.allclose(new_state.params["Dense_0"]["kernel"], state.params["Dense_0"]["kernel"])


def test_frozen_keys_are_read_but_never_trained():
    batch = _regression_batch()

    def objective(params, batch, key):
        del key
        shifted = {"w": params["w"], "b": params["b"] + params["offset"]["b"]}
        return _least_squares(shifted, batch, None)

    def init(key, batch):
        return {**_zeros(key, batch), "offset": {"b": jnp.ones(())}}

    optimizer = optax.adam(0.1)
    step = make_gradient_step(objective, init, optimizer, frozen_keys=("offset",))
    state = step.init(jax.random.key(0), batch)
    trained = {"w": state.params["w"], "b": state.params["b"]}
    assert jax.tree.structure(state.opt_state) == jax.tree.structure(optimizer.init(trained))
    new_state, metrics = step.update(state, batch, jax.random.key(1))
    assert float(new_state.params["offset"]["b"]) == 1.0
    assert not np.allclose(new_state.params["w"], 0.0)
    full_grads = jax.grad(lambda p: objective(p, batch, None)[0])(state.params)
    trained_norm = optax.tree.norm({"w": full_grads["w"], "b": full_grads["b"]})
    np.testing.assert_allclose(metrics["grad_norm"], trained_norm, rtol=1e-6)


def test_the_objective_receives_the_step_key():
    def objective(params, batch, key):
        noise = jax.random.normal(key, ())
        return jnp.sum(params["w"]) * noise, {"noise": noise}

    step = make_gradient_step(objective, lambda key, batch: {"w": jnp.zeros(2)}, optax.sgd(1.0))
    state = step.init(jax.random.key(0), {})
    key = jax.random.key(5)
    new_state, metrics = step.update(state, {}, key)
    noise = jax.random.normal(key, ())
    np.testing.assert_allclose(metrics["noise"], noise)
    np.testing.assert_allclose(new_state.params["w"], np.full(2, -float(noise)), rtol=1e-6)


@pytest.mark.parametrize(
    ("objective", "error", "match"),
    [
        (lambda p, b, k: jnp.sum(p["w"]), TypeError, r"objective returned .* \(loss, metrics\)"),
        (lambda p, b, k: (p["w"], {}), ValueError, r"loss of shape \(2,\)"),
        (lambda p, b, k: (jnp.sum(p["w"]), p["w"]), TypeError, "metrics of type"),
        (lambda p, b, k: (jnp.sum(p["w"]), {"w": p["w"]}), ValueError, "metric 'w' has shape"),
    ],
    ids=["bare_loss", "vector_loss", "array_metrics", "vector_metric"],
)
def test_a_bad_objective_return_names_the_argument(objective, error, match):
    step = make_gradient_step(objective, lambda key, batch: {"w": jnp.zeros(2)}, optax.sgd(0.1))
    state = step.init(jax.random.key(0), {})
    with pytest.raises(error, match=match):
        jax.jit(step.update)(state, {}, jax.random.key(1))


def test_bad_arguments_name_the_fix():
    with pytest.raises(TypeError, match="objective="):
        make_gradient_step(None, _zeros, optax.sgd(0.1))
    with pytest.raises(TypeError, match="frozen_keys="):
        make_gradient_step(_least_squares, _zeros, optax.sgd(0.1), frozen_keys="b")
    batch = _regression_batch()
    missing = make_gradient_step(_least_squares, _zeros, optax.sgd(0.1), frozen_keys=("c",))
    with pytest.raises(ValueError, match="frozen_keys"):
        missing.init(jax.random.key(0), batch)
    no_variables = make_gradient_step(_least_squares, _zeros, optax.sgd(0.1), batch_stats=True)
    with pytest.raises(TypeError, match="init must return the Linen variables"):
        no_variables.init(jax.random.key(0), batch)
    with pytest.raises(TypeError, match=r"\(loss, \(metrics, new_batch_stats\)\)"):
        step = make_gradient_step(
            lambda p, s, b, k: _least_squares(p, b, k),
            lambda key, batch: {"params": _zeros(key, batch)},
            optax.sgd(0.1),
            batch_stats=True,
        )
        step.update(step.init(jax.random.key(0), batch), batch, jax.random.key(1))
