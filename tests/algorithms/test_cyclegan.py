"""CycleGAN pieces: both history pools with a fixed key, the generator terms for identity
generators, the learning-rate decay."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.algorithms.cyclegan import (
    book_pool_query,
    cyclegan_adam,
    cyclegan_generator_losses,
    empty_pool,
    paper_pool_query,
)


def _fakes(values):
    return jnp.asarray(values, jnp.float32)[:, None, None, None] * jnp.ones((1, 2, 2, 1))


def _ids(images):
    return np.asarray(images)[:, 0, 0, 0].astype(int).tolist()


def test_book_pool_writes_a_ring_and_draws_distinct_stored_images():
    pool = empty_pool(5, (2, 2, 1))
    pool, chosen = book_pool_query(pool, _fakes([1, 2, 3]), jnp.int32(0), key=jax.random.key(0))
    assert int(pool.filled) == 3 and _ids(pool.images) == [1, 2, 3, 0, 0]
    assert sorted(_ids(chosen)) == [1, 2, 3]  # all of them: the newest fakes are candidates
    pool, chosen = book_pool_query(pool, _fakes([4, 5, 6]), jnp.int32(1), key=jax.random.key(1))
    assert int(pool.filled) == 5 and _ids(pool.images) == [6, 2, 3, 4, 5]  # 3, 4, 5 mod 5
    ids = _ids(chosen)
    assert len(set(ids)) == 3 and set(ids) <= {6, 2, 3, 4, 5}
    repeat = book_pool_query(pool, _fakes([7, 8, 9]), jnp.int32(2), key=jax.random.key(2))
    assert _ids(repeat[1]) == _ids(
        book_pool_query(pool, _fakes([7, 8, 9]), jnp.int32(2), key=jax.random.key(2))[1]
    )


def test_paper_pool_fills_then_swaps_half_the_time():
    pool = empty_pool(4, (2, 2, 1))
    pool, chosen = paper_pool_query(pool, _fakes([1, 2, 3]), key=jax.random.key(0))
    assert _ids(chosen) == [1, 2, 3] and int(pool.filled) == 3  # filling: pass through
    pool, chosen = paper_pool_query(pool, _fakes([4]), key=jax.random.key(1))
    assert _ids(chosen) == [4] and _ids(pool.images) == [1, 2, 3, 4]
    query = jax.jit(paper_pool_query)  # one compilation for the 100 queries below
    swaps, stored = 0, _ids(pool.images)
    for step in range(100):
        fakes = [100 + 4 * step + i for i in range(4)]
        pool, chosen = query(pool, _fakes(fakes), key=jax.random.key(10 + step))
        for fake, out in zip(fakes, _ids(chosen), strict=True):
            if out != fake:  # swapped: the output was stored, the fake took its place
                swaps += 1
                assert out in stored
                stored = [fake if s == out else s for s in stored]
        assert sorted(stored) == sorted(_ids(pool.images))
    assert abs(swaps / 400 - 0.5) < 4 * 0.025  # Binomial(400, 1/2), four sigma


def test_identity_generators_have_zero_cycle_and_identity_terms():
    real_a, real_b = (
        jnp.asarray(np.random.default_rng(i).normal(size=(2, 4, 4, 3))) for i in (0, 1)
    )
    terms = cyclegan_generator_losses(
        lambda x: x, lambda x: x, jnp.ones_like, jnp.ones_like, real_a, real_b
    )
    assert float(terms["cycle_loss"]) == 0 and float(terms["identity_loss"]) == 0
    assert float(terms["validity_loss"]) == 0
    shifted = cyclegan_generator_losses(
        lambda x: x + 0.5, lambda x: x - 0.5, jnp.zeros_like, jnp.zeros_like, real_a, real_b
    )
    np.testing.assert_allclose(shifted["cycle_loss"], 0.0, atol=1e-6)
    np.testing.assert_allclose(shifted["identity_loss"], 1.0, rtol=1e-6)
    np.testing.assert_allclose(shifted["validity_loss"], 2.0, rtol=1e-6)


def test_learning_rate_is_constant_then_falls_linearly_to_zero():
    tx = cyclegan_adam(1.0, constant_steps=2, decay_steps=4)
    params = jnp.zeros(())
    state = tx.init(params)
    sizes = []
    for _ in range(7):
        with jax.numpy_dtype_promotion("standard"):
            updates, state = tx.update(jnp.ones(()), state, params)
        sizes.append(-float(updates))
    # Adam's normalised step is 1 for a constant gradient, so the step is the rate.
    np.testing.assert_allclose(sizes, [1, 1, 1, 0.75, 0.5, 0.25, 0], atol=1e-5)
    with pytest.raises(ValueError, match="both"):
        cyclegan_adam(constant_steps=3)
