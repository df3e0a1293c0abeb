"""FID's InceptionV3 feature network from a user-supplied weights file (never downloaded).

:func:`inception_feature_network` loads pytorch-fid's ``pt_inception-2015-12-05-*.pth``
(needs ``torch`` to read it) or an ``.npz`` holding the same state-dict keys, and returns
an :class:`InceptionFeatures` whose ``features(images)`` follow pytorch-fid's protocol:
images in ``value_range`` are mapped to ``[0, 1]``, grey images repeated over 3 channels,
resized to 299x299 with bilinear interpolation (half-pixel centres, no antialiasing, as
``F.interpolate(..., mode="bilinear", align_corners=False)``), scaled to ``[-1, 1]``, and
mapped to the 2048-d pool3 features; their Fréchet distance is FID (Heusel et al.). Report
the number of samples and the reference set. When the file holds the ``fc`` layer (pytorch-fid's
does: ``fc.weight [1008, 2048]``, ``fc.bias``), ``logits(images)`` gives the 1008 class
logits for :func:`~gen_jax.eval.inception_score`; by default *without* the bias, as the
original Inception Score code (Salimans et al., ``softmax/logits/MatMul``) and
torch-fidelity's ``logits_unbiased`` compute them. Verification so far: the features equal a
``torch.nn.functional`` rewrite of pytorch-fid's graph (random weights, preprocessing
included, ``tests/eval/test_inception.py``); agreement with pytorch-fid on the real weights
file has not been measured here (the file cannot be downloaded on these machines).
"""

from __future__ import annotations

import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.eval.inception_v3 import (
    INPUT_SIZE,
    NUM_LOGITS,
    FIDInceptionV3,
    variables_from_state_dict,
)

NAME = "FID InceptionV3 (pt_inception-2015-12-05), pool3, 2048-d"


def _read_state_dict(path: Path) -> dict[str, np.ndarray]:
    if path.suffix == ".npz":
        with np.load(path) as archive:
            return {key: archive[key] for key in archive.files}
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"reading {path} needs torch; install it, or convert the file once with torch to "
            "an .npz of the same keys (np.savez(out, **{k: v.numpy() for k, v in sd.items()}))"
        ) from None
    state_dict = torch.load(path, map_location="cpu", weights_only=True)
    return {key: value.numpy() for key, value in state_dict.items()}


class InceptionFeatures:
    """pool3 features (and logits) of FID's InceptionV3; build with
    :func:`inception_feature_network`."""

    description = NAME

    def __init__(self, variables):
        self.variables = variables
        self.has_logits = "fc" in variables["params"]
        self._features = jax.jit(lambda v, x: FIDInceptionV3().apply(v, self._preprocess(x)))
        self._logits = jax.jit(
            lambda v, x: FIDInceptionV3(include_logits=True).apply(v, self._preprocess(x))[1]
        )
        self._both = jax.jit(
            lambda v, x: jnp.concatenate(
                FIDInceptionV3(include_logits=True).apply(v, self._preprocess(x)), axis=-1
            )
        )

    @staticmethod
    def _preprocess(images: jax.Array) -> jax.Array:
        if images.shape[-1] == 1:
            images = jnp.repeat(images, 3, axis=-1)
        shape = (images.shape[0], INPUT_SIZE, INPUT_SIZE, 3)
        images = jax.image.resize(images, shape, method="linear", antialias=False)
        return 2.0 * images - 1.0

    def features(
        self, images, *, value_range: tuple[float, float] = (0.0, 1.0), batch_size: int = 50
    ) -> np.ndarray:
        """``[N, H, W, C]`` images (C = 1 or 3) in ``value_range`` -> float32 ``[N, 2048]``."""
        return self._batched(self._features, images, value_range, batch_size)

    def logits(
        self,
        images,
        *,
        value_range: tuple[float, float] = (0.0, 1.0),
        batch_size: int = 50,
        include_bias: bool = False,
    ) -> np.ndarray:
        """``[N, H, W, C]`` images -> float32 ``[N, 1008]`` logits of the ``fc`` layer.

        ``include_bias=False`` (the default) drops ``fc.bias``, as the original Inception
        Score code does; ``True`` gives torchvision's full ``fc`` output.

        Raises:
            ValueError: if the weights file had no ``fc`` layer.
        """
        if not self.has_logits:
            raise ValueError(
                "these InceptionV3 weights have no fc layer (fc.weight, fc.bias), so no logits; "
                "load pytorch-fid's full pt_inception-2015-12-05 state dict"
            )
        logits = self._batched(self._logits, images, value_range, batch_size)
        if include_bias:
            return logits
        return logits - np.asarray(self.variables["params"]["fc"]["bias"], np.float32)

    def features_and_logits(
        self, images, *, value_range: tuple[float, float] = (0.0, 1.0), batch_size: int = 50
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(pool3 [N, 2048], logits [N, 1008] without bias)`` in one pass of the network;
        the logits are ``None`` when the weights have no ``fc`` layer."""
        if not self.has_logits:
            return self.features(images, value_range=value_range, batch_size=batch_size), None
        both = self._batched(self._both, images, value_range, batch_size)
        bias = np.asarray(self.variables["params"]["fc"]["bias"], np.float32)
        return both[:, :-NUM_LOGITS], both[:, -NUM_LOGITS:] - bias

    def _batched(self, fn, images, value_range, batch_size: int) -> np.ndarray:
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.shape[0] == 0:
            raise ValueError(
                f"images must be [N, H, W, C] with N >= 1 and C = 1 or 3, got {images.shape}"
            )
        if not np.isfinite(images).all():
            raise ValueError("images hold NaN or inf; check the generator's samples")
        low, high = value_range
        if not high > low:
            raise ValueError(f"value_range={value_range}: need low < high, e.g. (0.0, 1.0)")
        images = (images - low) / (high - low)
        return np.concatenate(
            [
                np.asarray(fn(self.variables, images[start : start + batch_size]))
                for start in range(0, images.shape[0], batch_size)
            ]
        )


def inception_feature_network(weights_path: str | os.PathLike) -> InceptionFeatures:
    """Load FID's InceptionV3 from ``weights_path`` (``.pth`` state dict or ``.npz``).

    Raises:
        FileNotFoundError: if the file does not exist (it is never downloaded: get
            pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth`` yourself).
        ValueError: if the file is not an FID InceptionV3 state dict.
    """
    path = Path(weights_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"weights_path={str(path)!r} does not exist; download pytorch-fid's "
            "pt_inception-2015-12-05-6726825d.pth on a machine with network access and pass "
            "its path (gen_jax never downloads weights)"
        )
    return InceptionFeatures(variables_from_state_dict(_read_state_dict(path)))
