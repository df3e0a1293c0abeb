"""The book's face VAE: Keras' parameter counts and bad arguments (modes: test_normalised_vae)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import pytest

from gen_jax.models.autoencoders.face_vae import face_vae


def _count(tree) -> int:
    return sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(tree))


def test_full_model_has_the_books_parameter_counts():
    model = face_vae()  # 128x128x3, z = 200
    variables = jax.eval_shape(
        lambda: model.init(
            jax.random.key(0), jnp.zeros((1, 128, 128, 3)), key=jax.random.key(1), train=False
        )
    )
    # Keras counts BatchNorm's moving mean and variance too (Foster 2019, ch. 3).
    for part, keras_count in (("encoder", 1_732_944), ("decoder", 917_123)):
        total = _count(variables["params"][part]) + _count(variables["batch_stats"][part])
        assert total == keras_count
    assert variables["params"]["encoder"]["mean"]["kernel"].shape == (4096, 200)
    assert variables["params"]["decoder"]["Dense_0"]["kernel"].shape == (200, 4096)


def _small(**options):
    return face_vae((8, 8, 3), 3, encoder_filters=(4, 4), decoder_filters=(4,), strides=(2, 2),
                    **options)  # fmt: skip


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(strides=(2, 2, 2)), "one stride per encoder layer"),
        (dict(image_shape=(10, 10, 3)), "not divisible"),
        (dict(dropout_rate=1.0), "dropout_rate"),
    ],
)
def test_bad_arguments_are_named(options, message):
    arguments = dict(image_shape=(8, 8, 3), encoder_filters=(4, 4), decoder_filters=(4,),
                     strides=(2, 2))  # fmt: skip
    arguments.update(options)
    image_shape = arguments.pop("image_shape")
    with pytest.raises(ValueError, match=message):
        face_vae(image_shape, 3, **arguments)
