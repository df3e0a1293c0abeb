"""Trained classifiers as feature extractors for the sample-quality metrics.

A :class:`FeatureNetwork` wraps one of the chapter-2 classifiers of
:mod:`gen_jax.models.classifiers` with its trained variables. It maps images to the
penultimate-layer features that :func:`~gen_jax.eval.frechet_distance`,
:func:`~gen_jax.eval.kernel_inception_distance` and the manifold metrics compare, and to the
logits that :func:`~gen_jax.eval.classifier_score` needs.

:func:`digits_feature_network` loads the small CNN that ships with the package (trained by
:mod:`gen_jax.eval.train_digits_features` on scikit-learn's 8x8 digits), so FID-style scores
of digit generators work offline, with nothing downloaded. Its scores are comparable only
with other scores from the same network and protocol: call them "digits Fréchet distance",
not FID.

Input convention: images ``[N, H, W, C]`` with pixels in ``value_range`` (``(0, 1)`` by
default). They are mapped to ``[0, 1]``, converted to the network's channel count (the mean
over channels for RGB into a grey network, repetition for grey into an RGB network), and
resized to the network's input size with antialiased bilinear interpolation (so 28x28 or
32x32 renderings of digits are compared at the 8x8 resolution the network saw).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import json
import os
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax import serialization

from gen_jax.models.classifiers import ConvClassifier, MLPClassifier

DIGITS_FEATURES_FILE = "digits_features.msgpack"
_ARCHITECTURES = {"ConvClassifier": ConvClassifier, "MLPClassifier": MLPClassifier}


class FeatureNetwork:
    """A trained classifier, used through ``features(images)`` and ``logits(images)``.

    Args:
        model: a :class:`~gen_jax.models.classifiers.ConvClassifier` or
            :class:`~gen_jax.models.classifiers.MLPClassifier`.
        variables: its trained Linen variables (``params`` and ``batch_stats``).
        input_shape: ``(H, W, C)`` of the images it was trained on.
        description: how it was trained (data, steps), for reports.
        test_accuracy: its held-out accuracy, when known.
    """

    def __init__(
        self,
        model: nn.Module,
        variables: Any,
        *,
        input_shape: tuple[int, int, int],
        description: str = "",
        test_accuracy: float | None = None,
    ):
        if type(model).__name__ not in _ARCHITECTURES:
            raise TypeError(
                f"model is a {type(model).__name__}; a FeatureNetwork wraps one of "
                f"{sorted(_ARCHITECTURES)}"
            )
        self.model = model
        self.variables = variables
        self.input_shape = tuple(int(size) for size in input_shape)
        self.description = description
        self.test_accuracy = test_accuracy
        self._features = jax.jit(functools.partial(self._apply, method="features"))
        self._logits = jax.jit(functools.partial(self._apply, method="__call__"))
        self._both = jax.jit(
            lambda variables, images: (
                self._apply(variables, images, method="features"),
                self._apply(variables, images, method="__call__"),
            )
        )

    def _apply(self, variables, images: jax.Array, *, method: str) -> jax.Array:
        height, width, channels = self.input_shape
        if images.shape[-1] != channels:
            images = (
                jnp.mean(images, axis=-1, keepdims=True)
                if channels == 1
                else jnp.repeat(images, channels, axis=-1)
            )
        if images.shape[1:3] != (height, width):
            shape = (images.shape[0], height, width, channels)
            images = jax.image.resize(images, shape, method="linear", antialias=True)
        return self.model.apply(variables, images, method=method)

    def _prepare(self, images, value_range) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.shape[0] == 0:
            raise ValueError(
                f"images must be [N, H, W, C] with N >= 1 and C = 1 or 3, got shape {images.shape}"
            )
        if not np.isfinite(images).all():
            raise ValueError("images hold NaN or inf; check the generator's samples")
        low, high = value_range
        if not high > low:
            raise ValueError(f"value_range={value_range}: need low < high, e.g. (0.0, 1.0)")
        return (images - low) / (high - low)

    def _batched(self, fn, images, value_range, batch_size: int) -> np.ndarray:
        images = self._prepare(images, value_range)
        outputs = [
            np.asarray(fn(self.variables, images[start : start + batch_size]))
            for start in range(0, images.shape[0], batch_size)
        ]
        return np.concatenate(outputs)

    def features(
        self, images, *, value_range: tuple[float, float] = (0.0, 1.0), batch_size: int = 500
    ) -> np.ndarray:
        """Penultimate-layer features ``[N, F]`` (float32) of ``images [N, H, W, C]``."""
        return self._batched(self._features, images, value_range, batch_size)

    def logits(
        self, images, *, value_range: tuple[float, float] = (0.0, 1.0), batch_size: int = 500
    ) -> np.ndarray:
        """Class logits ``[N, num_classes]`` (float32) of ``images [N, H, W, C]``."""
        return self._batched(self._logits, images, value_range, batch_size)

    def features_and_logits(
        self, images, *, value_range: tuple[float, float] = (0.0, 1.0), batch_size: int = 500
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(features [N, F], logits [N, num_classes])`` of ``images`` in one compiled call."""
        images = self._prepare(images, value_range)
        outputs = [
            self._both(self.variables, images[start : start + batch_size])
            for start in range(0, images.shape[0], batch_size)
        ]
        return tuple(np.concatenate([np.asarray(out[i]) for out in outputs]) for i in (0, 1))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the network (architecture, variables, metadata) to a msgpack file."""
        record = {
            "architecture": type(self.model).__name__,
            "config": json.dumps(
                {f.name: getattr(self.model, f.name) for f in _module_fields(self.model)}
            ),
            "input_shape": np.asarray(self.input_shape, np.int32),
            "description": self.description,
            "test_accuracy": float("nan") if self.test_accuracy is None else self.test_accuracy,
            "variables": serialization.to_state_dict(jax.device_get(self.variables)),
        }
        path = Path(path)
        path.write_bytes(serialization.msgpack_serialize(record))
        return path


def _module_fields(model: nn.Module) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(model) if f.name not in ("parent", "name")]


def load_feature_network(path: str | os.PathLike) -> FeatureNetwork:
    """Read a network written by :meth:`FeatureNetwork.save`.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file is not a saved feature network.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no feature network at {path}; write one with FeatureNetwork.save")
    record = serialization.msgpack_restore(path.read_bytes())
    if not isinstance(record, dict) or record.get("architecture") not in _ARCHITECTURES:
        raise ValueError(f"{path} is not a feature network written by FeatureNetwork.save")
    config = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in json.loads(record["config"]).items()
    }
    accuracy = float(record["test_accuracy"])
    return FeatureNetwork(
        _ARCHITECTURES[record["architecture"]](**config),
        record["variables"],
        input_shape=tuple(int(size) for size in record["input_shape"]),
        description=record["description"],
        test_accuracy=None if np.isnan(accuracy) else accuracy,
    )


def digits_feature_network_path() -> Path:
    """Where the bundled digits network lives inside the installed package."""
    return Path(str(importlib.resources.files("gen_jax.eval") / "data" / DIGITS_FEATURES_FILE))


@functools.cache
def digits_feature_network() -> FeatureNetwork:
    """The bundled digits CNN: 8x8x1 inputs in [0, 1], 64-d features, 10 classes.

    Trained by ``python -m gen_jax.eval.train_digits_features`` on the training split of
    :func:`gen_jax.data.load_digits` (``seed=0``, ``test_fraction=0.2``); its test accuracy
    is in ``.test_accuracy`` and its recipe in ``.description``.

    Raises:
        FileNotFoundError: if the package data is missing (an install without
            ``package_data``); rerun the training script to recreate it.
    """
    path = digits_feature_network_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"the bundled digits feature network {path} is missing; reinstall gen_jax with its "
            "package data or recreate it with `python -m gen_jax.eval.train_digits_features`"
        )
    return load_feature_network(path)
