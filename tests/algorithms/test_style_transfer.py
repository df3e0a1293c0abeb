"""Style transfer on device with a narrow random VGG19 on 32x32 images: L-BFGS lowers the
loss every outer iteration; with content weight 0 the style term falls at least tenfold."""

import jax
import numpy as np
import pytest

from gen_jax.algorithms.style_transfer import make_style_transfer_objective, transfer_style
from gen_jax.models.translation import VGG19Features, load_vgg19

WIDTHS = (4, 4, 8, 8, 8)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    base = rng.uniform(-60, 60, (32, 32, 3)).astype(np.float32)
    style = np.tile(np.linspace(-100, 100, 32, dtype=np.float32)[None, :, None], (32, 1, 3))
    style[::4] *= -1  # stripes
    return base, style


def _objective(images, **weights):
    weights_file = load_vgg19(widths=WIDTHS, key=jax.random.key(1))
    network = VGG19Features(WIDTHS, last_layer="block5_conv2")
    base, style = images
    return make_style_transfer_objective(
        network, weights_file.variables, base=base, style=style, **weights
    )


def test_lbfgs_lowers_the_loss_every_outer_iteration(images):
    objective = _objective(
        images, content_weight=1.0, style_weight=100.0, total_variation_weight=1e-3
    )
    image, history = transfer_style(
        objective, images[0], method="lbfgs", num_iterations=4, steps_per_iteration=5
    )
    loss = np.asarray(history["loss"])
    assert loss.shape == (5,) and np.all(np.diff(loss) < 0)
    np.testing.assert_allclose(
        loss,
        sum(np.asarray(history[k]) for k in ("content", "style", "total_variation")),
        rtol=1e-5,
    )
    assert image.shape == images[0].shape


@pytest.mark.parametrize("method", ["lbfgs", "adam"])
def test_without_content_the_gram_distance_falls_tenfold(images, method):
    objective = _objective(images, content_weight=0.0, style_weight=1.0, total_variation_weight=0.0)
    _, history = transfer_style(
        objective,
        images[0],
        method=method,
        num_iterations=2,
        steps_per_iteration=15,
        learning_rate=5.0,
    )
    style = np.asarray(history["style"])
    assert style[-1] * 10 <= style[0]
