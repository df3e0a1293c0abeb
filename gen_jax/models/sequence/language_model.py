r"""The book's recurrent word-level language models (Foster 2019, Listings 6.3 and 6.5).

``Embedding(V, 100) -> LSTM(256) -> [Dropout] -> Dense(V, softmax)``: a window of tokens
in, the distribution of the next token out,

.. math::
    p_\theta(w_{t+1} \mid w_{t-19..t}) = \mathrm{softmax}(W h_t + b),

with :math:`h_t` the last hidden state of the recurrence over the window. Variants by
keyword: ``num_layers=2`` (stacked LSTMs), ``cell="gru"`` (the book's reset-before GRU) or
``"flax_gru"``, and ``bidirectional=True`` (the forward and backward final states
concatenated). Parameter counts at a 4,169-token vocabulary, equal to Keras':

============================  ===========
model                         parameters
============================  ===========
LSTM(256)                     1,853,901
2 x LSTM(256)                 2,379,213
GRU(256), reset before        1,762,509
GRU(256), Flax ``GRUCell``    1,762,765
Bidirectional(LSTM(256))      3,286,733
============================  ===========

Recurrences run as ``lax.scan`` through ``nn.RNN``; ``lengths`` masks right padding, so a
padded position changes neither the carry nor any output at a valid position.

References:
    Hochreiter & Schmidhuber (1997), Long Short-Term Memory, Neural Computation 9(8).
    Cho et al. (2014), arXiv:1406.1078 (the GRU).
    Foster (2019), Generative Deep Learning, ch. 6.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.sequence.cells import carry_output, make_cell

__all__ = ["RecurrentLanguageModel"]


class RecurrentLanguageModel(nn.Module):
    """Embedding, one or more recurrent layers and a softmax over the vocabulary.

    Attributes:
        vocab_size: ``V``, id 0 included.
        embedding_size: width of the token embedding (100 in the book).
        hidden_size: units of each recurrent layer (256).
        cell: ``"lstm"``, ``"gru"`` (reset before, the book's) or ``"flax_gru"``.
        num_layers: stacked recurrent layers; all but the last return every state.
        bidirectional: run each layer forwards and backwards and concatenate; such a
            model only predicts after a whole window (it sees the window's end).
        dropout_rate: dropout before the output layer (0.2 in the book, 0 in its notebook).
    """

    vocab_size: int
    embedding_size: int = 100
    hidden_size: int = 256
    cell: str = "lstm"
    num_layers: int = 1
    bidirectional: bool = False
    dropout_rate: float = 0.0

    def setup(self) -> None:
        if self.num_layers < 1:
            raise ValueError(f"num_layers={self.num_layers}; pass at least 1")
        self.embedding = nn.Embed(self.vocab_size, self.embedding_size)
        layers = []
        for _ in range(self.num_layers):
            if self.bidirectional:
                layers.append(
                    nn.Bidirectional(
                        nn.RNN(make_cell(self.cell, self.hidden_size)),
                        nn.RNN(make_cell(self.cell, self.hidden_size)),
                    )
                )
            else:
                layers.append(nn.RNN(make_cell(self.cell, self.hidden_size)))
        self.recurrent_layers = layers
        self.dropout = nn.Dropout(self.dropout_rate)
        self.output_layer = nn.Dense(self.vocab_size)

    def encode(self, tokens: jax.Array, lengths: jax.Array | None = None):
        """Top-layer states ``[B, T, H]`` and the final state ``[B, H]`` (``H`` = hidden
        size, doubled when bidirectional), for int ``tokens [B, T]`` right-padded to
        ``lengths [B]`` (all ``T`` when ``None``)."""
        states = self.embedding(tokens)
        for layer in self.recurrent_layers[:-1]:
            states = layer(states, seq_lengths=lengths)
        carry, states = self.recurrent_layers[-1](states, seq_lengths=lengths, return_carry=True)
        if self.bidirectional:
            forward, backward = carry
            final = jnp.concatenate(
                [carry_output(self.cell, forward), carry_output(self.cell, backward)], axis=-1
            )
        else:
            final = carry_output(self.cell, carry)
        return states, final

    def __call__(
        self, tokens: jax.Array, lengths: jax.Array | None = None, *, deterministic: bool = True
    ) -> jax.Array:
        """Logits ``[B, V]`` of the token after each window ``tokens [B, T]`` (of ``lengths``).

        ``deterministic=False`` applies dropout (needs a ``"dropout"`` rng)."""
        _, final = self.encode(tokens, lengths)
        return self.output_layer(self.dropout(final, deterministic=deterministic))

    def sequence_logits(
        self, tokens: jax.Array, lengths: jax.Array | None = None, *, deterministic: bool = True
    ) -> jax.Array:
        """Logits ``[B, T, V]`` of the next token after every prefix ``tokens[:, :t + 1]``
        (one-directional models only): every position of a window trains at once."""
        if self.bidirectional:
            raise ValueError(
                "sequence_logits needs a one-directional model: a bidirectional state at "
                "position t has read the tokens after t"
            )
        states, _ = self.encode(tokens, lengths)
        return self.output_layer(self.dropout(states, deterministic=deterministic))
