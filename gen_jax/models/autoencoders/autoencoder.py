r"""Deterministic autoencoders: the book's convolutional autoencoder and MLP autoencoders.

An encoder maps an example to a code ``h = f(x)``; a decoder maps the code back to the
*logits* of the reconstruction (the book's final sigmoid is applied by the objective,
``gen_jax.algorithms.autoencoding``), so the same network serves a squared-error or a
cross-entropy reconstruction. The convolutional pair is Foster's (2019, ch. 3, listings
3.1-3.3): Conv2D 32, 64, 64, 64 (kernel 3, strides 1, 2, 2, 1, "same", LeakyReLU 0.3),
Flatten, a linear Dense to a 2-D code; the decoder is the VAE's
:class:`~gen_jax.models.autoencoders.vae.ConvDecoder` (Dense 3136, reshape 7x7x64, Conv2DTranspose
64,
64, 32, 1 with strides 1, 2, 2, 1). On 28x28x1 images the encoder has 98,946 parameters
and the decoder 102,017, as in the book.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 3.
    Hinton & Salakhutdinov (2006), Reducing the Dimensionality of Data with Neural
    Networks, Science 313.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax

from gen_jax.models.autoencoders.vae import KERAS_LEAKY_RELU_SLOPE, MLPDecoder, book_conv_decoder

ACTIVATIONS = {"relu": nn.relu, "sigmoid": nn.sigmoid, "tanh": nn.tanh, "linear": lambda x: x}


def _check_activation(name: str, argument: str) -> None:
    if name not in ACTIVATIONS:
        raise ValueError(f"{argument}={name!r}; choose one of {sorted(ACTIVATIONS)}")


class ConvCodeEncoder(nn.Module):
    """``[B, H, W, C] -> code [B, code_dim]``: Conv2D + LeakyReLU layers, then a linear Dense.

    Attributes:
        code_dim: size of the code (the book's ``z_dim = 2``).
        filters: output channels of each Conv2D layer.
        kernel_sizes: square kernel size of each layer.
        strides: stride of each layer.
        negative_slope: LeakyReLU slope (Keras' default 0.3, as in the book).
    """

    code_dim: int
    filters: Sequence[int] = (32, 64, 64, 64)
    kernel_sizes: Sequence[int] = (3, 3, 3, 3)
    strides: Sequence[int] = (1, 2, 2, 1)
    negative_slope: float = KERAS_LEAKY_RELU_SLOPE

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        layers = zip(self.filters, self.kernel_sizes, self.strides, strict=True)
        for features, kernel, stride in layers:
            x = nn.Conv(features, (kernel, kernel), strides=(stride, stride), padding="SAME")(x)
            x = nn.leaky_relu(x, self.negative_slope)
        x = x.reshape(x.shape[0], -1)
        return nn.Dense(self.code_dim, name="code")(x)


class MLPCodeEncoder(nn.Module):
    """``[B, ...] -> code [B, code_dim]`` through Dense layers.

    Attributes:
        code_dim: size of the code.
        hidden_sizes: widths of the hidden Dense layers (may be empty: one layer).
        activation: hidden activation, a key of :data:`ACTIVATIONS`.
        code_activation: activation of the code layer; ``"sigmoid"`` gives codes in (0, 1)
            as the KL sparsity penalty and the contractive autoencoder assume.
    """

    code_dim: int
    hidden_sizes: Sequence[int] = (256,)
    activation: str = "relu"
    code_activation: str = "linear"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        _check_activation(self.activation, "activation")
        _check_activation(self.code_activation, "code_activation")
        x = x.reshape(x.shape[0], -1)
        for size in self.hidden_sizes:
            x = ACTIVATIONS[self.activation](nn.Dense(size)(x))
        return ACTIVATIONS[self.code_activation](nn.Dense(self.code_dim, name="code")(x))


class Autoencoder(nn.Module):
    """An encoder and a decoder: ``__call__(x) -> (decoder_output, code)``.

    ``decoder_output`` has the shape of ``x`` and holds logits; ``code`` is ``[B, code_dim]``.
    """

    encoder: nn.Module
    decoder: nn.Module

    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        code = self.encoder(x)
        return self.decoder(code), code

    def encode(self, x: jax.Array) -> jax.Array:
        """``x [B, ...] -> code [B, code_dim]``."""
        return self.encoder(x)

    def decode(self, code: jax.Array) -> jax.Array:
        """``code [B, code_dim] -> logits`` with the data's shape."""
        return self.decoder(code)


def conv_autoencoder(
    image_shape: tuple[int, int, int],
    code_dim: int = 2,
    *,
    encoder_filters: Sequence[int] = (32, 64, 64, 64),
    encoder_strides: Sequence[int] = (1, 2, 2, 1),
    decoder_filters: Sequence[int] = (64, 64, 32),
    decoder_strides: Sequence[int] = (1, 2, 2, 1),
    kernel_size: int = 3,
) -> Autoencoder:
    """The book's convolutional autoencoder for images of ``image_shape = (H, W, C)``.

    The defaults are Foster's listing 3.1. The decoder's last layer gets ``C`` filters,
    appended to ``decoder_filters``, so ``decoder_strides`` has one more entry than
    ``decoder_filters``; the product of the decoder strides must divide ``H`` and ``W``.
    """
    decoder = book_conv_decoder(image_shape, decoder_filters, decoder_strides, kernel_size)
    if len(encoder_strides) != len(encoder_filters):
        raise ValueError(
            f"encoder_strides has {len(encoder_strides)} entries but encoder_filters has "
            f"{len(encoder_filters)}: give one stride per encoder layer"
        )
    encoder = ConvCodeEncoder(
        code_dim=code_dim,
        filters=tuple(encoder_filters),
        kernel_sizes=(kernel_size,) * len(encoder_filters),
        strides=tuple(encoder_strides),
    )
    return Autoencoder(encoder=encoder, decoder=decoder)


def mlp_autoencoder(
    input_shape: tuple[int, ...],
    code_dim: int,
    *,
    hidden_sizes: Sequence[int] = (256,),
    activation: str = "relu",
    code_activation: str = "linear",
) -> Autoencoder:
    """A fully connected autoencoder for examples of ``input_shape``.

    The decoder mirrors the encoder's hidden widths (ReLU hidden layers, logits out). With
    ``hidden_sizes=()`` and ``code_activation="sigmoid"`` it is the one-hidden-layer
    autoencoder of the sparse and contractive autoencoder papers.
    """
    if code_dim < 1:
        raise ValueError(f"code_dim={code_dim}; the code needs at least one unit")
    encoder = MLPCodeEncoder(
        code_dim=code_dim,
        hidden_sizes=tuple(hidden_sizes),
        activation=activation,
        code_activation=code_activation,
    )
    decoder = MLPDecoder(
        output_shape=tuple(input_shape), hidden_sizes=tuple(reversed(hidden_sizes))
    )
    return Autoencoder(encoder=encoder, decoder=decoder)
