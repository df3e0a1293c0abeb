r"""Judging attacks: classifier verdicts, the distortion-success curve and its area.

An attack on an autoencoder succeeds on an example when a classifier, applied to the
*reconstruction* of the adversarial input, predicts the target's label
(:func:`classifier_success`). Sweeping the budget (the penalty weight :math:`\lambda`, or
the radius :math:`\epsilon`) gives points :math:`(D_l, S_l)`: the mean input distortion
:math:`D_l = \operatorname{mean}_b \|d_{l,b}\|_2` and the success rate :math:`S_l`
(:func:`distortion_success_curve`).

Area under the curve (:func:`area_under_success_curve`). The points are sorted by
distortion, the curve starts at :math:`(0, S_0)` (``success_at_zero``: the success rate of
the unperturbed references, usually 0), is linear between points and flat after the last
one, and is integrated with the trapezoidal rule over :math:`[0, D_{\max}]`, then divided
by :math:`D_{\max}`:

.. math::
    \mathrm{AUC} = \frac{1}{D_{\max}} \int_0^{D_{\max}} S(D)\,\mathrm{d}D \in [0, 1].

A natural :math:`D_{\max}` is the mean :math:`\|x_t - x_r\|_2`: the distortion of
replacing the reference by the target outright. An area of 1 means every attack succeeds
at no distortion; larger areas mean a more vulnerable model.

References:
    Gondim-Ribeiro, Tabacof & Valle (2018), Adversarial Attacks on Variational
    Autoencoders, arXiv:1806.04646 (areas under distortion curves as a summary).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.eval.feature_network import FeatureNetwork


def per_example(batched_fn: Callable) -> Callable:
    """``x [*event] -> batched_fn(x[None])`` with the batch axis of every output removed."""

    def single(x):
        return jax.tree.map(lambda output: output[0], batched_fn(x[None]))

    return single


def feature_network_classifier(network: FeatureNetwork) -> Callable:
    """A differentiable per-example ``x [H, W, C] -> logits [num_classes]`` of ``network``.

    Pixels must already be in ``[0, 1]``. Channels and size are adapted as in
    :class:`~gen_jax.eval.FeatureNetwork` (channel mean or repetition, antialiased
    bilinear resize to ``network.input_shape``), so 28x28 digits work with the bundled
    8x8 digits network.
    """
    height, width, channels = network.input_shape

    def logits(x):
        if x.ndim != 3:
            raise ValueError(f"the classifier takes one image [H, W, C], got shape {x.shape}")
        if x.shape[-1] != channels:
            x = jnp.mean(x, -1, keepdims=True) if channels == 1 else jnp.repeat(x, channels, -1)
        if x.shape[:2] != (height, width):
            x = jax.image.resize(x, (height, width, channels), method="linear", antialias=True)
        return network.model.apply(network.variables, x[None])[0]

    return logits


def classifier_success(classify: Callable, images, target_labels, *, event_ndim: int = 3):
    """Whether ``argmax classify(image) == target_label`` for each image.

    Args:
        classify: per-example ``x [*event] -> logits [num_classes]``.
        images: ``[*lead, *event]``, e.g. reconstructions of adversarial inputs ``[L, B, H,
            W, C]``.
        target_labels: integer labels broadcastable to ``lead`` (e.g. ``[B]``).
        event_ndim: number of trailing axes of one example (3 for ``[H, W, C]``).

    Returns:
        ``(success [*lead] bool, predicted [*lead] int)``.
    """
    images = jnp.asarray(images)
    lead = images.shape[: images.ndim - event_ndim]
    if images.ndim <= event_ndim:
        raise ValueError(
            f"images {images.shape} need a leading axis before {event_ndim} event axes"
        )
    flat = images.reshape(-1, *images.shape[images.ndim - event_ndim :])
    predicted = jnp.argmax(jax.vmap(classify)(flat), axis=-1).reshape(lead)
    return predicted == jnp.broadcast_to(jnp.asarray(target_labels), lead), predicted


def distortion_success_curve(distortions, successes) -> tuple[np.ndarray, np.ndarray]:
    """Per-budget points ``(mean distortion [L], success rate [L])`` from ``[L, B]`` arrays."""
    distortions = np.asarray(distortions, dtype=np.float64)
    successes = np.asarray(successes, dtype=np.float64)
    if distortions.ndim != 2 or distortions.shape != successes.shape:
        raise ValueError(
            f"distortions {distortions.shape} and successes {successes.shape} must both be [L, B]"
        )
    return distortions.mean(axis=1), successes.mean(axis=1)


def area_under_success_curve(
    distortions, success_rates, *, max_distortion: float, success_at_zero: float = 0.0
) -> float:
    """The normalised area under the distortion-success curve (module docstring).

    Args:
        distortions: ``[L]`` mean distortions of the budgets, ``>= 0``, in any order.
        success_rates: ``[L]`` success rates in ``[0, 1]``.
        max_distortion: ``D_max > 0``, the end of the integration range.
        success_at_zero: the success rate at zero distortion (the curve's first point).

    Returns:
        The area divided by ``max_distortion``, in ``[0, 1]``.
    """
    distortions = np.asarray(distortions, dtype=np.float64)
    success_rates = np.asarray(success_rates, dtype=np.float64)
    if distortions.ndim != 1 or distortions.shape != success_rates.shape or not distortions.size:
        raise ValueError(
            f"distortions {distortions.shape} and success_rates {success_rates.shape} must be "
            "1-D with the same non-zero length"
        )
    if not np.isfinite(distortions).all() or (distortions < 0).any():
        raise ValueError(f"distortions must be finite and >= 0, got {distortions.tolist()}")
    rates = np.append(success_rates, success_at_zero)
    if not np.isfinite(rates).all() or (rates < 0).any() or (rates > 1).any():
        raise ValueError(f"success rates must lie in [0, 1], got {rates.tolist()}")
    if not np.isfinite(max_distortion) or max_distortion <= 0:
        raise ValueError(f"max_distortion must be a finite number > 0, got {max_distortion!r}")
    order = np.argsort(distortions, kind="stable")
    xs = np.concatenate([[0.0], distortions[order]])
    ys = np.concatenate([[success_at_zero], success_rates[order]])
    end = np.interp(max_distortion, xs, ys)  # flat beyond the last point
    inside = xs < max_distortion
    xs = np.append(xs[inside], max_distortion)
    ys = np.append(ys[inside], end)
    area = np.sum(0.5 * (ys[1:] + ys[:-1]) * np.diff(xs))
    return float(area / max_distortion)
