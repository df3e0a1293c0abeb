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
only sees ``layer`` and ``decoder``, so the frozen layers are carried through unchanged.
:func:`greedy_layerwise_pretrain` runs it for every layer with :func:`gen_jax.core.loop.fit`.

References:
    Bengio, Lamblin, Popovici & Larochelle (2007), Greedy Layer-Wise Training of Deep
    Networks, NeurIPS.
    Vincent et al. (2010), Stacked Denoising Autoencoders, JMLR 11.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.algorithms.autoencoding import CORRUPTIONS, corrupt
from gen_jax.core.loop import fit
from gen_jax.core.optim import apply_optimizer
from gen_jax.core.rng import split_named
from gen_jax.core.state import TrainState, zero_step
from gen_jax.core.step import Step
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.losses import mean_squared_error
from gen_jax.models.autoencoder import ACTIVATIONS


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

    def objective(trainable, frozen_params, batch, key):
        target = jax.lax.stop_gradient(
            stacked_encode(frozen_params, batch[data_key], activation=activation)
        )
        noisy = corrupt(target, key=key, corruption=corruption, level=corruption_level)
        code = ACTIVATIONS[activation](_dense(trainable["layer"], noisy))
        reconstruction = jax.nn.sigmoid(_dense(trainable["decoder"], code))
        loss = jnp.mean(mean_squared_error(reconstruction, target))
        return loss, {"loss": loss}

    def init(key: jax.Array, batch) -> TrainState:
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_layerwise_step(data_key=...) expects "
                f"{data_key!r}"
            )
        below = stacked_encode(frozen, jnp.asarray(batch[data_key]), activation=activation)
        keys = split_named(key, "layer", "decoder")
        layer = nn.Dense(width).init(keys["layer"], below)["params"]
        decoder = nn.Dense(below.shape[-1]).init(keys["decoder"], jnp.zeros((1, width)))
        trainable = {"layer": layer, "decoder": decoder["params"]}
        params = {"frozen": jax.tree.map(jnp.asarray, frozen), **trainable}
        return TrainState(step=zero_step(), params=params, opt_state=optimizer.init(trainable))

    def update(state: TrainState, batch, key: jax.Array):
        trainable = {"layer": state.params["layer"], "decoder": state.params["decoder"]}
        grads, metrics = jax.grad(objective, has_aux=True)(
            trainable, state.params["frozen"], batch, key
        )
        trainable, opt_state = apply_optimizer(optimizer, grads, state.opt_state, trainable)
        metrics["grad_norm"] = optax.tree.norm(grads)
        params = {"frozen": state.params["frozen"], **trainable}
        return state.replace(step=state.step + 1, params=params, opt_state=opt_state), metrics

    return Step(init=init, update=update)


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
) -> list:
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

    Returns:
        The encoder layers, bottom first, as host Dense parameter dicts for
        :func:`stacked_encode`.
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
    return layers
