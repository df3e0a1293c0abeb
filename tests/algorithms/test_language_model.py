"""The language-model objective: padded positions change nothing and cost nothing, the
book's last-token objective, and a tiny LSTM beating the bigram baseline measured here."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.language_model import language_model_objective, make_language_model_step
from gen_jax.models.sequence import RecurrentLanguageModel, ngram_cross_entropy

KEY = jax.random.key(0)


@pytest.fixture(scope="module")
def model_and_params():
    model = RecurrentLanguageModel(9, embedding_size=4, hidden_size=8)
    return model, model.init(KEY, jnp.zeros((1, 6), jnp.int32))["params"]


def test_padded_positions_change_nothing_and_cost_nothing(model_and_params):
    model, params = model_and_params
    rng = np.random.default_rng(0)
    rows = [rng.integers(1, 9, 7).astype(np.int32), rng.integers(1, 9, 4).astype(np.int32)]
    padded = np.zeros((2, 7), np.int32)
    padded[0], padded[1, :4] = rows[0], rows[1]
    garbage = padded.copy()
    garbage[1, 4:] = rng.integers(1, 9, 3)
    length = np.asarray([7, 4], np.int32)

    @jax.jit
    def loss(batch):
        return language_model_objective(model, params, batch, KEY, predict_every_position=True)[0]

    padded_loss = loss({"tokens": padded, "length": length})
    assert loss({"tokens": garbage, "length": length}) == pytest.approx(
        float(padded_loss), abs=1e-7
    )
    separate = [loss({"tokens": row[None]}) for row in rows]
    expected = (6 * separate[0] + 3 * separate[1]) / 9
    assert float(padded_loss) == pytest.approx(float(expected), rel=1e-6)
    last = language_model_objective(model, params, {"tokens": padded, "length": length}, KEY)[0]
    last_of_short_row = model.apply({"params": params}, rows[1][None, :3])
    last_of_long_row = model.apply({"params": params}, rows[0][None, :6])
    logits = jnp.concatenate([last_of_long_row, last_of_short_row])
    targets = jnp.asarray([rows[0][6], rows[1][3]])
    expected_last = optax.softmax_cross_entropy_with_integer_labels(logits, targets).mean()
    assert float(last) == pytest.approx(float(expected_last), rel=1e-6)


def test_a_tiny_lstm_beats_the_bigram_baseline():
    """Period-4 stream 1 2 1 3: after a 1 the bigram cannot tell 2 from 3, the LSTM can."""
    stream = np.tile(np.asarray([1, 2, 1, 3], np.int32), 200)
    stream[np.random.default_rng(1).random(stream.size) < 0.05] = 4
    train, held_out = stream[:600], stream[600:]
    bigram = ngram_cross_entropy(train, held_out, 5)["bigram"]
    model = RecurrentLanguageModel(5, embedding_size=4, hidden_size=16)
    step = make_language_model_step(model, optax.adam(2e-2), predict_every_position=True)
    windows = np.lib.stride_tricks.sliding_window_view(train, 9)
    state = step.init(KEY, {"tokens": windows[:32]})
    update = jax.jit(step.update)
    rng = np.random.default_rng(2)
    for _ in range(80):
        state, _ = update(state, {"tokens": windows[rng.integers(0, len(windows), 32)]}, KEY)
    held_windows = np.lib.stride_tricks.sliding_window_view(held_out, 9)
    held = language_model_objective(
        model, state.params, {"tokens": held_windows}, KEY, predict_every_position=True
    )[0]
    assert float(held) < bigram - 0.2, (float(held), bigram)
