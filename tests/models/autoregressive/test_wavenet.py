"""WaveNet: causality, normalisation, cached generation equal to naive generation; signals."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.data.signals import (
    autoregressive_signals,
    mu_law_decode,
    mu_law_encode,
    signal_dataset,
    sum_of_sines,
)
from gen_jax.models.autoregressive.wavenet import (
    WaveNet,
    wavenet_log_prob,
    wavenet_sample_fast,
    wavenet_sample_naive,
)

MODEL = WaveNet(num_levels=5, residual_channels=4, skip_channels=8, dilations=(1, 2, 4, 1, 2))


def _params(model, length=8, condition=None):
    x = jnp.zeros((1, length), jnp.int32)
    return model.init(jax.random.key(0), x, condition)["params"]


def test_logits_at_t_ignore_inputs_at_t_and_later():
    params = _params(MODEL)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, (1, 12))
    apply = jax.jit(lambda v: MODEL.apply({"params": params}, v))
    logits = apply(jnp.asarray(x))
    for t in range(12):
        changed = x.copy()
        changed[:, t:] = rng.integers(0, 5, (1, 12 - t))
        changed_logits = apply(jnp.asarray(changed))
        np.testing.assert_array_equal(changed_logits[:, : t + 1], logits[:, : t + 1])
        if t + 1 < 12 and changed[0, t] != x[0, t]:
            assert not np.allclose(changed_logits[:, t + 1], logits[:, t + 1])


def test_probabilities_sum_to_one_over_all_short_sequences():
    model = WaveNet(num_levels=3, residual_channels=4, skip_channels=4, dilations=(1, 2))
    sequences = jnp.asarray(list(itertools.product(range(3), repeat=4)), jnp.int32)
    condition = jnp.tile(jnp.asarray([[0.5, -1.0]]), (sequences.shape[0], 1))
    params = _params(model, 4, condition[:1])
    log_p = wavenet_log_prob(model, params, sequences, condition)
    np.testing.assert_allclose(jnp.sum(jnp.exp(log_p)), 1.0, rtol=1e-5)


@pytest.mark.parametrize("conditioning", ["global", "local"])
def test_cached_generation_equals_naive_generation(conditioning):
    model = WaveNet(
        num_levels=6, residual_channels=4, skip_channels=8, dilations=(1, 2, 4), kernel_size=3
    )
    length, num = 20, 3
    key = jax.random.key(7)
    shape = (num, 2) if conditioning == "global" else (num, length, 2)
    condition = jax.random.normal(jax.random.key(1), shape)
    params = _params(model, length, condition[:1])
    naive = wavenet_sample_naive(model, params, length, num, key=key, condition=condition)
    fast = wavenet_sample_fast(model, params, length, num, key=key, condition=condition)
    np.testing.assert_array_equal(naive, fast)
    assert len(np.unique(np.asarray(fast))) > 1
    # the step's logits are the full pass's logits under teacher forcing
    queues = model.init_queues(num)
    full = model.apply({"params": params}, fast, condition)
    previous = jnp.zeros((num,), jnp.int32)
    step = jax.jit(lambda *args: model.apply({"params": params}, *args, method=model.step))
    for t in range(length):
        step_condition = condition if conditioning == "global" else condition[:, t]
        logits, queues = step(previous, jnp.int32(t), queues, step_condition)
        np.testing.assert_allclose(logits, full[:, t], rtol=1e-5, atol=1e-5)
        previous = fast[:, t]


def test_bad_condition_shape_is_rejected():
    params = _params(MODEL)
    with pytest.raises(ValueError, match="condition"):
        MODEL.apply({"params": params}, jnp.zeros((2, 8), jnp.int32), jnp.zeros((2, 3, 1)))


def test_mu_law_round_trip_and_companding():
    x = np.linspace(-1.0, 1.0, 1001)
    levels = mu_law_encode(x)
    assert levels.dtype == np.int32 and levels.min() == 0 and levels.max() == 255
    assert np.all(np.diff(levels) >= 0)
    decoded = mu_law_decode(levels)
    # quantisation error is small near zero (fine steps) and bounded everywhere
    assert np.abs(decoded - x).max() < 0.03
    assert np.abs(decoded - x)[np.abs(x) < 0.01].max() < 2e-4
    assert mu_law_encode(0.0) == 128 and mu_law_encode(5.0) == 255
    with pytest.raises(ValueError, match="levels"):
        mu_law_decode(np.array([256]))


def test_generated_signals():
    sines = sum_of_sines(4, 100, seed=1)
    ar = autoregressive_signals(4, 100, seed=1)
    assert sines.shape == ar.shape == (4, 100)
    assert np.abs(sines).max() <= 1.0 and np.isclose(np.abs(ar).max(), 0.9)
    np.testing.assert_array_equal(sines, sum_of_sines(4, 100, seed=1))
    # AR(2) with a1 = 1.8, a2 = -0.9: strong positive lag-1 correlation
    lag1 = np.mean([np.corrcoef(path[:-1], path[1:])[0, 1] for path in ar])
    assert lag1 > 0.8
    with pytest.raises(ValueError, match="stationary"):
        autoregressive_signals(2, 10, coefficients=(1.0, 0.5))
    data = signal_dataset(3, 16, mu=15)
    assert data["signal"].shape == (6, 16) and data["signal"].max() <= 15
    assert sorted(data["label"].tolist()) == [0, 0, 0, 1, 1, 1]
