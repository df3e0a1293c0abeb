r"""Conditional VAE with a label-conditional prior (MLP encoder and decoder).

The encoder :math:`q_\phi(z \mid x, y)` and the decoder :math:`p_\theta(x \mid z, y)` see
the one-hot label concatenated to their input; the prior :math:`p_\psi(z \mid y) =
\mathcal N(m_y, \operatorname{diag} e^{s_y})` has a learned mean and log-variance per
class, so each label gets its own region of the latent space and ``decode(z, y)`` with
``z ~ p(z | y)`` draws an example of class ``y``. Training uses
:func:`gen_jax.algorithms.vae.vae_objective` (``label_key``).

References:
    Sohn, Lee & Yan (2015), Learning Structured Output Representation using Deep
    Conditional Generative Models, NeurIPS.
    Kingma, Rezende, Mohamed & Welling (2014), Semi-Supervised Learning with Deep
    Generative Models, arXiv:1406.5298.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.autoencoders.vae import MLPDecoder, MLPEncoder, reparameterize


def _check_labels(labels: jax.Array) -> None:
    if labels.ndim != 1 or not jnp.issubdtype(labels.dtype, jnp.integer):
        raise ValueError(
            f"labels must be integer class indices of shape [B], got {labels.dtype} "
            f"{labels.shape}; pass e.g. batch['label'].astype(np.int32)"
        )


class CVAE(nn.Module):
    """``__call__(x, labels, key=key) -> (decoder_output, mean, log_var, prior_mean,
    prior_log_var)``.

    Shapes: ``x [B, *output_shape]``, integer ``labels [B]`` in ``[0, num_classes)``,
    codes and Gaussian parameters ``[B, latent_dim]``, ``decoder_output`` logits (or
    means) ``[B, *output_shape]``.

    Attributes:
        output_shape: shape of one example.
        latent_dim: size of the code.
        num_classes: number of labels.
        encoder_hidden: hidden widths of the encoder (ReLU).
        decoder_hidden: hidden widths of the decoder (ReLU).
    """

    output_shape: tuple[int, ...]
    latent_dim: int
    num_classes: int
    encoder_hidden: Sequence[int] = (256,)
    decoder_hidden: Sequence[int] = (256,)

    def setup(self):
        self.encoder = MLPEncoder(latent_dim=self.latent_dim, hidden_sizes=self.encoder_hidden)
        self.decoder = MLPDecoder(output_shape=self.output_shape, hidden_sizes=self.decoder_hidden)
        self.prior_mean = nn.Embed(
            self.num_classes, self.latent_dim, embedding_init=nn.initializers.normal(1.0)
        )
        self.prior_log_var = nn.Embed(
            self.num_classes, self.latent_dim, embedding_init=nn.initializers.zeros_init()
        )

    def _one_hot(self, labels: jax.Array) -> jax.Array:
        _check_labels(labels)
        return jax.nn.one_hot(labels, self.num_classes)

    def __call__(self, x: jax.Array, labels: jax.Array, *, key: jax.Array):
        mean, log_var = self.encode(x, labels)
        z = reparameterize(mean, log_var, key=key)
        prior_mean, prior_log_var = self.prior(labels)
        return self.decode(z, labels), mean, log_var, prior_mean, prior_log_var

    def encode(self, x: jax.Array, labels: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``x [B, ...], labels [B] -> (mean, log_var)`` of :math:`q(z \\mid x, y)`."""
        return self.encoder(jnp.concatenate([x.reshape(x.shape[0], -1), self._one_hot(labels)], 1))

    def decode(self, z: jax.Array, labels: jax.Array) -> jax.Array:
        """``z [B, latent_dim], labels [B] -> decoder output [B, *output_shape]``."""
        return self.decoder(jnp.concatenate([z, self._one_hot(labels)], axis=1))

    def prior(self, labels: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``labels [B] -> (mean, log_var)`` of :math:`p(z \\mid y)`, each ``[B, latent_dim]``."""
        _check_labels(labels)
        return self.prior_mean(labels), self.prior_log_var(labels)
