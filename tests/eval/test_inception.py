"""FID's InceptionV3 against a PyTorch functional reference of pytorch-fid's graph."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.eval.inception import InceptionFeatures, inception_feature_network
from gen_jax.eval.inception_v3 import FIDInceptionV3, variables_from_state_dict


@functools.cache
def _cached_state_dict():
    return _random_state_dict()


def _random_state_dict(seed=0):
    """Random weights in PyTorch layout, with the keys of pytorch-fid's state dict."""
    rng = np.random.default_rng(seed)
    shapes = jax.eval_shape(
        FIDInceptionV3().init, jax.random.key(0), jnp.zeros((1, 75, 75, 3), jnp.float32)
    )
    state_dict = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(shapes["params"])[0]:
        *modules, layer, name = [entry.key for entry in path]
        prefix = ".".join(modules)
        if name == "kernel":
            kh, kw, fan_in, out = leaf.shape
            weight = rng.normal(size=(out, fan_in, kh, kw)) * np.sqrt(2.0 / (kh * kw * fan_in))
            state_dict[f"{prefix}.conv.weight"] = weight.astype(np.float32)
        elif name == "scale":
            size = leaf.shape[0]
            state_dict[f"{prefix}.bn.weight"] = rng.uniform(0.5, 1.5, size).astype(np.float32)
            state_dict[f"{prefix}.bn.running_mean"] = rng.normal(0, 0.1, size).astype(np.float32)
            state_dict[f"{prefix}.bn.running_var"] = rng.uniform(0.5, 2, size).astype(np.float32)
        else:
            state_dict[f"{prefix}.bn.bias"] = rng.normal(0, 0.1, leaf.shape).astype(np.float32)
    return state_dict


def _torch_reference(state_dict, images):
    """pytorch-fid's FIDInceptionV3 forward to pool3, written with torch.nn.functional."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    sd = {k: torch.from_numpy(v) for k, v in state_dict.items()}

    def conv(name, x, stride=1, padding=0):
        x = F.conv2d(x, sd[f"{name}.conv.weight"], stride=stride, padding=padding)
        x = F.batch_norm(
            x,
            sd[f"{name}.bn.running_mean"],
            sd[f"{name}.bn.running_var"],
            sd[f"{name}.bn.weight"],
            sd[f"{name}.bn.bias"],
            training=False,
            eps=1e-3,
        )
        return F.relu(x)

    def avg(x):
        return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)

    def block_a(n, x):
        b5 = conv(f"{n}.branch5x5_2", conv(f"{n}.branch5x5_1", x), padding=2)
        b3 = conv(f"{n}.branch3x3dbl_1", x)
        b3 = conv(f"{n}.branch3x3dbl_3", conv(f"{n}.branch3x3dbl_2", b3, padding=1), padding=1)
        parts = [conv(f"{n}.branch1x1", x), b5, b3, conv(f"{n}.branch_pool", avg(x))]
        return torch.cat(parts, 1)

    def block_b(n, x):
        bd = conv(f"{n}.branch3x3dbl_2", conv(f"{n}.branch3x3dbl_1", x), padding=1)
        bd = conv(f"{n}.branch3x3dbl_3", bd, stride=2)
        return torch.cat([conv(f"{n}.branch3x3", x, stride=2), bd, F.max_pool2d(x, 3, 2)], 1)

    def block_c(n, x):
        b7 = conv(f"{n}.branch7x7_1", x)
        b7 = conv(f"{n}.branch7x7_2", b7, padding=(0, 3))
        b7 = conv(f"{n}.branch7x7_3", b7, padding=(3, 0))
        bd = conv(f"{n}.branch7x7dbl_1", x)
        for index, padding in zip(range(2, 6), [(3, 0), (0, 3), (3, 0), (0, 3)], strict=True):
            bd = conv(f"{n}.branch7x7dbl_{index}", bd, padding=padding)
        parts = [conv(f"{n}.branch1x1", x), b7, bd, conv(f"{n}.branch_pool", avg(x))]
        return torch.cat(parts, 1)

    def block_d(n, x):
        b3 = conv(f"{n}.branch3x3_2", conv(f"{n}.branch3x3_1", x), stride=2)
        b7 = conv(f"{n}.branch7x7x3_1", x)
        b7 = conv(f"{n}.branch7x7x3_2", b7, padding=(0, 3))
        b7 = conv(f"{n}.branch7x7x3_3", b7, padding=(3, 0))
        b7 = conv(f"{n}.branch7x7x3_4", b7, stride=2)
        return torch.cat([b3, b7, F.max_pool2d(x, 3, 2)], 1)

    def block_e(n, x, pool):
        b3 = conv(f"{n}.branch3x3_1", x)
        b3 = torch.cat(
            [
                conv(f"{n}.branch3x3_2a", b3, padding=(0, 1)),
                conv(f"{n}.branch3x3_2b", b3, padding=(1, 0)),
            ],
            1,
        )
        bd = conv(f"{n}.branch3x3dbl_2", conv(f"{n}.branch3x3dbl_1", x), padding=1)
        bd = torch.cat(
            [
                conv(f"{n}.branch3x3dbl_3a", bd, padding=(0, 1)),
                conv(f"{n}.branch3x3dbl_3b", bd, padding=(1, 0)),
            ],
            1,
        )
        parts = [conv(f"{n}.branch1x1", x), b3, bd, conv(f"{n}.branch_pool", pool(x))]
        return torch.cat(parts, 1)

    x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    x = 2 * x - 1
    x = conv("Conv2d_1a_3x3", x, stride=2)
    x = conv("Conv2d_2a_3x3", x)
    x = F.max_pool2d(conv("Conv2d_2b_3x3", x, padding=1), 3, 2)
    x = F.max_pool2d(conv("Conv2d_4a_3x3", conv("Conv2d_3b_1x1", x)), 3, 2)
    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
        x = block_a(name, x)
    x = block_b("Mixed_6a", x)
    for name in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
        x = block_c(name, x)
    x = block_d("Mixed_7a", x)
    x = block_e("Mixed_7b", x, avg)
    x = block_e("Mixed_7c", x, lambda t: F.max_pool2d(t, 3, stride=1, padding=1))
    pool3 = x.mean(dim=(2, 3))
    return pool3.numpy(), F.linear(pool3, sd["fc.weight"], sd["fc.bias"]).numpy()


@pytest.mark.slow
def test_features_and_logits_equal_the_pytorch_fid_graph(tmp_path):
    rng = np.random.default_rng(2)
    state_dict = _random_state_dict()
    state_dict["fc.weight"] = (rng.normal(size=(1008, 2048)) / 45).astype(np.float32)
    state_dict["fc.bias"] = rng.normal(size=1008).astype(np.float32)
    path = tmp_path / "inception.npz"
    np.savez(path, **state_dict)
    images = np.random.default_rng(1).random((2, 40, 48, 3), dtype=np.float32)
    expected, expected_logits = _torch_reference(state_dict, images)
    network = inception_feature_network(path)
    got, got_logits = network.features_and_logits(images)
    assert got.shape == (2, 2048) and got_logits.shape == (2, 1008)
    np.testing.assert_allclose(got, expected, rtol=2e-3, atol=2e-3 * np.abs(expected).max())
    unbiased = expected_logits - state_dict["fc.bias"]  # the Inception Score's logits
    scale = np.abs(unbiased).max()
    np.testing.assert_allclose(got_logits, unbiased, rtol=2e-3, atol=2e-3 * scale)


def test_fc_layer_is_converted_and_optional():
    rng = np.random.default_rng(3)
    state_dict = dict(_cached_state_dict())
    weight = rng.normal(size=(1008, 2048)).astype(np.float32)
    bias = rng.normal(size=1008).astype(np.float32)
    variables = variables_from_state_dict({**state_dict, "fc.weight": weight, "fc.bias": bias})
    np.testing.assert_array_equal(variables["params"]["fc"]["kernel"], weight.T)
    np.testing.assert_array_equal(variables["params"]["fc"]["bias"], bias)
    network = InceptionFeatures({"params": {}})  # weights without the fc layer
    assert not network.has_logits
    with pytest.raises(ValueError, match="no fc layer"):
        network.logits(np.zeros((1, 8, 8, 3), np.float32))


def test_bad_weights_are_rejected_with_a_clear_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        inception_feature_network(tmp_path / "missing.pth")
    state_dict = dict(_cached_state_dict())
    state_dict.pop("Mixed_5b.branch1x1.conv.weight")
    state_dict["Conv2d_1a_3x3.conv.weight"] = np.zeros((32, 3, 5, 5), np.float32)
    with pytest.raises(ValueError, match="missing Mixed_5b.branch1x1.conv.weight"):
        variables_from_state_dict(state_dict)
