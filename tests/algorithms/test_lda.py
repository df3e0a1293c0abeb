"""The online-VB and collapsed-Gibbs Steps: one compile, 8 devices equal 1, exact counts."""

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse

from gen_jax.algorithms.lda import make_gibbs_step, make_online_lda_step
from gen_jax.core.sharding import batch_sharding, make_mesh, shard_batch
from gen_jax.core.step import compile_init, compile_step
from gen_jax.estimators.lda_input import padded_documents, padded_tokens
from gen_jax.models.lda.gibbs import count_assignments
from gen_jax.models.lda.vb import LDAVariationalEM, initial_topic_word
from tests.estimators.test_lda import K, V, synthetic_corpus

COUNTS = scipy.sparse.csr_matrix(synthetic_corpus(16, 20)[0].astype(np.float64))


def _run(step, batch, num_devices, calls=2):
    mesh = make_mesh(num_devices)
    state = compile_init(step.init, mesh=mesh)(jax.random.key(0), batch)
    update = compile_step(step.update, mesh=mesh)
    placed = shard_batch(batch, batch_sharding(mesh))
    for call in range(calls):
        state, metrics = update(state, placed, jax.random.key(call))
    assert update._cache_size() == 1
    assert all(np.isfinite(value) for value in jax.device_get(metrics).values())
    return jax.device_get(state), jax.device_get(metrics)


def test_online_step_on_eight_devices_equals_one():
    counts, word_ids = padded_documents(COUNTS, np.float32)
    batch = {"counts": counts, "word_ids": word_ids}
    model = LDAVariationalEM(0.3, 0.05)
    step = make_online_lda_step(
        model, lambda key, docs: initial_topic_word(key, K, V), num_documents=64
    )
    one, metrics = _run(step, batch, 1)
    eight, _ = _run(step, batch, 8)
    np.testing.assert_allclose(eight.params.topic_word, one.params.topic_word, rtol=1e-5)
    assert metrics["step_size"] == np.float32((10.0 + 2) ** -0.7)


def test_gibbs_step_keeps_exact_counts_and_shards():
    tokens, mask = padded_tokens(COUNTS)
    batch = {"tokens": tokens, "mask": mask}
    step = make_gibbs_step(num_topics=K, num_words=V, doc_topic_prior=0.3, topic_word_prior=0.05)
    one, _ = _run(step, batch, 1)
    eight, _ = _run(step, batch, 8)
    np.testing.assert_array_equal(eight.topics, one.topics)
    doc_topic, topic_word = count_assignments(
        jnp.asarray(one.topics), jnp.asarray(tokens), jnp.asarray(mask), K, V
    )
    np.testing.assert_array_equal(one.doc_topic, doc_topic)
    np.testing.assert_array_equal(one.topic_word, topic_word)
    np.testing.assert_array_equal(one.doc_topic.sum(1), mask.sum(1))
