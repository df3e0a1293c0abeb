r"""Autoencoder training: reconstruction plus denoising, sparsity and contractive terms.

The batch objective is

.. math::
    \mathcal L = \frac1B \sum_b \Big[\mathrm{rec}\big(x_b, g(f(\tilde x_b))\big)
        + \lambda_1 \lVert f(\tilde x_b)\rVert_1
        + \lambda_J \lVert J_f(\tilde x_b)\rVert_F^2\Big]
        + \lambda_\rho \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j),

where :math:`\tilde x` is the input after corruption (denoising autoencoder; :math:`\tilde
x = x` without it), :math:`\hat\rho_j` is the batch-mean activation of code unit
:math:`j`, and :math:`\mathrm{rec}` is the book's per-image mean squared error of the
sigmoid output (``"mse"``) or the Bernoulli negative log-likelihood of the logits
(``"bernoulli"``). The contractive term is computed exactly with one vector-Jacobian
product per code unit (cheap when the code is small); :func:`sigmoid_contractive_penalty`
is the closed form for a single sigmoid layer.

References:
    Vincent et al. (2008), Extracting and Composing Robust Features with Denoising
    Autoencoders, ICML.
    Ng (2011), Sparse Autoencoder, CS294A lecture notes.
    Rifai et al. (2011), Contractive Auto-Encoders, ICML.
    Foster (2019), Generative Deep Learning, ch. 3.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.step import Step
from gen_jax.losses import bernoulli_log_prob, mean_squared_error
from gen_jax.models.autoencoders.autoencoder import Autoencoder

RECONSTRUCTIONS = ("mse", "bernoulli")
CORRUPTIONS = ("none", "gaussian", "masking")


def corrupt(x: jax.Array, *, key: jax.Array, corruption: str, level: float) -> jax.Array:
    """The denoising autoencoder's corrupted input :math:`\\tilde x`, same shape as ``x``.

    Args:
        x: clean data, any shape.
        key: randomness for the corruption.
        corruption: ``"none"``; ``"gaussian"``: :math:`x + \\text{level}\\cdot\\epsilon`,
            :math:`\\epsilon \\sim \\mathcal N(0, 1)`; ``"masking"``: each element set to 0
            independently with probability ``level``.
        level: the noise standard deviation, or the masking probability in [0, 1].
    """
    if corruption not in CORRUPTIONS:
        raise ValueError(f"corruption={corruption!r}; choose one of {CORRUPTIONS}")
    if corruption == "none":
        return x
    if corruption == "gaussian":
        return x + level * jax.random.normal(key, x.shape, x.dtype)
    keep = jax.random.bernoulli(key, 1.0 - level, x.shape)
    return jnp.where(keep, x, jnp.zeros_like(x))


def kl_sparsity_penalty(codes: jax.Array, target: float) -> jax.Array:
    r"""Sparse autoencoder penalty :math:`\sum_j \mathrm{KL}(\rho\,\|\,\hat\rho_j)`, a scalar.

    .. math::
        \mathrm{KL}(\rho\,\|\,\hat\rho_j) = \rho\log\frac{\rho}{\hat\rho_j}
            + (1-\rho)\log\frac{1-\rho}{1-\hat\rho_j},
        \qquad \hat\rho_j = \frac1B\sum_b h_{bj}

    Args:
        codes: activations ``[B, d]`` in (0, 1) (a sigmoid code layer).
        target: the desired mean activation :math:`\rho \in (0, 1)`.
    """
    mean_activation = jnp.clip(jnp.mean(codes, axis=0), 1e-6, 1.0 - 1e-6)
    return jnp.sum(
        target * jnp.log(target / mean_activation)
        + (1.0 - target) * jnp.log((1.0 - target) / (1.0 - mean_activation))
    )


def contractive_penalty(encode: Callable[[jax.Array], jax.Array], x: jax.Array) -> jax.Array:
    r"""Squared Frobenius norm :math:`\lVert \partial f(x) / \partial x\rVert_F^2` per example.

    Computed as the sum of squares of the Jacobian's rows, one vector-Jacobian product per
    code unit (``vmap`` over the standard basis of the code space), so the cost is ``d``
    backward passes, not one per input dimension.

    Args:
        encode: ``f``, mapping one example ``[...]`` to its code ``[d]``.
        x: examples ``[B, ...]``.

    Returns:
        ``[B]``.
    """

    def one(example):
        code, pullback = jax.vjp(encode, example)
        (rows,) = jax.vmap(pullback)(jnp.eye(code.shape[-1], dtype=code.dtype))
        return jnp.sum(jnp.square(rows))

    return jax.vmap(one)(x)


def sigmoid_contractive_penalty(codes: jax.Array, kernel: jax.Array) -> jax.Array:
    r"""Closed-form contractive penalty of one sigmoid layer :math:`h = \sigma(W^\top x + b)`.

    .. math::
        \lVert J(x)\rVert_F^2 = \sum_j \big(h_j(1-h_j)\big)^2 \sum_i W_{ij}^2

    Args:
        codes: :math:`h`, ``[B, d]``.
        kernel: :math:`W`, ``[D, d]`` (a Flax Dense kernel).

    Returns:
        ``[B]``.
    """
    if codes.shape[-1] != kernel.shape[-1]:
        raise ValueError(
            f"codes have {codes.shape[-1]} units but kernel has {kernel.shape[-1]} columns; "
            "pass the kernel of the layer that produced the codes"
        )
    return jnp.square(codes * (1.0 - codes)) @ jnp.sum(jnp.square(kernel), axis=0)


def reconstruction_error(decoder_output: jax.Array, x: jax.Array, *, reconstruction: str):
    """Per-example reconstruction loss ``[B]`` of logits ``decoder_output`` against ``x``."""
    if reconstruction not in RECONSTRUCTIONS:
        raise ValueError(f"reconstruction={reconstruction!r}; choose one of {RECONSTRUCTIONS}")
    event_ndims = x.ndim - 1
    if reconstruction == "bernoulli":
        return -bernoulli_log_prob(decoder_output, x, event_ndims=event_ndims)
    return mean_squared_error(jax.nn.sigmoid(decoder_output), x, event_ndims=event_ndims)


def autoencoder_objective(
    params,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: Autoencoder,
    reconstruction: str = "mse",
    corruption: str = "none",
    corruption_level: float = 0.0,
    l1_weight: float = 0.0,
    sparsity_weight: float = 0.0,
    sparsity_target: float = 0.05,
    contractive_weight: float = 0.0,
    data_key: str = "image",
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """The batch loss of the module docstring and its parts; differentiable in ``params``.

    Args:
        params: the autoencoder's parameters.
        batch: a dict whose ``data_key`` entry is ``x [B, ...]``.
        key: randomness for the corruption.
        model: the :class:`~gen_jax.models.autoencoders.autoencoder.Autoencoder`.
        reconstruction: ``"mse"`` or ``"bernoulli"``.
        corruption, corruption_level: see :func:`corrupt`.
        l1_weight: :math:`\\lambda_1`, weight of the L1 norm of the codes.
        sparsity_weight: :math:`\\lambda_\\rho`, weight of :func:`kl_sparsity_penalty`.
        sparsity_target: :math:`\\rho`.
        contractive_weight: :math:`\\lambda_J`, weight of :func:`contractive_penalty`.
        data_key: which entry of ``batch`` holds the data.

    Returns:
        ``(loss, metrics)``: ``loss``, ``reconstruction`` and each active penalty
        (``l1``, ``kl_sparsity``, ``contractive``), all batch means.
    """
    x = batch[data_key]
    noisy = corrupt(x, key=key, corruption=corruption, level=corruption_level)
    decoder_output, codes = model.apply({"params": params}, noisy)
    rec = jnp.mean(reconstruction_error(decoder_output, x, reconstruction=reconstruction))
    loss, metrics = rec, {"reconstruction": rec}
    if l1_weight:
        metrics["l1"] = jnp.mean(jnp.sum(jnp.abs(codes), axis=-1))
        loss = loss + l1_weight * metrics["l1"]
    if sparsity_weight:
        metrics["kl_sparsity"] = kl_sparsity_penalty(codes, sparsity_target)
        loss = loss + sparsity_weight * metrics["kl_sparsity"]
    if contractive_weight:

        def encode(example):
            return model.apply({"params": params}, example[None], method=Autoencoder.encode)[0]

        metrics["contractive"] = jnp.mean(contractive_penalty(encode, noisy))
        loss = loss + contractive_weight * metrics["contractive"]
    metrics["loss"] = loss
    return loss, metrics


def make_autoencoder_step(
    model: Autoencoder,
    optimizer: optax.GradientTransformation,
    *,
    reconstruction: str = "mse",
    corruption: str = "none",
    corruption_level: float = 0.0,
    l1_weight: float = 0.0,
    sparsity_weight: float = 0.0,
    sparsity_target: float = 0.05,
    contractive_weight: float = 0.0,
    data_key: str = "image",
) -> Step:
    """A Step training ``model`` on :func:`autoencoder_objective` (same keywords).

    Plain (book's) autoencoder by default; ``corruption`` makes it denoising,
    ``l1_weight``/``sparsity_weight`` sparse, ``contractive_weight`` contractive. The state
    is a ``TrainState`` (:func:`~gen_jax.algorithms.gradient.make_gradient_step`); metrics
    are the objective's plus ``grad_norm``.
    """
    if reconstruction not in RECONSTRUCTIONS:
        raise ValueError(f"reconstruction={reconstruction!r}; choose one of {RECONSTRUCTIONS}")
    if corruption not in CORRUPTIONS:
        raise ValueError(f"corruption={corruption!r}; choose one of {CORRUPTIONS}")
    if corruption == "masking" and not 0.0 <= corruption_level <= 1.0:
        raise ValueError(f"corruption_level={corruption_level} is a masking probability in [0, 1]")
    if min(corruption_level, l1_weight, sparsity_weight, contractive_weight) < 0:
        raise ValueError(
            "corruption_level, l1_weight, sparsity_weight and contractive_weight must be >= 0"
        )
    if not 0.0 < sparsity_target < 1.0:
        raise ValueError(f"sparsity_target={sparsity_target}; give a mean activation in (0, 1)")

    def init(key: jax.Array, batch: dict[str, jax.Array]):
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_autoencoder_step(data_key=...) expects "
                f"{data_key!r}"
            )
        x = batch[data_key]
        params = model.init(key, x)["params"]
        output, _ = jax.eval_shape(lambda p: model.apply({"params": p}, x), params)
        if output.shape != x.shape:
            raise ValueError(
                f"the decoder produces {output.shape[1:]} but the data are {x.shape[1:]}; "
                "match the decoder's output shape to the data (image size, channels, strides)"
            )
        return params

    objective = functools.partial(
        autoencoder_objective,
        model=model,
        reconstruction=reconstruction,
        corruption=corruption,
        corruption_level=corruption_level,
        l1_weight=l1_weight,
        sparsity_weight=sparsity_weight,
        sparsity_target=sparsity_target,
        contractive_weight=contractive_weight,
        data_key=data_key,
    )
    return make_gradient_step(objective, init, optimizer)
