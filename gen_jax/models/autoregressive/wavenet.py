r"""WaveNet: causal dilated convolutions over quantised 1-D sequences, with fast generation.

A sequence of levels :math:`x_t \in \{0..L-1\}` (mu-law quantised audio or any 1-D signal,
see ``gen_jax.data.signals``) is modelled autoregressively with optional conditioning
:math:`h`, global (one vector per sequence) or local (one per time step):

.. math::
    p(x \mid h) = \prod_{t=1}^T p(x_t \mid x_{<t}, h).

The one-hot inputs are shifted right by one step, then a causal convolution and a stack of
residual layers with dilations :math:`d_1, d_2, \dots` (typically 1, 2, 4, ..., 512,
repeated), each a gated unit on a dilated causal convolution,

.. math::
    z = \tanh(W_{f} *_d x + V_f h) \odot \sigma(W_{g} *_d x + V_g h),

whose 1x1 projections feed the residual stream and the skip sum; ReLU, 1x1, ReLU, 1x1 map
the skips to the softmax logits over :math:`L` levels. A causal convolution with kernel
:math:`k` and dilation :math:`d` is a left padding by :math:`(k-1)d` then a dilated
convolution.

Fast generation (Paine et al., 2016) keeps, for every convolution, a ring buffer ("queue")
of its last :math:`(k-1)d + 1` inputs; one new sample costs one matrix product per layer
instead of a pass over the whole sequence. :func:`wavenet_sample_fast` and
:func:`wavenet_sample_naive` draw the same samples for the same key.

References:
    van den Oord, Dieleman, Zen, Simonyan, Vinyals, Graves, Kalchbrenner, Senior &
    Kavukcuoglu (2016), WaveNet: A Generative Model for Raw Audio, arXiv:1609.03499.
    Paine, Khorrami, Chang, Zhang, Ramachandran, Hasegawa-Johnson & Huang (2016), Fast
    Wavenet Generation Algorithm, arXiv:1611.09482.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = [
    "CausalConv1D",
    "WaveNet",
    "wavenet_log_prob",
    "wavenet_sample_fast",
    "wavenet_sample_naive",
]


class CausalConv1D(nn.Module):
    """A causal dilated convolution ``[B, T, C_in] -> [B, T, features]``.

    ``__call__(x)`` convolves a whole sequence (output ``t`` sees inputs ``t - (k-1)d ..
    t``); ``__call__(taps, incremental=True)`` takes the ``k`` inputs ``[B, k, C_in]`` at
    times ``t - (k-1)d, ..., t - d, t`` and returns the single output ``[B, features]``,
    with the same parameters.

    Attributes:
        features: output channels.
        kernel_size: :math:`k`.
        dilation: :math:`d`.
    """

    features: int
    kernel_size: int = 2
    dilation: int = 1

    @nn.compact
    def __call__(self, x: jax.Array, incremental: bool = False) -> jax.Array:
        shape = (self.kernel_size, x.shape[-1], self.features)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), shape, x.dtype)
        bias = self.param("bias", nn.initializers.zeros, (self.features,), x.dtype)
        if incremental:
            return jnp.einsum("bki,kio->bo", x, kernel) + bias
        pad = (self.kernel_size - 1) * self.dilation
        y = jax.lax.conv_general_dilated(
            x,
            kernel,
            window_strides=(1,),
            padding=[(pad, 0)],
            rhs_dilation=(self.dilation,),
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        return y + bias


class WaveNet(nn.Module):
    """``x [B, T] int levels, condition? -> logits [B, T, num_levels]`` of :math:`p(x_t|x_{<t})`.

    Attributes:
        num_levels: :math:`L`, the number of quantisation levels (256 for 8-bit mu-law).
        residual_channels: width of the residual stream.
        skip_channels: width of the skip sum and the output layers.
        dilations: dilation of each residual layer.
        kernel_size: kernel of every causal convolution (2 in the paper).
    """

    num_levels: int = 256
    residual_channels: int = 32
    skip_channels: int = 64
    dilations: Sequence[int] = (1, 2, 4, 8, 16, 32)
    kernel_size: int = 2

    def setup(self):
        if self.num_levels < 2 or any(d < 1 for d in self.dilations) or self.kernel_size < 1:
            raise ValueError(
                f"WaveNet(num_levels={self.num_levels}, dilations={self.dilations}, "
                f"kernel_size={self.kernel_size}): need >= 2 levels, dilations >= 1, kernel >= 1"
            )
        r = self.residual_channels
        self.input_conv = CausalConv1D(r, self.kernel_size, 1)
        self.dilated = [CausalConv1D(2 * r, self.kernel_size, d) for d in self.dilations]
        self.conditioning = [nn.Dense(2 * r, use_bias=False) for _ in self.dilations]
        self.residual = [nn.Dense(r) for _ in self.dilations]
        self.skip = [nn.Dense(self.skip_channels) for _ in self.dilations]
        self.hidden_out = nn.Dense(self.skip_channels)
        self.logits_out = nn.Dense(self.num_levels)

    def buffer_sizes(self) -> tuple[int, ...]:
        """Length of each convolution's input queue: ``(k - 1) d + 1``, input conv first."""
        k = self.kernel_size
        return ((k - 1) + 1, *((k - 1) * d + 1 for d in self.dilations))

    def _layers(self, h, condition, convolve):
        skips = 0.0
        for index in range(len(self.dilations)):
            pre = convolve(index + 1, h)
            if condition is not None:
                pre = pre + self.conditioning[index](condition)
            value, gate = jnp.split(pre, 2, axis=-1)
            gated = jnp.tanh(value) * jax.nn.sigmoid(gate)
            skips = skips + self.skip[index](gated)
            h = h + self.residual[index](gated)
        return self.logits_out(nn.relu(self.hidden_out(nn.relu(skips))))

    def __call__(self, x: jax.Array, condition: jax.Array | None = None) -> jax.Array:
        """Logits ``[B, T, L]`` for every position of ``x [B, T]``.

        ``condition`` is ``[B, c]`` (global) or ``[B, T, c]`` (local), or ``None``.
        """
        one_hot = jax.nn.one_hot(x, self.num_levels, dtype=jnp.float32)
        shifted = jnp.pad(one_hot, ((0, 0), (1, 0), (0, 0)))[:, :-1]
        if condition is not None:
            condition = condition.astype(jnp.float32)
            if condition.ndim == 2:
                condition = condition[:, None, :]
            if condition.ndim != 3 or condition.shape[:2] not in ((x.shape[0], 1), x.shape):
                raise ValueError(
                    f"condition has shape {condition.shape}; give [B, c] (global) or [B, T, c] "
                    f"(local) for x of shape {x.shape}"
                )
        h = self.input_conv(shifted)
        return self._layers(h, condition, lambda i, inputs: self.dilated[i - 1](inputs))

    def init_queues(self, batch_size: int) -> tuple[jax.Array, ...]:
        """Zeroed input queues ``[B, (k-1)d + 1, C_in]`` of every convolution."""
        widths = (self.num_levels, *(self.residual_channels for _ in self.dilations))
        sizes = self.buffer_sizes()
        return tuple(
            jnp.zeros((batch_size, s, c), jnp.float32) for s, c in zip(sizes, widths, strict=True)
        )

    def step(self, previous: jax.Array, t: jax.Array, queues, condition=None):
        """Logits ``[B, L]`` of :math:`x_t` given :math:`x_{t-1}` (``previous [B]`` ints, unused
        at ``t = 0``) and the queues holding earlier inputs; returns ``(logits, queues)``.

        ``condition`` is ``[B, c]``: the global vector or the local one at time ``t``.
        """
        one_hot = jax.nn.one_hot(previous, self.num_levels, dtype=jnp.float32)
        one_hot = jnp.where(t > 0, one_hot, jnp.zeros_like(one_hot))
        new_queues = []
        dilations = (1, *self.dilations)
        k = self.kernel_size

        def push_and_read(index, inputs):
            queue = queues[index]
            size = queue.shape[1]
            queue = queue.at[:, t % size].set(inputs)
            lags = jnp.asarray([(k - 1 - j) * dilations[index] for j in range(k)], t.dtype)
            taps = jnp.take(queue, (t - lags) % size, axis=1)
            new_queues.append(queue)
            return taps

        h = self.input_conv(push_and_read(0, one_hot), incremental=True)

        def convolve(i, inputs):
            return self.dilated[i - 1](push_and_read(i, inputs), incremental=True)

        condition = None if condition is None else condition.astype(jnp.float32)
        logits = self._layers(h, condition, convolve)
        return logits, tuple(new_queues)


def wavenet_log_prob(
    model: WaveNet,
    params,
    x: jax.Array,
    condition: jax.Array | None = None,
    *,
    key: jax.Array | None = None,
) -> jax.Array:
    """``[B]`` exact :math:`\\log p(x \\mid h)` in nats of level sequences ``x [B, T]``.

    Fits ``make_likelihood_step``'s ``log_prob_fn`` (``key`` is unused).
    """
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}; WaveNet expects level sequences [B, T]")
    logits = model.apply({"params": params}, x, condition)
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    picked = jnp.take_along_axis(log_probs, x.astype(jnp.int32)[..., None], axis=-1)
    return jnp.sum(picked[..., 0], axis=1)


def _condition_at(condition, t):
    if condition is None or condition.ndim == 2:
        return condition
    return jax.lax.dynamic_index_in_dim(condition, t, axis=1, keepdims=False)


@functools.partial(jax.jit, static_argnames=("model", "length", "num_samples"))
def wavenet_sample_naive(
    model: WaveNet, params, length: int, num_samples: int, *, key: jax.Array, condition=None
) -> jax.Array:
    """``[num_samples, length]`` int32 samples, re-running the full network for every step.

    :math:`O(T^2)` work; the reference that :func:`wavenet_sample_fast` must equal. Step
    ``t`` draws with ``fold_in(key, t)``. ``condition``: ``[B, c]`` or ``[B, T, c]``.
    """
    x = jnp.zeros((num_samples, length), jnp.int32)

    def body(t, x):
        logits = model.apply({"params": params}, x, condition)[:, t]
        value = jax.random.categorical(jax.random.fold_in(key, t), logits, axis=-1)
        return x.at[:, t].set(value.astype(jnp.int32))

    return jax.lax.fori_loop(0, length, body, x)


@functools.partial(jax.jit, static_argnames=("model", "length", "num_samples"))
def wavenet_sample_fast(
    model: WaveNet, params, length: int, num_samples: int, *, key: jax.Array, condition=None
) -> jax.Array:
    """``[num_samples, length]`` int32 samples with cached activations (queues per layer).

    :math:`O(T)` work: a ``lax.scan`` over time whose carry holds every convolution's input
    queue. Same arguments and same samples as :func:`wavenet_sample_naive`.
    """
    queues = model.init_queues(num_samples)
    previous = jnp.zeros((num_samples,), jnp.int32)

    def body(carry, t):
        previous, queues = carry
        logits, queues = model.apply(
            {"params": params},
            previous,
            t,
            queues,
            _condition_at(condition, t),
            method=WaveNet.step,
        )
        value = jax.random.categorical(jax.random.fold_in(key, t), logits, axis=-1)
        value = value.astype(jnp.int32)
        return (value, queues), value

    _, values = jax.lax.scan(body, (previous, queues), jnp.arange(length))
    return values.T
