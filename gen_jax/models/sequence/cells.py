r"""Recurrent cells: the LSTM and the two GRU conventions, as Flax ``RNNCellBase`` cells.

The LSTM is Flax's ``nn.OptimizedLSTMCell`` (the four gate matrices fused into one
matmul), whose parameters and count :math:`4(u(n + u) + u)` equal Keras' ``LSTM(u)``:

.. math::
    f_t = \sigma(W_f x_t + U_f h_{t-1} + b_f), \quad
    i_t = \sigma(W_i x_t + U_i h_{t-1} + b_i), \quad
    \tilde C_t = \tanh(W_C x_t + U_C h_{t-1} + b_C),

.. math::
    C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t, \quad
    o_t = \sigma(W_o x_t + U_o h_{t-1} + b_o), \quad h_t = o_t \odot \tanh(C_t).

Two GRUs differ in where the reset gate acts. :class:`ResetBeforeGRUCell` is Cho et al.'s
original and the book's Keras 2.2 ``GRU`` (``reset_after=False``), three biases,
:math:`3(u(n + u) + u)` parameters:

.. math::
    z_t = \sigma(W_z x_t + U_z h_{t-1} + b_z), \quad
    r_t = \sigma(W_r x_t + U_r h_{t-1} + b_r),

.. math::
    \tilde h_t = \tanh(W_h x_t + U_h (r_t \odot h_{t-1}) + b_h), \quad
    h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t.

Flax's ``nn.GRUCell`` resets after the recurrent matmul, :math:`\tilde h_t = \tanh(W_h x_t
+ b_h + r_t \odot (U_h h_{t-1} + b_{hn}))`, with four biases: :math:`3u(n + u) + 4u`
parameters (60,400 for ``GRUCell(100)`` on 100 inputs against Keras' 60,300).

The book's Keras 2.2 defaults use ``hard_sigmoid`` for the gates; these cells use the
logistic sigmoid of the equations (the modern Keras default).

References:
    Hochreiter & Schmidhuber (1997), Long Short-Term Memory, Neural Computation 9(8).
    Cho et al. (2014), Learning Phrase Representations using RNN Encoder-Decoder for
    Statistical Machine Translation, arXiv:1406.1078.
    Foster (2019), Generative Deep Learning, ch. 6 (Figs 6.8 and 6.13).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = ["CELL_KINDS", "ResetBeforeGRUCell", "make_cell"]

CELL_KINDS = ("lstm", "gru", "flax_gru")


class ResetBeforeGRUCell(nn.RNNCellBase):
    """Cho et al.'s GRU with the reset gate applied before the recurrent matmul.

    Attributes:
        features: the hidden size ``u``.

    Parameters: ``input_kernel [n, 3u]``, ``recurrent_kernel [u, 3u]`` and ``bias [3u]``,
    the blocks in Keras' order (update ``z``, reset ``r``, candidate ``h``).
    """

    features: int
    carry_init: nn.initializers.Initializer = nn.initializers.zeros_init()

    @nn.compact
    def __call__(self, carry: jax.Array, inputs: jax.Array) -> tuple[jax.Array, jax.Array]:
        """One step: ``carry [..., u]`` and ``inputs [..., n]`` to ``(new carry, output)``,
        the output being the new hidden state."""
        u = self.features
        input_kernel = self.param(
            "input_kernel", nn.initializers.glorot_uniform(), (inputs.shape[-1], 3 * u)
        )
        recurrent_kernel = self.param(
            "recurrent_kernel", nn.initializers.orthogonal(column_axis=-1), (u, 3 * u)
        )
        bias = self.param("bias", nn.initializers.zeros_init(), (3 * u,))
        projected = inputs @ input_kernel + bias
        gates = jax.nn.sigmoid(projected[..., : 2 * u] + carry @ recurrent_kernel[:, : 2 * u])
        update, reset = gates[..., :u], gates[..., u:]
        candidate = jnp.tanh(
            projected[..., 2 * u :] + (reset * carry) @ recurrent_kernel[:, 2 * u :]
        )
        hidden = update * carry + (1.0 - update) * candidate
        return hidden, hidden

    @nn.nowrap
    def initialize_carry(self, rng: jax.Array, input_shape: tuple[int, ...]) -> jax.Array:
        """Zeros ``[*batch, u]`` for inputs of shape ``[*batch, n]``."""
        return self.carry_init(rng, (*input_shape[:-1], self.features), jnp.float32)

    @property
    def num_feature_axes(self) -> int:
        return 1


def make_cell(kind: str, features: int, **names) -> nn.RNNCellBase:
    """A recurrent cell of ``kind``: ``"lstm"`` (Flax's fused LSTM), ``"gru"`` (the book's
    reset-before GRU) or ``"flax_gru"`` (Flax's reset-after ``GRUCell``)."""
    cells = {"lstm": nn.OptimizedLSTMCell, "gru": ResetBeforeGRUCell, "flax_gru": nn.GRUCell}
    if kind not in cells:
        raise ValueError(f"cell={kind!r}; pass one of {CELL_KINDS}")
    return cells[kind](features, **names)


def carry_output(kind: str, carry) -> jax.Array:
    """The hidden state ``h`` of a cell's carry (an LSTM's carry is ``(c, h)``)."""
    return carry[1] if kind == "lstm" else carry
