"""Style-transfer losses against numpy, and the total-variation gradient against finite
differences (float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.losses.style import content_loss, gram_matrix, style_loss, total_variation_loss

RNG = np.random.default_rng(0)
STYLE, COMBINATION = RNG.normal(size=(2, 3, 5, 4, 6))  # [B=3, H=5, W=4, C=6]


def _numpy_gram(features):
    flat = features.reshape(features.shape[0], -1, features.shape[-1])
    return np.einsum("bmi,bmj->bij", flat, flat)


def test_gram_matrix_and_content_loss_match_numpy():
    with jax.enable_x64():
        gram = gram_matrix(jnp.asarray(STYLE))
        content = content_loss(jnp.asarray(STYLE), jnp.asarray(COMBINATION))
    np.testing.assert_allclose(gram, _numpy_gram(STYLE), rtol=1e-12)
    np.testing.assert_allclose(content, ((STYLE - COMBINATION) ** 2).sum(axis=(1, 2, 3)))


@pytest.mark.parametrize("normalization", ["book", "paper"])
def test_style_loss_matches_numpy(normalization):
    squared = ((_numpy_gram(STYLE) - _numpy_gram(COMBINATION)) ** 2).sum(axis=(1, 2))
    scale = 4 * 9 * (40 * 30) ** 2 if normalization == "book" else 4 * 6**2 * (5 * 4) ** 2
    with jax.enable_x64():
        loss = jax.jit(
            lambda s, c: style_loss(s, c, normalization=normalization, image_size=(40, 30))
        )(jnp.asarray(STYLE), jnp.asarray(COMBINATION))
    np.testing.assert_allclose(loss, squared / scale, rtol=1e-12)
    with pytest.raises(ValueError, match="image_size"):
        style_loss(jnp.asarray(STYLE), jnp.asarray(STYLE), normalization="book")


def test_total_variation_value_and_gradient():
    x = RNG.normal(size=(2, 4, 5, 3))
    a = (x[:, :-1, :-1] - x[:, 1:, :-1]) ** 2
    b = (x[:, :-1, :-1] - x[:, :-1, 1:]) ** 2
    with jax.enable_x64():
        value = total_variation_loss(jnp.asarray(x))
        grad = np.asarray(jax.grad(lambda v: jnp.sum(total_variation_loss(v)))(jnp.asarray(x)))
    np.testing.assert_allclose(value, ((a + b) ** 1.25).sum(axis=(1, 2, 3)), rtol=1e-12)

    def numpy_total(v):
        a = (v[:, :-1, :-1] - v[:, 1:, :-1]) ** 2
        b = (v[:, :-1, :-1] - v[:, :-1, 1:]) ** 2
        return ((a + b) ** 1.25).sum()

    step, numeric = 1e-6, np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += step
        minus[index] -= step
        numeric[index] = (numpy_total(plus) - numpy_total(minus)) / (2 * step)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
