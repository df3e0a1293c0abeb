r"""PixelVAE: a VAE whose decoder is a gated PixelCNN conditioned on the latent code.

The encoder is a diagonal Gaussian :math:`q_\phi(z \mid x)`, the prior
:math:`p(z) = \mathcal N(0, I)`, and the decoder an autoregressive model over the pixels,

.. math::
    p_\theta(x \mid z) = \prod_{i=1}^{HW} p_\theta(x_i \mid x_{<i}, z),

a :class:`~gen_jax.models.autoregressive.pixelcnn.GatedPixelCNN` whose gates all receive a learned
projection of :math:`h(z)`. Here :math:`h(z)` is either the code itself
(``conditioning="vector"``, as the conditional PixelCNN of van den Oord et al., 2016b) or a
spatial map ``[H, W, c]`` computed from it by a dense layer (``conditioning="spatial"``,
the role of PixelVAE's upsampling network, Gulrajani et al., 2017). Since
:math:`\log p_\theta(x \mid z)` is exact, the ELBO
:math:`\mathbb E_q \log p_\theta(x \mid z) - \mathrm{KL}(q_\phi(z \mid x) \| p(z))` needs no
further approximation. A powerful decoder can model the data alone and leave :math:`z`
unused (posterior collapse, KL :math:`\to 0`); few gated layers (a weak decoder) or free
bits (:mod:`gen_jax.algorithms.pixel_vae`) keep the code informative.

Sampling draws :math:`z \sim p(z)` and then the pixels one by one with the jitted scan
sampler :func:`~gen_jax.models.autoregressive.pixelcnn.pixelcnn_sample`.

References:
    Gulrajani, Kumar, Ahmed, Taiga, Visin, Vazquez & Courville (2017), PixelVAE: A Latent
    Variable Model for Natural Images, ICLR, arXiv:1611.05013.
    van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu (2016),
    Conditional Image Generation with PixelCNN Decoders, NIPS, arXiv:1606.05328.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.autoencoders.vae import MLPEncoder, reparameterize
from gen_jax.models.autoregressive.pixelcnn import GatedPixelCNN, pixelcnn_sample

CONDITIONINGS = ("vector", "spatial")

__all__ = [
    "CONDITIONINGS",
    "PixelVAE",
    "pixel_vae_decoder",
    "pixel_vae_reconstruct",
    "pixel_vae_sample",
]


class PixelVAE(nn.Module):
    """Gaussian MLP encoder and gated-PixelCNN decoder on binary images ``[B, H, W, C]``.

    ``__call__(x, key=key)`` returns ``(logits [B, H, W, C], mean, log_var)`` with the code
    reparameterised from ``key``; :meth:`encode`, :meth:`decoder_condition` and
    :meth:`decode` expose the parts.

    Attributes:
        image_shape: ``(H, W, C)`` of the binary images.
        latent_dim: size of the code :math:`z`.
        encoder_hidden_sizes: ReLU layers of the encoder MLP.
        features: channels of each PixelCNN stack.
        num_layers: gated layers of the decoder (few layers: a weak decoder).
        kernel_size: side of the masked kernels.
        conditioning: ``"vector"`` or ``"spatial"`` (see the module docstring).
        condition_channels: channels of the spatial map (``"spatial"`` only).
    """

    image_shape: tuple[int, int, int]
    latent_dim: int
    encoder_hidden_sizes: Sequence[int] = (256,)
    features: int = 32
    num_layers: int = 2
    kernel_size: int = 3
    conditioning: str = "spatial"
    condition_channels: int = 4

    def setup(self):
        if self.conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning={self.conditioning!r}; choose one of {CONDITIONINGS}")
        if len(self.image_shape) != 3 or self.latent_dim < 1:
            raise ValueError(
                f"image_shape={self.image_shape}, latent_dim={self.latent_dim}: give (H, W, C) "
                "and a positive latent_dim"
            )
        self.encoder = MLPEncoder(self.latent_dim, tuple(self.encoder_hidden_sizes))
        if self.conditioning == "spatial":
            height, width, _ = self.image_shape
            self.condition_map = nn.Dense(height * width * self.condition_channels)
        self.decoder = pixel_vae_decoder(self)

    def encode(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``x [B, H, W, C] -> (mean, log_var)``, each ``[B, latent_dim]``."""
        self._check_images(x)
        return self.encoder(2.0 * x.astype(jnp.float32) - 1.0)

    def decoder_condition(self, z: jax.Array) -> jax.Array:
        """``z [B, latent_dim] -> h(z)``: ``z`` or a map ``[B, H, W, condition_channels]``."""
        if self.conditioning == "vector":
            return z
        return self.condition_map(z).reshape(z.shape[0], *self.image_shape[:2], -1)

    def decode(self, x: jax.Array, z: jax.Array) -> jax.Array:
        """Logits ``[B, H, W, C]`` of :math:`p(x_i \\mid x_{<i}, z)` for every pixel."""
        self._check_images(x)
        return self.decoder(x, self.decoder_condition(z))

    def __call__(self, x: jax.Array, *, key: jax.Array):
        mean, log_var = self.encode(x)
        z = reparameterize(mean, log_var, key=key)
        return self.decode(x, z), mean, log_var

    def _check_images(self, x: jax.Array) -> None:
        if tuple(x.shape[1:]) != tuple(self.image_shape):
            raise ValueError(
                f"x has shape {x.shape}; this PixelVAE models images of shape "
                f"{tuple(self.image_shape)} (set image_shape=)"
            )


def pixel_vae_decoder(model: PixelVAE) -> GatedPixelCNN:
    """The decoder of ``model`` as a module of its own; its parameters are
    ``params["decoder"]`` and its second argument is ``h(z)``."""
    return GatedPixelCNN(
        likelihood="bernoulli",
        features=model.features,
        num_layers=model.num_layers,
        kernel_size=model.kernel_size,
        dense_condition=True,
    )


def _draw_pixels(model: PixelVAE, params, z: jax.Array, key: jax.Array) -> jax.Array:
    condition = model.apply({"params": params}, z, method=PixelVAE.decoder_condition)
    return pixelcnn_sample(
        pixel_vae_decoder(model),
        params["decoder"],
        tuple(model.image_shape),
        int(z.shape[0]),
        key=key,
        label=condition,
    )


def pixel_vae_sample(
    model: PixelVAE, params, num_samples: int, *, key: jax.Array, z: jax.Array | None = None
) -> jax.Array:
    """``[num_samples, H, W, C]`` samples: :math:`z \\sim \\mathcal N(0, I)` (or the given
    ``z [num_samples, latent_dim]``), then the pixels in raster order (jitted scan).

    Args:
        model: the ``PixelVAE``.
        params: its parameters.
        num_samples: how many images.
        key: randomness of the codes and the pixels.
        z: optional fixed codes.
    """
    code_key, pixel_key = jax.random.split(key)
    if z is None:
        z = jax.random.normal(code_key, (num_samples, model.latent_dim), jnp.float32)
    if z.shape != (num_samples, model.latent_dim):
        raise ValueError(f"z has shape {z.shape}; expected {(num_samples, model.latent_dim)}")
    return _draw_pixels(model, params, z, pixel_key)


def pixel_vae_reconstruct(model: PixelVAE, params, x: jax.Array, *, key: jax.Array) -> jax.Array:
    """``[B, H, W, C]``: each image's posterior mean code, decoded pixel by pixel.

    Only what :math:`z` carries survives; with a collapsed posterior the reconstructions
    are unrelated samples.
    """
    mean, _ = model.apply({"params": params}, x, method=PixelVAE.encode)
    return _draw_pixels(model, params, mean, key)
