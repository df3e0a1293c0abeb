r"""The book's WGAN players for 32x32 colour images (Foster 2019, experiment 4.2).

Both are the chapter-4 convolutional networks of :mod:`gen_jax.models.gans.dcgan` with the
settings of the book's repository (``models/WGAN.py``, notebook ``04_02_wgan_cifar_train``):

- critic: 32x32x3 -> Conv 32, 64, 128, 128 (kernel 5, strides 2, 2, 2, 1, "same"), each
  followed by LeakyReLU(0.2), no batch norm, no dropout -> Flatten 2048 -> Dense 1, linear
  (a score, not a probability): 670,401 parameters.
- generator: ``z [B, 100]`` -> Dense 2048 -> BatchNorm(0.8) -> LeakyReLU(0.2) -> 4x4x128 ->
  three [UpSampling2D -> Conv (128, 64, 32 filters) -> BatchNorm(0.8) -> LeakyReLU(0.2)] ->
  Conv2DTranspose 3, stride 1 -> tanh: 32x32x3 in [-1, 1]; 879,619 trainable parameters
  and 4,544 BatchNorm moving statistics, Keras' 884,163 in all.

All kernels are initialised N(0, 0.02), as in the book. ``width_divisor`` divides every
hidden width (not the image channels) for laptop-sized variants.

References:
    Arjovsky, Chintala & Bottou (2017), Wasserstein GAN, arXiv:1701.07875.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4, "WGAN".
"""

from __future__ import annotations

from gen_jax.models.gans.dcgan import CamelDiscriminator, CamelGenerator

WGAN_LEAKY_RELU_SLOPE = 0.2
WGAN_BATCH_NORM_MOMENTUM = 0.8


def _divide(width: int, width_divisor: int) -> int:
    if not isinstance(width_divisor, int) or width_divisor < 1:
        raise ValueError(f"width_divisor={width_divisor!r}; pass a positive int (1 = the book)")
    return max(1, width // width_divisor)


def wgan_critic(*, width_divisor: int = 1) -> CamelDiscriminator:
    """The book's WGAN critic, ``[B, 32, 32, C] -> scores [B, 1]`` (670,401 parameters for
    C = 3 at ``width_divisor=1``).

    Args:
        width_divisor: divides the convolution widths 32, 64, 128, 128.
    """
    return CamelDiscriminator(
        filters=tuple(_divide(w, width_divisor) for w in (32, 64, 128, 128)),
        strides=(2, 2, 2, 1),
        kernel_size=5,
        dropout_rate=0.0,
        leaky_relu_slope=WGAN_LEAKY_RELU_SLOPE,
    )


def wgan_generator(*, channels: int = 3, width_divisor: int = 1) -> CamelGenerator:
    """The book's WGAN generator, ``z [B, latent_dim] -> [B, 32, 32, channels]`` in [-1, 1].

    Args:
        channels: image channels (3 for CIFAR-10; 1 for grey digits).
        width_divisor: divides the hidden widths (the 4x4x128 seed and 128, 64, 32 filters).
    """
    if not isinstance(channels, int) or channels < 1:
        raise ValueError(f"channels={channels!r}; pass a positive int (3 for colour)")
    return CamelGenerator(
        initial_shape=(4, 4, _divide(128, width_divisor)),
        filters=(*(_divide(w, width_divisor) for w in (128, 64, 32)), channels),
        upsample=(2, 2, 2, 1),
        kernel_size=5,
        batch_norm_momentum=WGAN_BATCH_NORM_MOMENTUM,
        upsampling="nearest",
        leaky_relu_slope=WGAN_LEAKY_RELU_SLOPE,
    )
