"""FID's InceptionV3 feature network from a user-supplied weights file (never downloaded).

:func:`inception_feature_network` loads pytorch-fid's ``pt_inception-2015-12-05-*.pth``
(needs ``torch`` to read it) or an ``.npz`` holding the same state-dict keys, and returns
an :class:`InceptionFeatures` whose ``features(images)`` follow pytorch-fid's protocol:
images in ``value_range`` are mapped to ``[0, 1]``, grey images repeated over 3 channels,
resized to 299x299 with bilinear interpolation (half-pixel centres, no antialiasing, as
``F.interpolate(..., mode="bilinear", align_corners=False)``), scaled to ``[-1, 1]``, and
mapped to the 2048-d pool3 features; their Fréchet distance is FID (Heusel et al.). Report
the number of samples and the reference set. Verification so far: the features equal a
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

from gen_jax.models.inception import INPUT_SIZE, FIDInceptionV3, variables_from_state_dict


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
    """pool3 features of FID's InceptionV3; build with :func:`inception_feature_network`."""

    def __init__(self, variables):
        self.variables = variables
        self._features = jax.jit(self._apply)

    @staticmethod
    def _apply(variables, images: jax.Array) -> jax.Array:
        if images.shape[-1] == 1:
            images = jnp.repeat(images, 3, axis=-1)
        shape = (images.shape[0], INPUT_SIZE, INPUT_SIZE, 3)
        images = jax.image.resize(images, shape, method="linear", antialias=False)
        return FIDInceptionV3().apply(variables, 2.0 * images - 1.0)

    def features(
        self, images, *, value_range: tuple[float, float] = (0.0, 1.0), batch_size: int = 50
    ) -> np.ndarray:
        """``[N, H, W, C]`` images (C = 1 or 3) in ``value_range`` -> float32 ``[N, 2048]``."""
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
                np.asarray(self._features(self.variables, images[start : start + batch_size]))
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
