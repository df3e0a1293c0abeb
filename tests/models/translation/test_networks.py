"""CycleGAN and VGG19 networks: the book's exact parameter counts and output shapes (by
jax.eval_shape), instance norm and reflection padding against numpy, the VGG19 loaders."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.layers import instance_norm, reflection_pad
from gen_jax.models.translation import (
    PatchDiscriminator,
    ResNetGenerator,
    UNetGenerator,
    VGG19Features,
    load_vgg19,
    save_vgg19_npz,
)


def _count_and_shape(module, shape):
    x = jax.ShapeDtypeStruct(shape, jnp.float32)
    variables = jax.eval_shape(module.init, jax.random.key(0), x)
    output = jax.eval_shape(module.apply, variables, x)
    return sum(leaf.size for leaf in jax.tree.leaves(variables)), output


@pytest.mark.parametrize(
    "module, size, count, out_shape",
    [
        (UNetGenerator(filters=32), 128, 1_545_411, (1, 128, 128, 3)),
        (PatchDiscriminator(filters=32), 128, 694_241, (1, 16, 16, 1)),
        (ResNetGenerator(filters=32), 256, 2_850_563, (1, 256, 256, 3)),
        (PatchDiscriminator(filters=64), 256, 2_764_737, (1, 32, 32, 1)),
        (ResNetGenerator(filters=64), 256, 11_378_179, (1, 256, 256, 3)),
    ],
)
def test_counts_and_shapes_equal_the_books_keras_models(module, size, count, out_shape):
    total, output = _count_and_shape(module, (1, size, size, 3))
    assert total == count
    assert output.shape == out_shape


def test_vgg19_notop_has_kerass_count_and_layers():
    total, output = _count_and_shape(VGG19Features(), (1, 224, 224, 3))
    assert total == 20_024_384
    assert output["block5_pool"].shape == (1, 7, 7, 512)
    assert output["block5_conv2"].shape == (1, 14, 14, 512)


def test_instance_norm_matches_the_closed_forms():
    x = np.random.default_rng(0).normal(2.0, 3.0, (2, 5, 4, 3))
    mean = x.mean(axis=(1, 2), keepdims=True)
    std = x.std(axis=(1, 2), keepdims=True)
    with jax.enable_x64():
        keras = instance_norm(jnp.asarray(x))
        torch_style = instance_norm(jnp.asarray(x), epsilon=1e-5, epsilon_in_sqrt=True)
    np.testing.assert_allclose(keras, (x - mean) / (std + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(torch_style, (x - mean) / np.sqrt(std**2 + 1e-5), rtol=1e-12)


def test_instance_norm_of_a_constant_map_is_zero_with_finite_gradient():
    x = jnp.ones((1, 1, 1, 2))
    assert np.all(instance_norm(x) == 0)
    grad = jax.grad(lambda v: jnp.sum(instance_norm(v) * 3.0))(x)
    assert np.all(np.isfinite(grad))


def test_reflection_pad_matches_numpy_and_rejects_too_much():
    x = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)
    expected = np.pad(x, ((0, 0), (3, 3), (3, 3), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(reflection_pad(jnp.asarray(x), 3), expected)
    with pytest.raises(ValueError, match="padding=4"):
        reflection_pad(jnp.asarray(x), 4)


NARROW = (2, 2, 2, 2, 2)


def test_vgg19_npz_round_trip_and_random_weights_are_flagged(tmp_path):
    random = load_vgg19(widths=NARROW)
    assert not random.pretrained and "random" in random.description
    path = save_vgg19_npz(tmp_path / "vgg.npz", random)
    loaded = load_vgg19(path, widths=NARROW)
    assert loaded.pretrained and loaded.preprocessing == "caffe"
    jax.tree.map(np.testing.assert_array_equal, loaded.variables, random.variables)
    with pytest.raises(ValueError, match="needs"):
        load_vgg19(path, widths=(4, 2, 2, 2, 2))
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        load_vgg19(tmp_path / "missing.h5")


def test_vgg19_reads_a_torchvision_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    generator = torch.Generator().manual_seed(0)
    widths = [w for w, n in zip(NARROW, (2, 2, 4, 4, 4), strict=True) for _ in range(n)]
    indices = (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34)
    state, channels = {}, 3
    for index, width in zip(indices, widths, strict=True):
        state[f"features.{index}.weight"] = torch.randn(width, channels, 3, 3, generator=generator)
        state[f"features.{index}.bias"] = torch.randn(width, generator=generator)
        channels = width
    torch.save(state, tmp_path / "vgg19.pth")
    weights = load_vgg19(tmp_path / "vgg19.pth", widths=NARROW)
    assert weights.preprocessing == "torch"
    x = np.random.default_rng(0).normal(size=(1, 8, 8, 3)).astype(np.float32)
    ours = VGG19Features(NARROW, last_layer="block1_conv1").apply(weights.variables, x)
    theirs = torch.relu(
        torch.nn.functional.conv2d(
            torch.from_numpy(x).permute(0, 3, 1, 2),
            state["features.0.weight"],
            state["features.0.bias"],
            padding=1,
        )
    ).permute(0, 2, 3, 1)
    np.testing.assert_allclose(ours["block1_conv1"], theirs.numpy(), rtol=1e-5, atol=1e-5)
