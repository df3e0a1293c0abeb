r"""VGG19 convolutional features (``include_top=False``) and their weights from a user file.

:class:`VGG19Features` is the 16 3x3 convolutions and 5 max-pools of Simonyan & Zisserman's
network E, with Keras' layer names (``block1_conv1`` ... ``block5_conv4``, ``block1_pool``
... ``block5_pool``); each convolution is followed by ReLU and its output is the
activation under that name. With the standard widths (64, 128, 256, 512, 512) it has
20,024,384 parameters, the count of ``keras.applications.VGG19(include_top=False)``.

Nothing is downloaded (no pip package ships the ImageNet weights). :func:`load_vgg19`
reads a file the user gives:

- the Keras notop file ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` (needs
  ``h5py``), Caffe preprocessing (BGR, 0..255, ImageNet channel means subtracted);
- torchvision's ``vgg19-dcbb9e9d.pth`` state dict (needs ``torch``; only the ``features.*``
  convolutions are read), torchvision preprocessing (RGB in [0, 1] standardised by the
  ImageNet mean and standard deviation);
- a ``.npz`` with arrays ``"{layer}/kernel"`` ``[3, 3, C_in, C_out]`` and
  ``"{layer}/bias"`` (as :func:`save_vgg19_npz` writes; Caffe preprocessing unless the file
  holds ``preprocessing="torch"``).

Without a file it gives Keras-default random weights (Glorot-uniform kernels, zero biases)
and says so in :attr:`VGG19Weights.description`, so a report can state that its "style"
is measured by an untrained network.

References:
    Simonyan & Zisserman (2015), Very Deep Convolutional Networks for Large-Scale Image
    Recognition, arXiv:1409.1556.
    Gatys, Ecker & Bethge (2015), A Neural Algorithm of Artistic Style, arXiv:1508.06576.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

CONVS_PER_BLOCK = (2, 2, 4, 4, 4)
VGG19_WIDTHS = (64, 128, 256, 512, 512)
VGG19_LAYERS = tuple(
    name
    for block, convs in enumerate(CONVS_PER_BLOCK, start=1)
    for name in (
        *(f"block{block}_conv{index}" for index in range(1, convs + 1)),
        f"block{block}_pool",
    )
)
"""Keras' layer names in order, convolutions and pools."""
CONV_LAYERS = tuple(name for name in VGG19_LAYERS if "conv" in name)
CAFFE_BGR_MEANS = (103.939, 116.779, 123.68)
TORCH_RGB_MEANS = (0.485, 0.456, 0.406)
TORCH_RGB_STDS = (0.229, 0.224, 0.225)
PREPROCESSINGS = ("caffe", "torch")
# torchvision's vgg19().features indices of the 16 convolutions.
_TORCH_CONV_INDICES = (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34)


class VGG19Features(nn.Module):
    """``[B, H, W, 3]`` preprocessed images -> ``{layer name: activation}``.

    Attributes:
        widths: channels of the five blocks ((64, 128, 256, 512, 512); narrower for tests).
        last_layer: stop after this layer (``"block5_conv2"`` is all style transfer needs);
            the activations of every layer up to it are returned.
    """

    widths: Sequence[int] = VGG19_WIDTHS
    last_layer: str = "block5_pool"

    @nn.compact
    def __call__(self, x: jax.Array) -> dict[str, jax.Array]:
        if self.last_layer not in VGG19_LAYERS:
            raise ValueError(f"last_layer={self.last_layer!r}; choose one of {VGG19_LAYERS}")
        activations = {}
        for name in VGG19_LAYERS:
            block = int(name[5]) - 1
            if name.endswith("pool"):
                x = nn.max_pool(x, (2, 2), strides=(2, 2))
            else:
                x = nn.relu(
                    nn.Conv(
                        self.widths[block],
                        (3, 3),
                        padding="SAME",
                        kernel_init=nn.initializers.glorot_uniform(),
                        name=name,
                    )(x)
                )
            activations[name] = x
            if name == self.last_layer:
                break
        return activations


def preprocess(images: jax.Array, preprocessing: str) -> jax.Array:
    """RGB pixels in [0, 255] ``[..., 3]`` -> the network's input convention.

    ``"caffe"`` (Keras' ``vgg19.preprocess_input``): BGR order, the ImageNet means
    subtracted, no scaling. ``"torch"``: RGB in [0, 1] standardised per channel.
    """
    if preprocessing == "caffe":
        return images[..., ::-1] - jnp.asarray(CAFFE_BGR_MEANS, images.dtype)
    if preprocessing == "torch":
        mean, std = (jnp.asarray(v, images.dtype) for v in (TORCH_RGB_MEANS, TORCH_RGB_STDS))
        return (images / 255.0 - mean) / std
    raise ValueError(f"preprocessing={preprocessing!r}; choose one of {PREPROCESSINGS}")


def deprocess(inputs: jax.Array, preprocessing: str) -> jax.Array:
    """The inverse of :func:`preprocess`: RGB pixels in [0, 255], not clipped."""
    if preprocessing == "caffe":
        return (inputs + jnp.asarray(CAFFE_BGR_MEANS, inputs.dtype))[..., ::-1]
    if preprocessing == "torch":
        mean, std = (jnp.asarray(v, inputs.dtype) for v in (TORCH_RGB_MEANS, TORCH_RGB_STDS))
        return (inputs * std + mean) * 255.0
    raise ValueError(f"preprocessing={preprocessing!r}; choose one of {PREPROCESSINGS}")


@dataclasses.dataclass(frozen=True)
class VGG19Weights:
    """VGG19 variables with the preprocessing they expect and where they came from.

    Attributes:
        variables: Linen variables of :class:`VGG19Features` (``{"params": {layer: ...}}``).
        preprocessing: ``"caffe"`` or ``"torch"``, for :func:`preprocess`.
        description: the file read, or that the weights are random.
        pretrained: whether they came from a file.
    """

    variables: Any
    preprocessing: str
    description: str
    pretrained: bool


def _keras_h5_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        import h5py
    except ImportError as error:
        raise ImportError(
            f"reading the Keras weights file {path} needs h5py (pip install h5py); or convert "
            "it once to .npz with save_vgg19_npz"
        ) from error
    arrays = {}
    with h5py.File(path, "r") as file:
        root = file["model_weights"] if "model_weights" in file else file
        for layer in CONV_LAYERS:
            if layer not in root:
                raise ValueError(f"{path}: no layer {layer!r}; is this the VGG19 notop file?")
            group = root[layer]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            kernel, bias = (np.asarray(group[name]) for name in names)
            arrays[f"{layer}/kernel"], arrays[f"{layer}/bias"] = kernel, bias
    return arrays


def _torch_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError as error:
        raise ImportError(f"reading the torchvision file {path} needs torch") from error
    state = torch.load(path, map_location="cpu", weights_only=True)
    arrays = {}
    for layer, index in zip(CONV_LAYERS, _TORCH_CONV_INDICES, strict=True):
        weight = state.get(f"features.{index}.weight")
        if weight is None:
            raise ValueError(
                f"{path}: no 'features.{index}.weight'; is this torchvision's vgg19 state dict?"
            )
        # [C_out, C_in, kh, kw] -> [kh, kw, C_in, C_out]; both frameworks correlate.
        arrays[f"{layer}/kernel"] = weight.numpy().transpose(2, 3, 1, 0)
        arrays[f"{layer}/bias"] = state[f"features.{index}.bias"].numpy()
    return arrays


def _variables_from_arrays(
    arrays: dict[str, np.ndarray], widths: Sequence[int], path: Path
) -> dict[str, Any]:
    expected = jax.eval_shape(
        VGG19Features(widths).init, jax.random.key(0), jnp.zeros((1, 32, 32, 3))
    )["params"]
    params = {}
    for layer in CONV_LAYERS:
        params[layer] = {}
        for kind in ("kernel", "bias"):
            name = f"{layer}/{kind}"
            if name not in arrays:
                raise ValueError(f"{path}: no array {name!r}")
            value = np.asarray(arrays[name], np.float32)
            if value.shape != expected[layer][kind].shape:
                raise ValueError(
                    f"{path}: {name} has shape {value.shape}, VGG19Features(widths={widths}) "
                    f"needs {expected[layer][kind].shape}"
                )
            params[layer][kind] = jnp.asarray(value)
    return {"params": params}


def load_vgg19(
    path: str | os.PathLike | None = None,
    *,
    widths: Sequence[int] = VGG19_WIDTHS,
    key: jax.Array | None = None,
) -> VGG19Weights:
    """VGG19 variables from a Keras ``.h5``, torchvision ``.pth`` or ``.npz`` file, or random.

    Args:
        path: the weights file; ``None`` (or ``""``) for random weights.
        widths: the block widths the file (or the random network) has.
        key: seeds the random weights (``jax.random.key(0)`` by default); unused with a file.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file's suffix is unknown or an array is missing or misshapen.
    """
    if not path:
        key = jax.random.key(0) if key is None else key
        variables = VGG19Features(widths).init(key, jnp.zeros((1, 32, 32, 3)))
        return VGG19Weights(
            variables,
            "caffe",
            "random VGG19 weights (Glorot-uniform; no weights file given): the losses measure "
            "an untrained network's features, not ImageNet VGG19's",
            pretrained=False,
        )
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"VGG19 weights file {path} does not exist; give the Keras notop .h5, torchvision's "
            "vgg19 .pth, or an .npz from save_vgg19_npz (nothing is downloaded)"
        )
    preprocessing = "caffe"
    if path.suffix == ".h5":
        arrays = _keras_h5_arrays(path)
    elif path.suffix in (".pth", ".pt"):
        arrays, preprocessing = _torch_arrays(path), "torch"
    elif path.suffix == ".npz":
        with np.load(path) as file:
            arrays = {name: file[name] for name in file.files}
        preprocessing = str(arrays.pop("preprocessing", "caffe"))
    else:
        raise ValueError(f"VGG19 weights file {path}: suffix must be .h5, .pth/.pt or .npz")
    variables = _variables_from_arrays(arrays, widths, path)
    return VGG19Weights(variables, preprocessing, f"VGG19 weights from {path}", pretrained=True)


def save_vgg19_npz(path: str | os.PathLike, weights: VGG19Weights) -> Path:
    """Writes ``weights`` as the ``.npz`` that :func:`load_vgg19` reads (a one-time
    conversion of a Keras or torchvision file, so neither h5py nor torch is needed later)."""
    arrays = {
        f"{layer}/{kind}": np.asarray(value)
        for layer, kinds in weights.variables["params"].items()
        for kind, value in kinds.items()
    }
    path = Path(path)
    np.savez(path, preprocessing=np.asarray(weights.preprocessing), **arrays)
    return path
