r"""Supervised training of classifiers: cross-entropy objective and its Step.

The objective is the batch mean of the categorical cross-entropy of integer labels,

.. math::
    \mathcal L = -\frac1B \sum_{b} \log \operatorname{softmax}(f_\theta(x_b))_{y_b},

the book's ``categorical_crossentropy`` on one-hot labels (Foster, 2019, ch. 2). Networks
with BatchNorm keep their moving statistics in the state (``batch_stats``), updated by every
training step from the global batch; Dropout draws from the step key.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 2.
"""

from __future__ import annotations

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step

PyTree = Any


def classifier_objective(
    params: PyTree,
    batch_stats: PyTree,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: nn.Module,
    data_key: str = "image",
    label_key: str = "label",
) -> tuple[jax.Array, tuple[dict[str, jax.Array], PyTree]]:
    """Batch-mean cross-entropy in training mode; differentiable in ``params``.

    Args:
        params: the network's parameters.
        batch_stats: its BatchNorm statistics (``{}`` for none).
        batch: ``{data_key: x [B, ...], label_key: int labels [B]}``.
        key: the Dropout key.
        model: a module called as ``model(x, train=True) -> logits [B, num_classes]``.
        data_key: which entry of ``batch`` holds the inputs.
        label_key: which entry holds the integer labels.

    Returns:
        ``(loss, (metrics, new_batch_stats))`` with metrics ``loss`` and ``accuracy``
        (batch means, in training mode).
    """
    logits, updates = model.apply(
        {"params": params, "batch_stats": batch_stats},
        batch[data_key],
        train=True,
        rngs={"dropout": key},
        mutable=["batch_stats"],
    )
    labels = batch[label_key]
    loss = jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))
    accuracy = jnp.mean((jnp.argmax(logits, axis=-1) == labels).astype(jnp.float32))
    return loss, ({"loss": loss, "accuracy": accuracy}, updates.get("batch_stats", {}))


def make_classifier_step(
    model: nn.Module,
    optimizer: optax.GradientTransformation,
    *,
    data_key: str = "image",
    label_key: str = "label",
) -> Step:
    """A Step that trains ``model`` on :func:`classifier_objective`.

    Args:
        model: e.g. :class:`~gen_jax.models.classifiers.ConvClassifier`; called as
            ``model(x, train=...)`` and returning logits.
        optimizer: e.g. the book's ``optax.adam(5e-4, eps=1e-7)``.
        data_key: which batch entry holds the inputs ``[B, ...]``.
        label_key: which batch entry holds the integer labels ``[B]`` in
            ``0..num_classes-1``.

    Returns:
        A Step of :func:`~gen_jax.algorithms.gradient.make_gradient_step` with
        ``batch_stats=True`` (state: :class:`~gen_jax.core.state.SupervisedState`);
        metrics ``loss``, ``accuracy`` and ``grad_norm``.
    """

    def init(key: jax.Array, batch: dict[str, jax.Array]) -> PyTree:
        missing = [name for name in (data_key, label_key) if name not in batch]
        if missing:
            raise KeyError(
                f"batch has keys {sorted(batch)} but make_classifier_step expects "
                f"{missing}; set data_key=/label_key= to the batch's names"
            )
        if not jnp.issubdtype(batch[label_key].dtype, jnp.integer):
            raise TypeError(
                f"batch[{label_key!r}] has dtype {batch[label_key].dtype}; labels must be "
                "integer class indices (not one-hot)"
            )
        return model.init(split_named(key, "params", "dropout"), batch[data_key], train=False)

    objective = functools.partial(
        classifier_objective, model=model, data_key=data_key, label_key=label_key
    )
    return make_gradient_step(objective, init, optimizer, batch_stats=True)
