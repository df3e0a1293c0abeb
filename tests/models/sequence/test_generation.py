"""The jitted window sampler: temperature (argmax at 0, p ** (1 / T), a chi-squared check at
T = 1), the stop token, and the table of the most likely next tokens."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from gen_jax.models.sequence import generate_from_window, most_likely_next_tokens

PROBABILITIES = np.asarray([0.05, 0.1, 0.15, 0.3, 0.4])


class FixedDistribution(nn.Module):
    """Next-token logits log p whatever the window."""

    @nn.compact
    def __call__(self, tokens):
        log_p = self.param("log_p", lambda key: jnp.log(jnp.asarray(PROBABILITIES, jnp.float32)))
        return jnp.broadcast_to(log_p, (tokens.shape[0], log_p.shape[0]))


class Counter(nn.Module):
    """Certain that the next token is the last one plus 1 (mod 6)."""

    @nn.compact
    def __call__(self, tokens):
        scale = self.param("scale", lambda key: jnp.asarray(50.0))
        return scale * jax.nn.one_hot((tokens[:, -1] + 1) % 6, 6)


def _draw_histogram(temperature, num_draws=100_000):
    model = FixedDistribution()
    params = model.init(jax.random.key(0), jnp.zeros((1, 2), jnp.int32))["params"]
    tokens, _ = generate_from_window(
        model,
        params,
        jnp.zeros((num_draws, 2), jnp.int32),
        key=jax.random.key(1),
        num_new_tokens=1,
        temperature=temperature,
    )
    return np.bincount(np.asarray(tokens[:, 0]), minlength=PROBABILITIES.size)


def test_temperature_zero_takes_the_most_likely_token():
    assert _draw_histogram(0.0, num_draws=50)[-1] == 50


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_samples_follow_p_to_the_power_one_over_temperature(temperature):
    counts = _draw_histogram(temperature)
    expected = PROBABILITIES ** (1.0 / temperature)
    expected = expected / expected.sum() * counts.sum()
    assert stats.chisquare(counts, expected).pvalue > 0.01


def test_generation_continues_the_buffer_and_stops_before_the_stop_token():
    model = Counter()
    params = model.init(jax.random.key(0), jnp.zeros((1, 3), jnp.int32))["params"]
    window = jnp.asarray([[5, 0, 1], [1, 1, 3]], jnp.int32)
    tokens, lengths = generate_from_window(
        model,
        params,
        window,
        key=jax.random.key(2),
        num_new_tokens=5,
        temperature=0.0,
        stop_token=5,
    )
    np.testing.assert_array_equal(tokens, [[2, 3, 4, 0, 0], [4, 0, 0, 0, 0]])
    np.testing.assert_array_equal(lengths, [3, 1])


def test_most_likely_next_tokens_are_sorted_with_their_probabilities():
    model = FixedDistribution()
    params = model.init(jax.random.key(0), jnp.zeros((1, 2), jnp.int32))["params"]
    ids, probabilities = most_likely_next_tokens(
        model, params, jnp.zeros(2, jnp.int32), num_tokens=3
    )
    np.testing.assert_array_equal(ids, [4, 3, 2])
    np.testing.assert_allclose(probabilities, [0.4, 0.3, 0.15], rtol=1e-5)
