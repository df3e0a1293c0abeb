"""Autoencoder models, penalties and Steps (gen_jax.models.autoencoders.autoencoder,
algorithms.autoencoding)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.autoencoding import (
    autoencoder_objective,
    contractive_penalty,
    corrupt,
    kl_sparsity_penalty,
    make_autoencoder_step,
    sigmoid_contractive_penalty,
)
from gen_jax.models.autoencoders.autoencoder import Autoencoder, conv_autoencoder, mlp_autoencoder


def test_book_conv_autoencoder_has_the_books_parameter_counts():
    model = conv_autoencoder((28, 28, 1))
    params = jax.eval_shape(model.init, jax.random.key(0), jnp.zeros((1, 28, 28, 1)))["params"]
    count = lambda tree: sum(leaf.size for leaf in jax.tree.leaves(tree))  # noqa: E731
    assert count(params["encoder"]) == 98_946
    assert count(params["decoder"]) == 102_017
    output, code = jax.eval_shape(
        lambda p: model.apply({"params": p}, jnp.zeros((3, 28, 28, 1))), params
    )
    assert output.shape == (3, 28, 28, 1) and code.shape == (3, 2)


def test_conv_autoencoder_rejects_bad_strides():
    with pytest.raises(ValueError, match="decoder_strides"):
        conv_autoencoder((28, 28, 1), decoder_strides=(2, 2))
    with pytest.raises(ValueError, match="not divisible"):
        conv_autoencoder((30, 30, 1))


def _sigmoid_autoencoder(num_inputs=6, code_dim=3):
    model = mlp_autoencoder((num_inputs,), code_dim, hidden_sizes=(), code_activation="sigmoid")
    x = jax.random.uniform(jax.random.key(1), (5, num_inputs))
    params = model.init(jax.random.key(2), x)["params"]
    return model, params, x


def test_contractive_penalty_equals_explicit_jacobian_norm_and_closed_form():
    model, params, x = _sigmoid_autoencoder()

    def encode(example):
        return model.apply({"params": params}, example[None], method=Autoencoder.encode)[0]

    explicit = jnp.sum(jnp.square(jax.vmap(jax.jacfwd(encode))(x)), axis=(1, 2))
    np.testing.assert_allclose(contractive_penalty(encode, x), explicit, rtol=1e-5)
    codes = model.apply({"params": params}, x, method=Autoencoder.encode)
    kernel = params["encoder"]["code"]["kernel"]
    np.testing.assert_allclose(sigmoid_contractive_penalty(codes, kernel), explicit, rtol=1e-5)


def test_contractive_penalty_of_a_deep_encoder_matches_jacfwd():
    model = mlp_autoencoder((3, 2), 3, hidden_sizes=(5, 4), activation="tanh")
    x = jax.random.uniform(jax.random.key(0), (4, 3, 2))
    params = model.init(jax.random.key(1), x)["params"]

    def encode(example):
        return model.apply({"params": params}, example[None], method=Autoencoder.encode)[0]

    explicit = jnp.sum(jnp.square(jax.vmap(jax.jacfwd(encode))(x)), axis=(1, 2, 3))
    np.testing.assert_allclose(contractive_penalty(encode, x), explicit, rtol=1e-5)


def test_kl_sparsity_penalty_equals_closed_form():
    codes = jnp.array([[0.1, 0.5], [0.3, 0.7]])
    rho = 0.2
    rho_hat = np.array([0.2, 0.6])
    expected = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    np.testing.assert_allclose(kl_sparsity_penalty(codes, rho), expected, rtol=1e-6)
    assert float(kl_sparsity_penalty(jnp.full((4, 3), rho), rho)) == pytest.approx(0.0, abs=1e-6)


def test_corruption_statistics():
    x = jnp.full((200, 500), 0.5)
    key = jax.random.key(3)
    noisy = corrupt(x, key=key, corruption="gaussian", level=0.3)
    assert float(jnp.mean(noisy - x)) == pytest.approx(0.0, abs=0.003)
    assert float(jnp.std(noisy - x)) == pytest.approx(0.3, rel=0.01)
    masked = corrupt(x, key=key, corruption="masking", level=0.25)
    assert float(jnp.mean(masked == 0.0)) == pytest.approx(0.25, abs=0.005)
    assert bool(jnp.all((masked == 0.0) | (masked == x)))
    assert corrupt(x, key=key, corruption="none", level=0.0) is x
    with pytest.raises(ValueError, match="corruption="):
        corrupt(x, key=key, corruption="salt", level=0.1)


def test_objective_reports_each_active_penalty():
    model, params, x = _sigmoid_autoencoder()
    loss, metrics = autoencoder_objective(
        params,
        {"x": x},
        jax.random.key(0),
        model=model,
        reconstruction="bernoulli",
        corruption="masking",
        corruption_level=0.2,
        l1_weight=0.1,
        sparsity_weight=0.5,
        sparsity_target=0.1,
        contractive_weight=0.3,
        data_key="x",
    )
    expected = (
        metrics["reconstruction"]
        + 0.1 * metrics["l1"]
        + 0.5 * metrics["kl_sparsity"]
        + 0.3 * metrics["contractive"]
    )
    np.testing.assert_allclose(loss, expected, rtol=1e-6)


def test_denoising_step_lowers_the_loss():
    model = mlp_autoencoder((8,), 3, hidden_sizes=(16,))
    step = make_autoencoder_step(
        model, optax.adam(1e-2), corruption="gaussian", corruption_level=0.1, data_key="x"
    )
    batch = {"x": jax.random.uniform(jax.random.key(0), (32, 8))}
    state = step.init(jax.random.key(1), batch)
    update = jax.jit(step.update)
    _, first = update(state, batch, jax.random.key(2))
    for index in range(60):
        state, metrics = update(state, batch, jax.random.key(index))
    assert metrics["loss"] < first["loss"]


def test_step_rejects_bad_arguments():
    model = mlp_autoencoder((8,), 3)
    with pytest.raises(ValueError, match="reconstruction="):
        make_autoencoder_step(model, optax.adam(1e-3), reconstruction="l2")
    with pytest.raises(ValueError, match="sparsity_target"):
        make_autoencoder_step(model, optax.adam(1e-3), sparsity_weight=1.0, sparsity_target=1.0)
    with pytest.raises(KeyError, match="data_key"):
        make_autoencoder_step(model, optax.adam(1e-3)).init(
            jax.random.key(0), {"x": jnp.ones((2, 8))}
        )
