"""Recurrent language models: the book's parameter counts, one LSTM and one GRU step against
NumPy implementations of the equations (and PyTorch's LSTM), and length masks."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.sequence import RecurrentLanguageModel, ResetBeforeGRUCell, make_cell

BOOK_VOCABULARY = 4169


def _count(model) -> int:
    shapes = jax.eval_shape(model.init, jax.random.key(0), jnp.zeros((1, 20), jnp.int32))
    return sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(shapes))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, 1_853_901),
        ({"num_layers": 2}, 2_379_213),
        ({"cell": "gru"}, 1_762_509),
        ({"cell": "flax_gru"}, 1_762_765),
        ({"bidirectional": True}, 3_286_733),
    ],
)
def test_parameter_counts_equal_the_books_keras_models(options, expected):
    assert _count(RecurrentLanguageModel(BOOK_VOCABULARY, **options)) == expected


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _numpy_lstm_step(p, c, h, x):
    def gate(name, activation):
        return activation(
            x @ p["i" + name]["kernel"] + h @ p["h" + name]["kernel"] + p["h" + name]["bias"]
        )

    f, i, o = gate("f", _sigmoid), gate("i", _sigmoid), gate("o", _sigmoid)
    candidate = gate("g", np.tanh)
    c = f * c + i * candidate
    return c, o * np.tanh(c)


def _numpy_gru_step(p, h, x):
    u = h.shape[-1]
    w, r_kernel, b = p["input_kernel"], p["recurrent_kernel"], p["bias"]
    z = _sigmoid(x @ w[:, :u] + h @ r_kernel[:, :u] + b[:u])
    r = _sigmoid(x @ w[:, u : 2 * u] + h @ r_kernel[:, u : 2 * u] + b[u : 2 * u])
    candidate = np.tanh(x @ w[:, 2 * u :] + (r * h) @ r_kernel[:, 2 * u :] + b[2 * u :])
    return z * h + (1 - z) * candidate


def _random_state(cell_kind, rng, batch=3, units=5, inputs=4):
    cell = make_cell(cell_kind, units)
    x = rng.normal(size=(batch, inputs)).astype(np.float32)
    h = rng.normal(size=(batch, units)).astype(np.float32)
    c = rng.normal(size=(batch, units)).astype(np.float32)
    carry = (jnp.asarray(c), jnp.asarray(h)) if cell_kind == "lstm" else jnp.asarray(h)
    params = cell.init(jax.random.key(1), carry, jnp.asarray(x))["params"]
    params = jax.tree.map(lambda leaf: leaf + 0.1 * rng.normal(size=leaf.shape), params)
    params = jax.tree.map(lambda leaf: np.asarray(leaf, np.float32), params)
    return cell, params, carry, x, h, c


def test_lstm_step_equals_the_six_equations_in_numpy():
    cell, params, carry, x, h, c = _random_state("lstm", np.random.default_rng(0))
    (new_c, new_h), output = cell.apply({"params": params}, carry, jnp.asarray(x))
    expected_c, expected_h = _numpy_lstm_step(params, c, h, x)
    np.testing.assert_allclose(new_c, expected_c, atol=1e-6)
    np.testing.assert_allclose(new_h, expected_h, atol=1e-6)
    np.testing.assert_allclose(output, expected_h, atol=1e-6)


def test_reset_before_gru_step_equals_the_equations_in_numpy():
    cell, params, carry, x, h, _ = _random_state("gru", np.random.default_rng(1))
    assert isinstance(cell, ResetBeforeGRUCell)
    new_h, output = cell.apply({"params": params}, carry, jnp.asarray(x))
    np.testing.assert_allclose(new_h, _numpy_gru_step(params, h, x), atol=1e-6)
    np.testing.assert_array_equal(new_h, output)


def test_lstm_over_a_sequence_equals_torch_lstm_with_copied_weights():
    torch = pytest.importorskip("torch")
    cell, params, _, _, _, _ = _random_state("lstm", np.random.default_rng(2))
    inputs = np.random.default_rng(3).normal(size=(3, 6, 4)).astype(np.float32)
    import flax.linen as nn

    outputs = nn.RNN(cell).apply({"params": {"cell": params}}, jnp.asarray(inputs))
    gates = "ifgo"  # PyTorch's order
    reference = torch.nn.LSTM(4, 5, batch_first=True)
    with torch.no_grad():
        reference.weight_ih_l0.copy_(
            torch.tensor(np.concatenate([params["i" + g]["kernel"] for g in gates], 1).T)
        )
        reference.weight_hh_l0.copy_(
            torch.tensor(np.concatenate([params["h" + g]["kernel"] for g in gates], 1).T)
        )
        reference.bias_ih_l0.copy_(
            torch.tensor(np.concatenate([params["h" + g]["bias"] for g in gates]))
        )
        reference.bias_hh_l0.zero_()
        expected, _ = reference(torch.tensor(inputs))
    np.testing.assert_allclose(outputs, expected.numpy(), atol=1e-5)


@pytest.mark.parametrize("options", [{"cell": "gru", "num_layers": 2}, {"bidirectional": True}])
def test_tokens_after_a_length_change_no_prediction(options):
    model = RecurrentLanguageModel(11, embedding_size=4, hidden_size=6, **options)
    rng = np.random.default_rng(4)
    tokens = rng.integers(1, 11, (3, 7)).astype(np.int32)
    lengths = np.asarray([7, 4, 2], np.int32)
    params = model.init(jax.random.key(0), tokens, lengths)["params"]
    changed = np.where(np.arange(7) < lengths[:, None], tokens, rng.integers(1, 11, (3, 7)))
    apply = jax.jit(lambda tokens, lengths: model.apply({"params": params}, tokens, lengths))
    logits = apply(tokens, lengths)
    np.testing.assert_allclose(apply(changed.astype(np.int32), lengths), logits, atol=1e-6)
    short_row_alone = np.zeros_like(tokens[:1])
    short_row_alone[0, :4] = tokens[1, :4]
    np.testing.assert_allclose(logits[1:2], apply(short_row_alone, lengths[1:2]), atol=1e-6)


def test_sequence_logits_end_with_the_window_prediction():
    model = RecurrentLanguageModel(11, embedding_size=4, hidden_size=6)
    tokens = np.random.default_rng(5).integers(0, 11, (2, 5)).astype(np.int32)
    params = model.init(jax.random.key(0), tokens)["params"]
    every = model.apply({"params": params}, tokens, method=RecurrentLanguageModel.sequence_logits)
    np.testing.assert_allclose(every[:, -1], model.apply({"params": params}, tokens), atol=1e-6)
    with pytest.raises(ValueError, match="one-directional"):
        RecurrentLanguageModel(11, bidirectional=True).apply(
            {"params": {}}, tokens, method=RecurrentLanguageModel.sequence_logits
        )
