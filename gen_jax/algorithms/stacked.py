r"""Stacked autoencoders by greedy layer-wise pretraining.

A stack of Dense layers :math:`h_k = a(W_k^\top h_{k-1} + b_k)`, :math:`h_0 = x`, is
trained one layer at a time: layer :math:`k` gets a temporary decoder
:math:`\hat h_{k-1} = \sigma(V_k^\top h_k + c_k)` and minimises the mean squared error
:math:`\lVert \hat h_{k-1} - h_{k-1}\rVert^2` (optionally from a corrupted
:math:`\tilde h_{k-1}`: the stacked *denoising* autoencoder) while layers
:math:`1..k-1` stay frozen. The temporary decoder is thrown away afterwards; the encoder
layers initialise a deep network or give features.

:func:`make_layerwise_step` is the Step for one layer: its ``TrainState.params`` holds
``{"frozen": (layer_1, ..., layer_{k-1}), "layer": ..., "decoder": ...}`` and the optimiser
only sees ``layer`` and ``decoder`` (``frozen_keys`` of
:func:`~gen_jax.algorithms.gradient.make_gradient_step`), so the frozen layers are carried
through unchanged.
:func:`greedy_layerwise_pretrain` runs it for every layer with :func:`gen_jax.core.loop.fit`.

Fine-tuning then trains the whole unrolled stack end to end (Hinton & Salakhutdinov,
2006): the encoder layers followed by the kept temporary decoders in reverse order,
:math:`\hat x = \sigma(V_1^\top \cdots \sigma(V_L^\top h_L + c_L) \cdots + c_1)`, on the
mean squared error :math:`\lVert \hat x - x\rVert^2` of the input itself
(:func:`make_stack_fine_tune_step`, :func:`fine_tune_stack`).

References:
    Bengio, Lamblin, Popovici & Larochelle (2007), Greedy Layer-Wise Training of Deep
    Networks, NeurIPS.
    Vincent et al. (2010), Stacked Denoising Autoencoders, JMLR 11.
    Hinton & Salakhutdinov (2006), Reducing the Dimensionality of Data with Neural
    Networks, Science 313.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.algorithms.autoencoding import CORRUPTIONS, corrupt
from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.loop import fit
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.losses import mean_squared_error
from gen_jax.models.autoencoders.autoencoder import ACTIVATIONS


def _dense(params, h: jax.Array) -> jax.Array:
    return nn.Dense(params["kernel"].shape[-1]).apply({"params": params}, h)


def stacked_encode(layers: Sequence, x: jax.Array, *, activation: str = "sigmoid") -> jax.Array:
    """Apply pretrained layers: ``x [B, ...] -> h [B, width of the last layer]``.

    Args:
        layers: Dense parameter dicts ``{"kernel": [D_in, D_out], "bias": [D_out]}``.
        x: examples, flattened to ``[B, D]``.
        activation: the layers' activation, a key of ``ACTIVATIONS``.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r}; choose one of {sorted(ACTIVATIONS)}")
    h = x.reshape(x.shape[0], -1)
    for params in layers:
        h = ACTIVATIONS[activation](_dense(params, h))
    return h


def make_layerwise_step(
    width: int,
    optimizer: optax.GradientTransformation,
    *,
    frozen: Sequence = (),
    activation: str = "sigmoid",
    corruption: str = "none",
    corruption_level: float = 0.0,
    data_key: str = "x",
) -> Step:
    """The Step that pretrains one new layer of ``width`` units on top of ``frozen`` layers.

    Args:
        width: units of the layer being trained.
        optimizer: updates the new layer and its temporary decoder only.
        frozen: the already trained layers (Dense parameter dicts), bottom first; they are
            copied into the state at ``init`` and never change.
        activation: the encoder activation (``"sigmoid"`` keeps the next layer's target in
            (0, 1), which the temporary decoder's sigmoid output can match).
        corruption, corruption_level: input corruption of the layer's input (see
            :func:`gen_jax.algorithms.autoencoding.corrupt`).
        data_key: which batch entry holds ``x [B, ...]`` (values in [0, 1]).

    Returns:
        A Step with metrics ``loss`` (per-example mean squared error) and ``grad_norm``.
    """
    if width < 1:
        raise ValueError(f"width={width}; a layer needs at least one unit")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r}; choose one of {sorted(ACTIVATIONS)}")
    if corruption not in CORRUPTIONS:
        raise ValueError(f"corruption={corruption!r}; choose one of {CORRUPTIONS}")
    frozen = tuple(frozen)

    def objective(params, batch, key):
        target = stacked_encode(params["frozen"], batch[data_key], activation=activation)
        noisy = corrupt(target, key=key, corruption=corruption, level=corruption_level)
        code = ACTIVATIONS[activation](_dense(params["layer"], noisy))
        reconstruction = jax.nn.sigmoid(_dense(params["decoder"], code))
        loss = jnp.mean(mean_squared_error(reconstruction, target))
        return loss, {"loss": loss}

    def init(key: jax.Array, batch):
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_layerwise_step(data_key=...) expects "
                f"{data_key!r}"
            )
        below = stacked_encode(frozen, jnp.asarray(batch[data_key]), activation=activation)
        keys = split_named(key, "layer", "decoder")
        layer = nn.Dense(width).init(keys["layer"], below)["params"]
        decoder = nn.Dense(below.shape[-1]).init(keys["decoder"], jnp.zeros((1, width)))
        return {
            "frozen": jax.tree.map(jnp.asarray, frozen),
            "layer": layer,
            "decoder": decoder["params"],
        }

    return make_gradient_step(objective, init, optimizer, frozen_keys=("frozen",))


def greedy_layerwise_pretrain(
    x: np.ndarray,
    widths: Sequence[int],
    optimizer: optax.GradientTransformation,
    *,
    num_steps: int,
    batch_size: int,
    seed: int = 0,
    activation: str = "sigmoid",
    corruption: str = "none",
    corruption_level: float = 0.0,
    return_decoders: bool = False,
) -> list | tuple[list, list]:
    """Pretrain a stack of ``len(widths)`` layers greedily on data ``x [N, ...]``.

    Layer ``k`` is trained for ``num_steps`` updates by :func:`make_layerwise_step` on top
    of layers ``1..k-1``, which stay frozen.

    Args:
        x: training data ``[N, ...]`` in [0, 1], flattened per example.
        widths: units of each layer, bottom first, e.g. ``(256, 64)``.
        optimizer: used afresh for every layer.
        num_steps: updates per layer.
        batch_size: global batch size (divisible by the number of devices).
        seed: seed of the data order and initialisation (layer ``k`` uses ``seed + k``).
        activation, corruption, corruption_level: as in :func:`make_layerwise_step`.
        return_decoders: also return each layer's temporary decoder (for
            :func:`stacked_reconstruct` and :func:`fine_tune_stack`).

    Returns:
        The encoder layers, bottom first, as host Dense parameter dicts for
        :func:`stacked_encode`; with ``return_decoders``, ``(encoder, decoders)`` where
        ``decoders[k]`` maps layer ``k``'s code back to its input.
    """
    x = np.asarray(x, np.float32)
    if x.ndim < 2 or len(x) < batch_size:
        raise ValueError(
            f"x has shape {x.shape}; give at least batch_size={batch_size} examples [N, ...]"
        )
    if not widths:
        raise ValueError("widths is empty; give the width of each layer, e.g. (256, 64)")
    source = ArraySource({"x": x.reshape(len(x), -1)})
    layers: list = []
    decoders: list = []
    for index, width in enumerate(widths):
        step = make_layerwise_step(
            width,
            optimizer,
            frozen=layers,
            activation=activation,
            corruption=corruption,
            corruption_level=corruption_level,
        )
        data = BatchIterator(source, batch_size, seed=seed + index)
        result = fit(
            step,
            data,
            num_steps=num_steps,
            seed=seed + index,
            log_every=num_steps,
            progress=False,
            description=f"layer {index + 1}",
        )
        layers.append(jax.device_get(result.state.params["layer"]))
        decoders.append(jax.device_get(result.state.params["decoder"]))
    return (layers, decoders) if return_decoders else layers


def stacked_reconstruct(
    encoder: Sequence, decoders: Sequence, x: jax.Array, *, activation: str = "sigmoid"
) -> jax.Array:
    """The unrolled stack: encode through every layer, decode through the decoders in
    reverse order (each with a sigmoid output). ``x [B, ...] -> x_hat [B, D]``, flattened.

    Args:
        encoder: Dense parameter dicts, bottom first.
        decoders: one Dense parameter dict per encoder layer; ``decoders[k]`` maps the
            width of ``encoder[k]`` back to that layer's input width.
        x: examples in [0, 1].
        activation: the encoder layers' activation.
    """
    if len(encoder) != len(decoders) or not encoder:
        raise ValueError(
            f"encoder has {len(encoder)} layers and decoders {len(decoders)}; give one "
            "decoder per encoder layer (greedy_layerwise_pretrain(..., return_decoders=True))"
        )
    h = stacked_encode(encoder, x, activation=activation)
    for params in reversed(decoders):
        h = jax.nn.sigmoid(_dense(params, h))
    return h


def make_stack_fine_tune_step(
    optimizer: optax.GradientTransformation,
    *,
    encoder: Sequence,
    decoders: Sequence,
    activation: str = "sigmoid",
    data_key: str = "x",
) -> Step:
    """The Step that fine-tunes a pretrained stack end to end on its reconstruction error.

    Args:
        optimizer: updates every encoder and decoder layer.
        encoder, decoders: the pretrained layers (see :func:`stacked_reconstruct`); copied
            into ``TrainState.params = {"encoder": (...), "decoders": (...)}`` at ``init``.
        activation: the encoder layers' activation.
        data_key: which batch entry holds ``x [B, ...]`` (values in [0, 1]).

    Returns:
        A Step with metrics ``loss`` (per-example mean squared error) and ``grad_norm``.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r}; choose one of {sorted(ACTIVATIONS)}")
    pretrained = {"encoder": tuple(encoder), "decoders": tuple(decoders)}

    def objective(params, batch, key):
        del key  # deterministic
        x = batch[data_key]
        x_hat = stacked_reconstruct(params["encoder"], params["decoders"], x, activation=activation)
        loss = jnp.mean(mean_squared_error(x_hat, x.reshape(x.shape[0], -1)))
        return loss, {"loss": loss}

    def init(key: jax.Array, batch):
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_stack_fine_tune_step(data_key=...) "
                f"expects {data_key!r}"
            )
        jax.eval_shape(objective, pretrained, batch, key)  # the layers must fit the data
        return jax.tree.map(jnp.asarray, pretrained)  # the pretrained layers are the start

    return make_gradient_step(objective, init, optimizer)


def fine_tune_stack(
    x: np.ndarray,
    encoder: Sequence,
    decoders: Sequence,
    optimizer: optax.GradientTransformation,
    *,
    num_steps: int,
    batch_size: int,
    seed: int = 0,
    activation: str = "sigmoid",
) -> tuple[list, list]:
    """Fine-tune a greedily pretrained stack end to end on data ``x [N, ...]`` in [0, 1].

    Returns:
        ``(encoder, decoders)`` after ``num_steps`` updates of
        :func:`make_stack_fine_tune_step`, as host Dense parameter dicts.
    """
    x = np.asarray(x, np.float32)
    if x.ndim < 2 or len(x) < batch_size:
        raise ValueError(
            f"x has shape {x.shape}; give at least batch_size={batch_size} examples [N, ...]"
        )
    step = make_stack_fine_tune_step(
        optimizer, encoder=encoder, decoders=decoders, activation=activation
    )
    data = BatchIterator(ArraySource({"x": x.reshape(len(x), -1)}), batch_size, seed=seed)
    result = fit(
        step, data, num_steps=num_steps, seed=seed, log_every=num_steps, progress=False,
        description="fine-tune",
    )  # fmt: skip
    params = jax.device_get(result.state.params)
    return list(params["encoder"]), list(params["decoders"])
