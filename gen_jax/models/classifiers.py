r"""The book's chapter-2 image classifiers, reused as feature networks for sample quality.

:class:`MLPClassifier` is Listing 2.2: Flatten, Dense 200 ReLU, Dense 150 ReLU, Dense 10
(646,260 parameters on 32x32x3 inputs). :class:`ConvClassifier` is experiment 2.3: four
"same" Conv2D layers (32, 32, 64, 64 filters, kernel 3, strides 1, 2, 1, 2), each followed by
BatchNorm and LeakyReLU, then Dense 128, BatchNorm, LeakyReLU, Dropout 0.5 and Dense 10
(592,554 parameters, 640 of them BatchNorm moving statistics). Keras' defaults are kept:
Glorot-uniform kernels, zero biases, LeakyReLU slope 0.3, BatchNorm momentum 0.99 and
epsilon 1e-3. Both return *logits*; the book's final softmax lives in the loss
(``optax.softmax_cross_entropy_with_integer_labels``).

``features(x)`` returns the penultimate activations (150-d for the MLP, 128-d after the
LeakyReLU and before the dropout for the CNN): the embedding that the Fréchet, kernel and
manifold metrics of :mod:`gen_jax.eval` compare.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 2 (experiments 2.1 and 2.3).
    Ioffe & Szegedy (2015), Batch Normalization, arXiv:1502.03167.
    Srivastava et al. (2014), Dropout, JMLR 15.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax

KERAS_LEAKY_RELU_SLOPE = 0.3
KERAS_BATCH_NORM_MOMENTUM = 0.99
KERAS_BATCH_NORM_EPSILON = 1e-3
_glorot_uniform = nn.initializers.glorot_uniform()


class MLPClassifier(nn.Module):
    """``[B, ...] -> logits [B, num_classes]``: flatten, ReLU Dense layers, a linear head.

    Attributes:
        num_classes: number of classes.
        hidden_sizes: widths of the hidden ReLU layers (the book's 200, 150).
    """

    num_classes: int = 10
    hidden_sizes: Sequence[int] = (200, 150)

    def setup(self):
        self.hidden = [nn.Dense(size, kernel_init=_glorot_uniform) for size in self.hidden_sizes]
        self.head = nn.Dense(self.num_classes, kernel_init=_glorot_uniform)

    def features(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        """``[B, ...] -> [B, hidden_sizes[-1]]``, the last hidden layer's activations."""
        del train  # no batch norm or dropout
        x = x.reshape(x.shape[0], -1)
        for layer in self.hidden:
            x = nn.relu(layer(x))
        return x

    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        return self.head(self.features(x, train=train))


class ConvClassifier(nn.Module):
    """``[B, H, W, C] -> logits [B, num_classes]``: Conv-BN-LeakyReLU blocks, Dense-BN-
    LeakyReLU-Dropout, a linear head ("BAD" order: BatchNorm, Activation, Dropout).

    With ``train=True`` BatchNorm normalises with the batch's statistics and updates its
    ``batch_stats`` collection (apply with ``mutable=["batch_stats"]``) and Dropout needs a
    ``"dropout"`` rng; with ``train=False`` both are deterministic.

    Attributes:
        num_classes: number of classes.
        filters: output channels of each 3x3 "same" convolution.
        strides: stride of each convolution.
        dense_units: width of the Dense layer before the head (the feature size).
        dropout_rate: Dropout rate after the Dense layer.
        negative_slope: LeakyReLU slope.
        batch_norm_momentum: weight of the previous moving average in BatchNorm.
    """

    num_classes: int = 10
    filters: Sequence[int] = (32, 32, 64, 64)
    strides: Sequence[int] = (1, 2, 1, 2)
    dense_units: int = 128
    dropout_rate: float = 0.5
    negative_slope: float = KERAS_LEAKY_RELU_SLOPE
    batch_norm_momentum: float = KERAS_BATCH_NORM_MOMENTUM

    def setup(self):
        if len(self.filters) != len(self.strides):
            raise ValueError(
                f"filters has {len(self.filters)} entries but strides has {len(self.strides)}; "
                "give one stride per convolution"
            )
        self.convs = [
            nn.Conv(f, (3, 3), strides=(s, s), padding="SAME", kernel_init=_glorot_uniform)
            for f, s in zip(self.filters, self.strides, strict=True)
        ]
        self.conv_norms = [self._batch_norm() for _ in self.filters]
        self.dense = nn.Dense(self.dense_units, kernel_init=_glorot_uniform)
        self.dense_norm = self._batch_norm()
        self.dropout = nn.Dropout(self.dropout_rate)
        self.head = nn.Dense(self.num_classes, kernel_init=_glorot_uniform)

    def _batch_norm(self) -> nn.BatchNorm:
        return nn.BatchNorm(momentum=self.batch_norm_momentum, epsilon=KERAS_BATCH_NORM_EPSILON)

    def features(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        """``[B, H, W, C] -> [B, dense_units]``, after the Dense block's LeakyReLU."""
        for conv, norm in zip(self.convs, self.conv_norms, strict=True):
            x = nn.leaky_relu(norm(conv(x), use_running_average=not train), self.negative_slope)
        x = self.dense(x.reshape(x.shape[0], -1))
        return nn.leaky_relu(self.dense_norm(x, use_running_average=not train), self.negative_slope)

    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        x = self.dropout(self.features(x, train=train), deterministic=not train)
        return self.head(x)
