r"""PixelCNN and Gated PixelCNN: autoregressive image models built from masked convolutions.

An image :math:`x \in \mathcal X^{H \times W \times C}` is factorised in raster order,

.. math::
    p(x \mid h) = \prod_{i=1}^{HW} p(x_i \mid x_{<i}, h),
    \qquad p(x_i \mid x_{<i}, h) = \prod_{c=1}^C p(x_{i,c} \mid x_{<i}, h),

every conditional computed at once by a convolutional network whose kernels are masked so
that output :math:`i` never sees pixel :math:`i` or later ones. The channels of one pixel
are conditionally independent given the earlier pixels (grey or binarised images have one
channel; the full model's R -> G -> B ordering inside a pixel is not implemented). Values
are binary (``likelihood="bernoulli"``, one logit per value) or ``num_levels``-way
categorical (a softmax over e.g. 256 intensities).

Masks: type ``"A"`` (first layer) also hides the centre pixel, type ``"B"`` (later layers)
keeps it. The plain PixelCNN (van den Oord et al., 2016a) stacks a 7x7 type-A convolution
and residual blocks of 3x3 type-B convolutions; its receptive field has a blind spot
above-right of each pixel. The gated PixelCNN (van den Oord et al., 2016b) removes it with
two stacks: a vertical stack (all columns of the rows above) and a horizontal stack (the
pixels to the left in the current row) that also reads the vertical stack, each layer a
gated unit :math:`\tanh(W_f * x + V_f h) \odot \sigma(W_g * x + V_g h)`, where :math:`h`
makes the model conditional: a class label (``num_classes``, through a learned embedding)
or, with ``dense_condition=True``, any float vector ``[B, c]`` or spatial map
``[B, H, W, c]`` (projected by a learned 1x1 map), such as the latent code of a PixelVAE
(:mod:`gen_jax.models.autoencoders.pixel_vae`). The conditioning never depends on ``x``, so the
masking keeps every conditional causal for any fixed :math:`h`.

References:
    van den Oord, Kalchbrenner & Kavukcuoglu (2016a), Pixel Recurrent Neural Networks,
    ICML, arXiv:1601.06759.
    van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu (2016b),
    Conditional Image Generation with PixelCNN Decoders, NIPS, arXiv:1606.05328.
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.losses.likelihoods import bernoulli_log_prob

LIKELIHOODS = ("bernoulli", "categorical")
STACKS = ("full", "vertical", "horizontal")

__all__ = [
    "LIKELIHOODS",
    "GatedPixelCNN",
    "MaskedConv2D",
    "PixelCNN",
    "causal_mask",
    "pixelcnn_log_prob",
    "pixelcnn_sample",
]


def causal_mask(kernel_size: tuple[int, int], *, stack: str, mask_type: str) -> np.ndarray:
    """``[kh, kw]`` 0/1 mask of a raster-order causal convolution kernel (centre at ``k//2``).

    Args:
        kernel_size: ``(kh, kw)``, both odd.
        stack: ``"full"`` (rows above, and the left of the centre row), ``"vertical"``
            (rows above and the whole centre row: the vertical stack, which only ever
            carries information from earlier rows) or ``"horizontal"`` (the centre row up
            to the centre; ``kh`` must be 1).
        mask_type: ``"A"`` hides the centre (for ``"vertical"``: the whole centre row),
            ``"B"`` keeps it.
    """
    height, width = kernel_size
    if height % 2 == 0 or width % 2 == 0:
        raise ValueError(f"kernel_size={kernel_size}: both sides must be odd")
    if stack not in STACKS:
        raise ValueError(f"stack={stack!r}; choose one of {STACKS}")
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type={mask_type!r}; choose 'A' (first layer) or 'B'")
    if stack == "horizontal" and height != 1:
        raise ValueError(f"kernel_size={kernel_size}: a horizontal-stack kernel has height 1")
    row, col = height // 2, width // 2
    mask = np.zeros((height, width), np.float32)
    mask[:row] = 1.0
    if stack == "vertical":
        mask[row] = 1.0 if mask_type == "B" else 0.0
    else:
        mask[row, : col + (mask_type == "B")] = 1.0
    return mask


class MaskedConv2D(nn.Module):
    """``[B, H, W, C_in] -> [B, H, W, features]``, a 'SAME' convolution with a causal mask.

    Attributes:
        features: output channels.
        kernel_size: ``(kh, kw)``, odd.
        stack: see :func:`causal_mask`.
        mask_type: ``"A"`` or ``"B"``.
    """

    features: int
    kernel_size: tuple[int, int]
    stack: str = "full"
    mask_type: str = "B"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        mask = causal_mask(self.kernel_size, stack=self.stack, mask_type=self.mask_type)
        shape = (*self.kernel_size, x.shape[-1], self.features)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), shape, x.dtype)
        bias = self.param("bias", nn.initializers.zeros, (self.features,), x.dtype)
        kernel = kernel * jnp.asarray(mask, x.dtype)[:, :, None, None]
        y = jax.lax.conv_general_dilated(
            x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        return y + bias


def _check_likelihood(likelihood: str, num_levels: int) -> None:
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood={likelihood!r}; choose one of {LIKELIHOODS}")
    if likelihood == "categorical" and num_levels < 2:
        raise ValueError(f"num_levels={num_levels}: a categorical likelihood needs >= 2 levels")


def _network_input(x: jax.Array, likelihood: str, num_levels: int) -> jax.Array:
    """Data values to network inputs in [-1, 1]."""
    x = x.astype(jnp.float32)
    top = 1.0 if likelihood == "bernoulli" else float(num_levels - 1)
    return 2.0 * x / top - 1.0


def _output_head(h: jax.Array, channels: int, likelihood: str, num_levels: int) -> jax.Array:
    """``[B, H, W, F] -> logits [B, H, W, C]`` (bernoulli) or ``[B, H, W, C, L]``."""
    per_value = 1 if likelihood == "bernoulli" else num_levels
    logits = nn.Conv(channels * per_value, (1, 1))(h)
    if likelihood == "bernoulli":
        return logits
    return logits.reshape(*logits.shape[:-1], channels, num_levels)


def _class_bias(label: jax.Array | None, num_classes: int | None, features: int, name: str):
    """``[B, 1, 1, features]`` embedding of the class label, or 0 when unconditional."""
    if num_classes is None:
        if label is not None:
            raise ValueError(
                "label was given but this PixelCNN is unconditional: set num_classes= "
                "or drop the label (condition_key=None)"
            )
        return 0.0
    if label is None:
        raise ValueError("this PixelCNN is class-conditional (num_classes is set): pass label=")
    one_hot = jax.nn.one_hot(label, num_classes, dtype=jnp.float32)
    return nn.Dense(features, use_bias=False, name=name)(one_hot)[:, None, None, :]


class PixelCNN(nn.Module):
    """The plain PixelCNN: ``x [B, H, W, C], label [B]? -> logits``.

    A 7x7 type-A masked convolution, ``num_layers`` residual blocks (ReLU, 1x1 to
    ``features // 2``, ReLU, ``kernel_size`` type-B masked, ReLU, 1x1 back), then ReLU,
    1x1, ReLU, 1x1 to the logits (van den Oord et al., 2016a, table 1).

    Attributes:
        likelihood: ``"bernoulli"`` (x in {0, 1}) or ``"categorical"`` (x in
            ``0..num_levels-1``).
        num_levels: categories per value for ``"categorical"``.
        features: hidden channels.
        num_layers: residual blocks.
        kernel_size: side of the type-B kernels.
        first_kernel_size: side of the type-A kernel.
        num_classes: number of classes for a class-conditional model, else ``None``.
    """

    likelihood: str = "bernoulli"
    num_levels: int = 256
    features: int = 64
    num_layers: int = 5
    kernel_size: int = 3
    first_kernel_size: int = 7
    num_classes: int | None = None

    @nn.compact
    def __call__(self, x: jax.Array, label: jax.Array | None = None) -> jax.Array:
        _check_likelihood(self.likelihood, self.num_levels)
        inputs = _network_input(x, self.likelihood, self.num_levels)
        first = (self.first_kernel_size, self.first_kernel_size)
        h = MaskedConv2D(self.features, first, mask_type="A")(inputs)
        h = h + _class_bias(label, self.num_classes, self.features, "class_0")
        for index in range(self.num_layers):
            r = nn.Conv(self.features // 2, (1, 1))(nn.relu(h))
            kernel = (self.kernel_size, self.kernel_size)
            r = MaskedConv2D(self.features // 2, kernel, mask_type="B")(nn.relu(r))
            r = nn.Conv(self.features, (1, 1))(nn.relu(r))
            h = h + r + _class_bias(label, self.num_classes, self.features, f"class_{index + 1}")
        h = nn.relu(nn.Conv(self.features, (1, 1))(nn.relu(h)))
        return _output_head(h, x.shape[-1], self.likelihood, self.num_levels)


def _dense_bias(condition: jax.Array | None, features: int, name: str):
    """A learned projection of a float condition: ``[B, c] -> [B, 1, 1, features]`` or
    ``[B, H, W, c] -> [B, H, W, features]``."""
    if condition is None:
        raise ValueError(
            "this gated PixelCNN has dense_condition=True: pass a float condition [B, c] or "
            "[B, H, W, c] as its second argument"
        )
    if condition.ndim not in (2, 4):
        raise ValueError(
            f"condition has shape {condition.shape}; give a vector [B, c] or a spatial map "
            "[B, H, W, c]"
        )
    projected = nn.Dense(features, use_bias=False, name=name)(condition.astype(jnp.float32))
    return projected[:, None, None, :] if condition.ndim == 2 else projected


def _condition_bias(condition, num_classes, dense_condition: bool, features: int, name: str):
    """The conditioning term of one gate: class embedding, dense projection, or 0."""
    if dense_condition:
        if num_classes is not None:
            raise ValueError(
                f"num_classes={num_classes} and dense_condition=True: choose one way to "
                "condition (labels via num_classes, float vectors/maps via dense_condition)"
            )
        return _dense_bias(condition, features, name)
    return _class_bias(condition, num_classes, features, name)


class GatedLayer(nn.Module):
    """One gated PixelCNN layer on ``(vertical, horizontal)`` stacks ``[B, H, W, F]`` each.

    Attributes:
        features: channels of each stack.
        kernel_size: side of the vertical kernel and width of the horizontal one.
        num_classes: classes of the conditioning label, or ``None``.
        dense_condition: condition on a float vector ``[B, c]`` or map ``[B, H, W, c]``.
    """

    features: int
    kernel_size: int = 3
    num_classes: int | None = None
    dense_condition: bool = False

    @nn.compact
    def __call__(self, vertical, horizontal, label=None):
        f, k = self.features, self.kernel_size
        v_pre = MaskedConv2D(2 * f, (k, k), stack="vertical")(vertical)
        h_pre = MaskedConv2D(2 * f, (1, k), stack="horizontal")(horizontal)
        h_pre = h_pre + nn.Conv(2 * f, (1, 1), name="vertical_to_horizontal")(v_pre)
        bias = functools.partial(_condition_bias, label, self.num_classes, self.dense_condition)
        v_pre = v_pre + bias(2 * f, "class_vertical")
        h_pre = h_pre + bias(2 * f, "class_horizontal")
        v_value, v_gate = jnp.split(v_pre, 2, axis=-1)
        h_value, h_gate = jnp.split(h_pre, 2, axis=-1)
        vertical = jnp.tanh(v_value) * jax.nn.sigmoid(v_gate)
        gated = jnp.tanh(h_value) * jax.nn.sigmoid(h_gate)
        horizontal = horizontal + nn.Conv(f, (1, 1), name="horizontal_out")(gated)
        return vertical, horizontal


class GatedPixelCNN(nn.Module):
    """The gated PixelCNN without blind spot: ``x [B, H, W, C], label [B]? -> logits``.

    Type-A vertical (``k x k``) and horizontal (``1 x k``) masked convolutions start the
    two stacks; ``num_layers`` :class:`GatedLayer` follow; the horizontal stack gives the
    logits through ReLU and two 1x1 convolutions.

    Attributes:
        likelihood, num_levels, features, num_layers, kernel_size, num_classes: as in
            :class:`PixelCNN` (``kernel_size`` is used for the first layer too).
        dense_condition: the second argument is a float vector ``[B, c]`` or spatial map
            ``[B, H, W, c]`` (not a label), projected into every gate.
    """

    likelihood: str = "bernoulli"
    num_levels: int = 256
    features: int = 64
    num_layers: int = 5
    kernel_size: int = 3
    num_classes: int | None = None
    dense_condition: bool = False

    @nn.compact
    def __call__(self, x: jax.Array, label: jax.Array | None = None) -> jax.Array:
        _check_likelihood(self.likelihood, self.num_levels)
        inputs = _network_input(x, self.likelihood, self.num_levels)
        k = self.kernel_size
        vertical = MaskedConv2D(self.features, (k, k), "vertical", "A")(inputs)
        horizontal = MaskedConv2D(self.features, (1, k), "horizontal", "A")(inputs)
        for _ in range(self.num_layers):
            layer = GatedLayer(self.features, k, self.num_classes, self.dense_condition)
            vertical, horizontal = layer(vertical, horizontal, label)
        h = nn.relu(nn.Conv(self.features, (1, 1))(nn.relu(horizontal)))
        return _output_head(h, x.shape[-1], self.likelihood, self.num_levels)


def _log_prob_from_logits(logits, x, likelihood: str) -> jax.Array:
    if likelihood == "bernoulli":
        return bernoulli_log_prob(logits, x.astype(logits.dtype), event_ndims=3)
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    picked = jnp.take_along_axis(log_probs, x.astype(jnp.int32)[..., None], axis=-1)
    return jnp.sum(picked, axis=(1, 2, 3, 4))


def pixelcnn_log_prob(
    model: PixelCNN | GatedPixelCNN,
    params,
    x: jax.Array,
    condition: jax.Array | None = None,
    *,
    key: jax.Array | None = None,
) -> jax.Array:
    """``[B]`` exact :math:`\\log p(x \\mid \\text{label})` in nats.

    Fits ``make_likelihood_step``'s ``log_prob_fn`` (``key`` is unused: the model is
    deterministic). Divide by ``H W C ln 2`` for bits per dimension.

    Args:
        model: a ``PixelCNN`` or ``GatedPixelCNN``.
        params: its parameters.
        x: ``[B, H, W, C]`` binary (``"bernoulli"``) or integer levels (``"categorical"``).
        condition: class labels ``[B]`` for a class-conditional model, the float condition
            of a ``dense_condition`` model, else ``None``.
        key: unused.
    """
    if x.ndim != 4:
        raise ValueError(f"x has shape {x.shape}; PixelCNN expects images [B, H, W, C]")
    logits = model.apply({"params": params}, x, condition)
    return _log_prob_from_logits(logits, x, model.likelihood)


@functools.partial(jax.jit, static_argnames=("model", "image_shape", "num_samples"))
def pixelcnn_sample(
    model: PixelCNN | GatedPixelCNN,
    params,
    image_shape: tuple[int, int, int],
    num_samples: int,
    *,
    key: jax.Array,
    label: jax.Array | None = None,
) -> jax.Array:
    """``[num_samples, H, W, C]`` exact samples, pixel by pixel in raster order (jitted).

    A ``lax.scan`` over the :math:`HW` pixels: each step runs the network on the partial
    image and draws all channels of the next pixel from their conditionals.

    Args:
        model: a ``PixelCNN`` or ``GatedPixelCNN``.
        params: its parameters.
        image_shape: ``(H, W, C)``.
        num_samples: how many images.
        key: randomness.
        label: ``[num_samples]`` class labels for a class-conditional model, or the float
            condition (``[num_samples, c]`` or ``[num_samples, H, W, c]``) of a
            ``dense_condition`` model.
    """
    height, width, channels = image_shape
    dtype = jnp.float32 if model.likelihood == "bernoulli" else jnp.int32
    images = jnp.zeros((num_samples, height, width, channels), dtype)
    positions = jnp.arange(height * width)

    def draw(images, inputs):
        position, step_key = inputs
        row, col = position // width, position % width
        logits = model.apply({"params": params}, images, label)[:, row, col]
        if model.likelihood == "bernoulli":
            value = jax.random.bernoulli(step_key, jax.nn.sigmoid(logits)).astype(dtype)
        else:
            value = jax.random.categorical(step_key, logits, axis=-1).astype(dtype)
        return images.at[:, row, col].set(value), None

    keys = jax.random.split(key, height * width)
    images, _ = jax.lax.scan(draw, images, (positions, keys))
    return images
