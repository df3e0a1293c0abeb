r"""InceptionV3 as used for FID: the TF-Inception graph of the FID reference, in Flax.

This is the network of pytorch-fid's ``fid_inception_v3`` (the 2015-12-05 TensorFlow
Inception weights that Heusel et al. used), inference only: torchvision's InceptionV3
layers with the FID graph's two quirks, average pools in the A, C and first E blocks that
exclude padding from the mean (``count_include_pad=False``) and a *max* pool in the last
E block. ``__call__`` maps ``[B, H, W, 3]`` images already scaled to ``[-1, 1]`` (and
normally resized to 299x299) to the 2048-d average-pooled "pool3" features, and, with
``include_logits=True``, also to the 1008 logits of the graph's ``fc`` layer (the 2015
TF-Inception classifier head: 1,000 ImageNet classes plus 8 unused ones) that the
Inception Score needs.

Module names follow the PyTorch state dict (``Mixed_5b.branch1x1.conv.weight``), so
:func:`variables_from_state_dict` converts a user-supplied weights file mechanically.
Nothing is downloaded: the user passes pytorch-fid's ``pt_inception-2015-12-05-*.pth``
(or an ``.npz`` of the same keys).

References:
    Szegedy et al. (2016), Rethinking the Inception Architecture for Computer Vision,
    arXiv:1512.00567.
    Heusel et al. (2017), GANs Trained by a Two Time-Scale Update Rule, arXiv:1706.08500.
    Seitzer (2020), pytorch-fid, https://github.com/mseitzer/pytorch-fid.
"""

from __future__ import annotations

from collections.abc import Mapping

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

FEATURE_SIZE = 2048
INPUT_SIZE = 299
NUM_LOGITS = 1008


class BasicConv(nn.Module):
    """Convolution without bias, BatchNorm (epsilon 1e-3, moving statistics), ReLU."""

    features: int
    kernel: tuple[int, int]
    strides: int = 1
    padding: tuple[int, int] = (0, 0)

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        x = nn.Conv(
            self.features,
            self.kernel,
            strides=(self.strides, self.strides),
            padding=[(p, p) for p in self.padding],
            use_bias=False,
            name="conv",
        )(x)
        x = nn.BatchNorm(use_running_average=True, epsilon=1e-3, name="bn")(x)
        return nn.relu(x)


def _avg_pool(x: jax.Array) -> jax.Array:
    """3x3, stride 1, padding 1, the mean over the unpadded pixels only."""
    return nn.avg_pool(x, (3, 3), padding=((1, 1), (1, 1)), count_include_pad=False)


def _max_pool(x: jax.Array, stride: int) -> jax.Array:
    padding = "VALID" if stride == 2 else ((1, 1), (1, 1))
    return nn.max_pool(x, (3, 3), strides=(stride, stride), padding=padding)


class InceptionA(nn.Module):
    pool_features: int

    @nn.compact
    def __call__(self, x):
        b1 = BasicConv(64, (1, 1), name="branch1x1")(x)
        b5 = BasicConv(48, (1, 1), name="branch5x5_1")(x)
        b5 = BasicConv(64, (5, 5), padding=(2, 2), name="branch5x5_2")(b5)
        b3 = BasicConv(64, (1, 1), name="branch3x3dbl_1")(x)
        b3 = BasicConv(96, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(b3)
        b3 = BasicConv(96, (3, 3), padding=(1, 1), name="branch3x3dbl_3")(b3)
        pool = BasicConv(self.pool_features, (1, 1), name="branch_pool")(_avg_pool(x))
        return jnp.concatenate([b1, b5, b3, pool], axis=-1)


class InceptionB(nn.Module):
    @nn.compact
    def __call__(self, x):
        b3 = BasicConv(384, (3, 3), strides=2, name="branch3x3")(x)
        bd = BasicConv(64, (1, 1), name="branch3x3dbl_1")(x)
        bd = BasicConv(96, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(bd)
        bd = BasicConv(96, (3, 3), strides=2, name="branch3x3dbl_3")(bd)
        return jnp.concatenate([b3, bd, _max_pool(x, 2)], axis=-1)


class InceptionC(nn.Module):
    channels_7x7: int

    @nn.compact
    def __call__(self, x):
        c7 = self.channels_7x7
        b1 = BasicConv(192, (1, 1), name="branch1x1")(x)
        b7 = BasicConv(c7, (1, 1), name="branch7x7_1")(x)
        b7 = BasicConv(c7, (1, 7), padding=(0, 3), name="branch7x7_2")(b7)
        b7 = BasicConv(192, (7, 1), padding=(3, 0), name="branch7x7_3")(b7)
        bd = BasicConv(c7, (1, 1), name="branch7x7dbl_1")(x)
        bd = BasicConv(c7, (7, 1), padding=(3, 0), name="branch7x7dbl_2")(bd)
        bd = BasicConv(c7, (1, 7), padding=(0, 3), name="branch7x7dbl_3")(bd)
        bd = BasicConv(c7, (7, 1), padding=(3, 0), name="branch7x7dbl_4")(bd)
        bd = BasicConv(192, (1, 7), padding=(0, 3), name="branch7x7dbl_5")(bd)
        pool = BasicConv(192, (1, 1), name="branch_pool")(_avg_pool(x))
        return jnp.concatenate([b1, b7, bd, pool], axis=-1)


class InceptionD(nn.Module):
    @nn.compact
    def __call__(self, x):
        b3 = BasicConv(192, (1, 1), name="branch3x3_1")(x)
        b3 = BasicConv(320, (3, 3), strides=2, name="branch3x3_2")(b3)
        b7 = BasicConv(192, (1, 1), name="branch7x7x3_1")(x)
        b7 = BasicConv(192, (1, 7), padding=(0, 3), name="branch7x7x3_2")(b7)
        b7 = BasicConv(192, (7, 1), padding=(3, 0), name="branch7x7x3_3")(b7)
        b7 = BasicConv(192, (3, 3), strides=2, name="branch7x7x3_4")(b7)
        return jnp.concatenate([b3, b7, _max_pool(x, 2)], axis=-1)


class InceptionE(nn.Module):
    """``max_pool``: the FID graph's last block pools with a max, the one before with a
    padding-excluding mean."""

    max_pool: bool

    @nn.compact
    def __call__(self, x):
        b1 = BasicConv(320, (1, 1), name="branch1x1")(x)
        b3 = BasicConv(384, (1, 1), name="branch3x3_1")(x)
        b3 = jnp.concatenate(
            [
                BasicConv(384, (1, 3), padding=(0, 1), name="branch3x3_2a")(b3),
                BasicConv(384, (3, 1), padding=(1, 0), name="branch3x3_2b")(b3),
            ],
            axis=-1,
        )
        bd = BasicConv(448, (1, 1), name="branch3x3dbl_1")(x)
        bd = BasicConv(384, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(bd)
        bd = jnp.concatenate(
            [
                BasicConv(384, (1, 3), padding=(0, 1), name="branch3x3dbl_3a")(bd),
                BasicConv(384, (3, 1), padding=(1, 0), name="branch3x3dbl_3b")(bd),
            ],
            axis=-1,
        )
        pooled = _max_pool(x, 1) if self.max_pool else _avg_pool(x)
        pool = BasicConv(192, (1, 1), name="branch_pool")(pooled)
        return jnp.concatenate([b1, b3, bd, pool], axis=-1)


class FIDInceptionV3(nn.Module):
    """``[B, H, W, 3]`` in ``[-1, 1]`` (H, W >= 75; 299 for FID) ``-> [B, 2048]`` pool3.

    With ``include_logits`` the output is ``(pool3 [B, 2048], logits [B, 1008])``, the
    logits being ``pool3 @ fc.kernel + fc.bias`` (torchvision's ``fc``; its dropout is the
    identity at inference).
    """

    include_logits: bool = False

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array | tuple[jax.Array, jax.Array]:
        x = BasicConv(32, (3, 3), strides=2, name="Conv2d_1a_3x3")(x)
        x = BasicConv(32, (3, 3), name="Conv2d_2a_3x3")(x)
        x = BasicConv(64, (3, 3), padding=(1, 1), name="Conv2d_2b_3x3")(x)
        x = _max_pool(x, 2)
        x = BasicConv(80, (1, 1), name="Conv2d_3b_1x1")(x)
        x = BasicConv(192, (3, 3), name="Conv2d_4a_3x3")(x)
        x = _max_pool(x, 2)
        x = InceptionA(32, name="Mixed_5b")(x)
        x = InceptionA(64, name="Mixed_5c")(x)
        x = InceptionA(64, name="Mixed_5d")(x)
        x = InceptionB(name="Mixed_6a")(x)
        x = InceptionC(128, name="Mixed_6b")(x)
        x = InceptionC(160, name="Mixed_6c")(x)
        x = InceptionC(160, name="Mixed_6d")(x)
        x = InceptionC(192, name="Mixed_6e")(x)
        x = InceptionD(name="Mixed_7a")(x)
        x = InceptionE(max_pool=False, name="Mixed_7b")(x)
        x = InceptionE(max_pool=True, name="Mixed_7c")(x)
        pool3 = jnp.mean(x, axis=(1, 2))
        if not self.include_logits:
            return pool3
        return pool3, nn.Dense(NUM_LOGITS, name="fc")(pool3)


_PARAMETER_NAMES = {"conv.weight": ("params", "kernel"), "bn.weight": ("params", "scale")}
_PARAMETER_NAMES |= {"bn.bias": ("params", "bias"), "bn.running_mean": ("batch_stats", "mean")}
_PARAMETER_NAMES |= {"bn.running_var": ("batch_stats", "var")}


def variables_from_state_dict(state_dict: Mapping[str, np.ndarray]) -> dict:
    """Convert a PyTorch FID-Inception state dict to :class:`FIDInceptionV3` variables.

    ``X.conv.weight [O, I, kh, kw]`` becomes ``params/X/conv/kernel [kh, kw, I, O]``;
    ``X.bn.{weight, bias}`` become ``params/X/bn/{scale, bias}``; ``X.bn.running_{mean,
    var}`` become ``batch_stats/X/bn/{mean, var}``; when the dict holds the logits layer,
    ``fc.weight [1008, 2048]`` and ``fc.bias [1008]`` become ``params/fc/{kernel [2048, 1008],
    bias}`` (use the variables with ``FIDInceptionV3(include_logits=True)``; without
    ``fc.*`` they serve pool3 features only). ``num_batches_tracked`` is skipped.

    Raises:
        ValueError: listing missing tensors or tensors whose shape does not fit.
    """
    model = FIDInceptionV3(include_logits="fc.weight" in state_dict or "fc.bias" in state_dict)
    expected = jax.eval_shape(model.init, jax.random.key(0), jnp.zeros((1, 75, 75, 3), jnp.float32))
    variables: dict = {"params": {}, "batch_stats": {}}
    problems = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(expected)[0]:
        collection, *modules, name = [entry.key for entry in path]
        if modules == ["fc"]:
            key = "fc.weight" if name == "kernel" else "fc.bias"
        else:
            suffix = next(k for k, v in _PARAMETER_NAMES.items() if v == (collection, name))
            key = ".".join([*modules[:-1], suffix])
        if key not in state_dict:
            problems.append(f"missing {key}")
            continue
        value = np.asarray(state_dict[key], np.float32)
        if name == "kernel":
            value = value.T if key == "fc.weight" else value.transpose(2, 3, 1, 0)
        if value.shape != leaf.shape:
            problems.append(f"{key} has shape {value.shape}, expected {leaf.shape}")
            continue
        node = variables[collection]
        for module in modules:
            node = node.setdefault(module, {})
        node[name] = value
    if problems:
        raise ValueError(
            f"the weights are not an FID InceptionV3 state dict ({len(problems)} problems, "
            f"first: {problems[:3]}); pass pytorch-fid's pt_inception-2015-12-05 weights"
        )
    return variables
