"""PixelCNN: causal receptive fields, normalisation over all tiny images, sampling."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.autoregressive.pixelcnn import (
    GatedPixelCNN,
    PixelCNN,
    causal_mask,
    pixelcnn_log_prob,
    pixelcnn_sample,
)

SIDE = 4


def _params(model, x, label=None):
    params = model.init(jax.random.key(0), x, label)["params"]
    return jax.tree.map(lambda p: 2.0 * p + 0.05, params)  # every allowed path active


def _jacobian(model, params, x):
    """``[H*W, H*W]``: d logit(pixel i) / d x(pixel j), pixels in raster order."""

    def logits(image):
        return model.apply({"params": params}, image[None])[0].reshape(-1)

    return np.asarray(jax.jit(jax.jacfwd(logits))(x).reshape(SIDE * SIDE, SIDE * SIDE))


@pytest.mark.parametrize(
    "model",
    [
        PixelCNN(features=8, num_layers=2, first_kernel_size=3),
        GatedPixelCNN(features=8, num_layers=3),
    ],
    ids=["plain", "gated"],
)
def test_no_output_depends_on_the_current_or_a_later_pixel(model):
    x = jax.random.bernoulli(jax.random.key(1), 0.5, (SIDE, SIDE, 1)).astype(jnp.float32)
    params = _params(model, x[None])
    jacobian = _jacobian(model, params, x)
    later_or_same = np.triu(np.ones_like(jacobian, dtype=bool))
    assert np.all(jacobian[later_or_same] == 0.0)
    earlier = ~later_or_same
    seen = jacobian[earlier] != 0.0
    if isinstance(model, GatedPixelCNN):
        assert np.all(seen), "the gated stacks must see every earlier pixel (no blind spot)"
    else:
        # the plain stack's blind spot: pixel (2, 0) never reaches (3, 3)...
        assert jacobian[3 * SIDE + 0, 2 * SIDE + 3] == 0.0
        assert seen.mean() > 0.5


def test_masks():
    np.testing.assert_array_equal(
        causal_mask((3, 3), stack="full", mask_type="A"), [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    )
    np.testing.assert_array_equal(
        causal_mask((3, 3), stack="full", mask_type="B"), [[1, 1, 1], [1, 1, 0], [0, 0, 0]]
    )
    np.testing.assert_array_equal(
        causal_mask((3, 3), stack="vertical", mask_type="A"), [[1, 1, 1], [0, 0, 0], [0, 0, 0]]
    )
    np.testing.assert_array_equal(
        causal_mask((1, 3), stack="horizontal", mask_type="A"), [[1, 0, 0]]
    )
    with pytest.raises(ValueError, match="odd"):
        causal_mask((2, 3), stack="full", mask_type="A")
    with pytest.raises(ValueError, match="mask_type"):
        causal_mask((3, 3), stack="full", mask_type="C")


def _all_images(side, levels):
    values = list(itertools.product(range(levels), repeat=side * side))
    return jnp.asarray(values, jnp.float32).reshape(-1, side, side, 1)


@pytest.mark.parametrize(
    "model, side, levels",
    [
        (GatedPixelCNN(features=8, num_layers=2), 3, 2),
        (PixelCNN(features=8, num_layers=1, first_kernel_size=3), 3, 2),
        (GatedPixelCNN(likelihood="categorical", num_levels=3, features=8, num_layers=1), 2, 3),
    ],
    ids=["gated_binary_3x3", "plain_binary_3x3", "gated_3_levels_2x2"],
)
def test_probabilities_sum_to_one_over_all_tiny_images(model, side, levels):
    images = _all_images(side, levels)
    params = _params(model, images[:1])
    log_p = jax.jit(lambda p: pixelcnn_log_prob(model, p, images))(params)
    np.testing.assert_allclose(jnp.sum(jnp.exp(log_p)), 1.0, rtol=1e-4)


def test_class_conditional_sampling_matches_the_model():
    model = GatedPixelCNN(features=8, num_layers=1, num_classes=3)
    images = _all_images(2, 2)
    labels = jnp.full((images.shape[0],), 2, jnp.int32)
    params = _params(model, images[:1], labels[:1])
    exact = np.exp(np.asarray(pixelcnn_log_prob(model, params, images, labels)))
    np.testing.assert_allclose(exact.sum(), 1.0, rtol=1e-4)
    other = np.exp(np.asarray(pixelcnn_log_prob(model, params, images, labels - 1)))
    assert np.abs(exact - other).max() > 1e-3, "the label must change the distribution"
    num = 4000
    samples = pixelcnn_sample(
        model, params, (2, 2, 1), num, key=jax.random.key(3), label=jnp.full((num,), 2, jnp.int32)
    )
    codes = np.asarray(samples).reshape(num, 4) @ np.array([8, 4, 2, 1])
    frequencies = np.bincount(codes.astype(int), minlength=16) / num
    assert np.abs(frequencies - exact).max() < 0.03


def test_categorical_sampling_gives_levels_in_range():
    model = PixelCNN(likelihood="categorical", num_levels=4, features=8, num_layers=1)
    samples = pixelcnn_sample(
        model,
        _params(model, jnp.zeros((1, 3, 3, 1))),
        (3, 3, 1),
        5,
        key=jax.random.key(0),
    )
    assert samples.shape == (5, 3, 3, 1) and samples.dtype == jnp.int32
    assert int(samples.min()) >= 0 and int(samples.max()) <= 3


def test_label_and_model_must_agree():
    x, key = jnp.zeros((1, 3, 3, 1)), jax.random.key(0)
    with pytest.raises(ValueError, match="pass label="):
        jax.eval_shape(GatedPixelCNN(features=4, num_layers=1, num_classes=2).init, key, x)
    with pytest.raises(ValueError, match="unconditional"):
        jax.eval_shape(PixelCNN(features=4, num_layers=1).init, key, x, jnp.zeros((1,), jnp.int32))
