"""Adversarial losses against closed forms, finite differences and the penalties' geometry."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.losses import adversarial as adv

LOGITS = jnp.array([-30.0, -3.0, -0.5, 0.0, 0.7, 4.0, 30.0])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def test_sigmoid_cross_entropy_matches_the_definition_and_stays_finite():
    labels = jnp.array([1.0, 0.0, 0.3, 1.0, 0.0, 0.9, 1.0])
    p = _sigmoid(LOGITS[1:-1])
    y = np.asarray(labels[1:-1])
    expected = -y * np.log(p) - (1 - y) * np.log1p(-p)
    got = np.asarray(jax.jit(adv.sigmoid_cross_entropy)(LOGITS, labels))
    np.testing.assert_allclose(got[1:-1], expected, rtol=1e-5)
    np.testing.assert_allclose(got[[0, -1]], [30.0, 0.0], atol=1e-6)
    assert np.all(np.isfinite(got))


def test_probabilistic_losses_match_their_closed_forms():
    real, fake = LOGITS[1:-1], LOGITS[::-1][1:-1]
    d_real, d_fake = _sigmoid(real), _sigmoid(fake)
    np.testing.assert_allclose(
        jax.jit(adv.discriminator_loss)(real_logits=real, fake_logits=fake),
        -np.log(d_real) - np.log1p(-d_fake),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        adv.minimax_generator_loss(fake_logits=fake), np.log1p(-d_fake), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        adv.nonsaturating_generator_loss(fake_logits=fake), -np.log(d_fake), rtol=1e-5
    )


def test_score_based_losses_match_their_closed_forms():
    real, fake = jnp.array([-2.0, 0.5, 1.5]), jnp.array([0.3, -1.5, 2.0])
    r, f = np.asarray(real), np.asarray(fake)
    cases = [
        (adv.least_squares_discriminator_loss, 0.5 * (r - 1) ** 2 + 0.5 * f**2),
        (adv.hinge_discriminator_loss, np.maximum(0, 1 - r) + np.maximum(0, 1 + f)),
        (adv.wasserstein_critic_loss, f - r),
    ]
    for loss, expected in cases:
        np.testing.assert_allclose(loss(real_scores=real, fake_scores=fake), expected, rtol=1e-6)
    np.testing.assert_allclose(
        adv.least_squares_generator_loss(fake_scores=fake), 0.5 * (f - 1) ** 2
    )
    np.testing.assert_allclose(adv.hinge_generator_loss(fake_scores=fake), -f)
    np.testing.assert_allclose(adv.wasserstein_generator_loss(fake_scores=fake), -f)


@pytest.mark.parametrize("loss", [adv.minimax_generator_loss, adv.nonsaturating_generator_loss])
def test_generator_gradients_match_finite_differences(loss):
    logits = jnp.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    grad = jax.vmap(jax.grad(lambda x: loss(fake_logits=x)))(logits)
    h = 1e-3
    numeric = (loss(fake_logits=logits + h) - loss(fake_logits=logits - h)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-4)


def test_saturating_gradient_vanishes_where_the_discriminator_is_confident():
    confident_fake = jnp.array([-10.0, -20.0])  # D(G(z)) = sigmoid(logit) ~ 0
    saturating = jax.vmap(jax.grad(lambda x: adv.minimax_generator_loss(fake_logits=x)))
    nonsaturating = jax.vmap(jax.grad(lambda x: adv.nonsaturating_generator_loss(fake_logits=x)))
    assert np.all(np.abs(saturating(confident_fake)) < 1e-4)
    np.testing.assert_allclose(nonsaturating(confident_fake), -1.0, atol=1e-4)


def _linear_critic(weight):
    return lambda x: x.reshape(x.shape[0], -1) @ weight.reshape(-1)


@pytest.mark.parametrize("norm, expected", [(1.0, 0.0), (3.0, 4.0)])
def test_gradient_penalty_of_a_linear_critic(norm, expected):
    keys = jax.random.split(jax.random.key(0), 3)
    direction = jax.random.normal(keys[0], (4, 3, 2))
    weight = norm * direction / jnp.linalg.norm(direction)
    real = jax.random.normal(keys[1], (5, 4, 3, 2))
    fake = jax.random.normal(keys[2], (5, 4, 3, 2))
    penalty = jax.jit(adv.gradient_penalty, static_argnums=0)(
        _linear_critic(weight), real, fake, key=jax.random.key(1)
    )
    assert penalty.shape == (5,)
    np.testing.assert_allclose(penalty, expected, atol=1e-5)


def test_gradient_penalty_is_per_example_and_uses_interpolates():
    """Critic x -> ||x||^2 / 2 has gradient x: the penalty is (||x_hat|| - 1)^2 per row."""
    real = jnp.array([[3.0, 0.0], [0.0, 0.5]])
    fake = jnp.array([[1.0, 0.0], [0.0, 0.5]])
    critic = lambda x: 0.5 * jnp.sum(jnp.square(x), axis=-1)  # noqa: E731
    key = jax.random.key(7)
    epsilon = jax.random.uniform(key, (2, 1))
    interpolates = epsilon * real + (1 - epsilon) * fake
    expected = (np.linalg.norm(interpolates, axis=-1) - 1.0) ** 2
    np.testing.assert_allclose(
        adv.gradient_penalty(critic, real, fake, key=key), expected, rtol=1e-5
    )


def test_r1_penalty_is_the_squared_input_gradient_norm():
    weight = jnp.array([1.0, -2.0, 2.0])
    real = jnp.ones((4, 3))
    np.testing.assert_allclose(adv.r1_penalty(_linear_critic(weight), real), 9.0, rtol=1e-6)
    quadratic = lambda x: jnp.sum(x**2, axis=-1)  # noqa: E731
    x = jnp.array([[1.0, 2.0], [0.0, -1.0]])
    np.testing.assert_allclose(adv.r1_penalty(quadratic, x), [20.0, 4.0], rtol=1e-6)


def test_mismatched_shapes_name_the_arguments():
    with pytest.raises(ValueError, match="real_logits has shape"):
        adv.discriminator_loss(real_logits=jnp.zeros(3), fake_logits=jnp.zeros(4))
    with pytest.raises(ValueError, match="batch axis and an event axis"):
        adv.gradient_penalty(lambda x: x, jnp.zeros(3), jnp.zeros(3), key=jax.random.key(0))
