"""LDA: variational Bayes against scikit-learn, synthetic recovery, Gibbs, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse
from scipy.optimize import linear_sum_assignment
from scipy.special import psi
from sklearn.decomposition import LatentDirichletAllocation as SklearnLDA
from sklearn.exceptions import NotFittedError

from gen_jax.core.sharding import make_mesh, pad_and_shard
from gen_jax.estimators.lda import LatentDirichletAllocation
from gen_jax.estimators.lda_input import padded_documents
from gen_jax.models.lda.coherence import umass_coherence
from gen_jax.models.lda.vb import Documents, LDAParams, LDAVariationalEM

K, V = 3, 24


def synthetic_corpus(num_documents=150, words_per_document=60, seed=0):
    """Counts from LDA with three block topics over 24 words; returns (counts, topics)."""
    rng = np.random.default_rng(seed)
    blocks = np.kron(np.eye(K), np.ones((1, V // K)))
    topics = 0.9 * blocks / blocks.sum(1, keepdims=True) + 0.1 / V
    mixtures = rng.dirichlet(np.full(K, 0.3), num_documents)
    counts = np.stack([rng.multinomial(words_per_document, m @ topics) for m in mixtures])
    return counts, topics


def topic_error(estimated, true):
    """Largest total-variation distance between matched topics (Hungarian assignment)."""
    distance = 0.5 * np.abs(estimated[:, None, :] - true[None, :, :]).sum(-1)
    rows, columns = linear_sum_assignment(distance)
    return distance[rows, columns].max()


# Every fit below uses these settings, so that one compiled fit (and one compiled held-out
# inference) per method serves all the tests that look at a fitted model.
ALPHA, ETA, NUM_PASSES, BATCH_SIZE = 0.3, 0.05, 30, 40


@pytest.fixture(scope="module")
def corpus():
    counts, topics = synthetic_corpus()
    return counts[:120], counts[120:], topics


def sklearn_init(seed=0, num_words=V):
    return np.random.RandomState(seed).gamma(100.0, 0.01, (K, num_words))


def fit_both(train, method):
    """gen_jax and scikit-learn fitted from the same initial topics with the same settings."""
    settings = dict(doc_topic_prior=ALPHA, topic_word_prior=ETA, max_iter=NUM_PASSES)
    settings.update(batch_size=BATCH_SIZE)
    peer = SklearnLDA(K, learning_method=method, random_state=0, **settings).fit(train)
    ours = LatentDirichletAllocation(K, method=method, components_init=sklearn_init(), **settings)
    return ours.fit(train), peer


@pytest.fixture(scope="module")
def fitted(corpus):
    """method -> (gen_jax fit, scikit-learn fit) on the training documents."""
    train = corpus[0]
    return {method: fit_both(train, method) for method in ("batch", "online")}


def test_e_step_and_bound_match_sklearn(corpus, x64):
    train = corpus[0].astype(np.float64)
    init = sklearn_init()
    tolerances = dict(mean_change_tol=1e-7, max_doc_update_iter=300)
    peer = SklearnLDA(K, max_iter=1, random_state=0, **tolerances).fit(train)
    peer.components_ = init
    peer.exp_dirichlet_component_ = np.exp(psi(init) - psi(init.sum(1, keepdims=True)))
    gamma_peer, stats_peer = peer._e_step(train, cal_sstats=True, random_init=False)
    model = LDAVariationalEM(1.0 / K, 1.0 / K, **tolerances)
    dtype = jnp.result_type(float)
    counts, word_ids = padded_documents(scipy.sparse.csr_matrix(train), dtype)
    docs = Documents(counts=jnp.asarray(counts), word_ids=jnp.asarray(word_ids))
    params = LDAParams(topic_word=jnp.asarray(init, dtype))
    stats, bound = jax.jit(model.e_step)(params, docs, jnp.ones(len(train), dtype))
    gamma = jax.jit(model.infer)(params, docs)
    # scikit-learn approximates digamma; float32 leaves slow documents short of convergence.
    rtol, atol = (1e-6, 0.0) if x64 else (1e-3, 1e-2)
    np.testing.assert_allclose(gamma, gamma_peer, rtol=rtol, atol=atol)
    np.testing.assert_allclose(stats, stats_peer, rtol=rtol, atol=atol)
    peer_bound = peer._approx_bound(train, gamma_peer, sub_sampling=False)
    np.testing.assert_allclose(np.sum(np.asarray(bound, np.float64)), peer_bound, rtol=rtol)


def test_batch_bound_never_decreases(corpus):
    train = corpus[0][:60]
    with jax.enable_x64(True):
        lda = LatentDirichletAllocation(
            K, max_iter=12, mean_change_tol=1e-10, max_doc_update_iter=1000
        ).fit(train)
        history = lda.bound_history_
    assert len(history) == 12 and np.isfinite(history).all()
    assert np.all(np.diff(history) >= -1e-9 * np.abs(history[1:]))
    assert history[-1] > history[0] + 1.0


@pytest.mark.parametrize("method", ["batch", "online", "gibbs"])
def test_recovers_synthetic_topics(corpus, fitted, method):
    train, _, topics = corpus
    if method == "gibbs":
        lda = LatentDirichletAllocation(
            K, doc_topic_prior=ALPHA, topic_word_prior=ETA, method="gibbs", max_iter=60
        ).fit(train, key=jax.random.key(1))
    else:
        lda = fitted[method][0]
    assert topic_error(lda.topic_word_, topics) < 0.12
    mixtures = lda.transform(train)
    np.testing.assert_allclose(mixtures.sum(1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("method", ["batch", "online"])
def test_held_out_perplexity_matches_sklearn(corpus, fitted, method):
    test = corpus[1]
    ours, peer = fitted[method]
    assert ours.perplexity(test) == pytest.approx(peer.perplexity(test), rel=0.03)
    assert ours.score(test) == pytest.approx(peer.score(test), rel=0.03)
    # Without the corpus-level term: exp(-(per-document bound terms) / words), where
    # scikit-learn's bound of no documents is its corpus-level term alone.
    test = test.astype(np.float64)
    gamma = peer._unnormalized_transform(test)
    document_terms = peer._approx_bound(test, gamma, sub_sampling=False)
    document_terms -= peer._approx_bound(test[:0], gamma[:0], sub_sampling=False)
    expected = np.exp(-document_terms / test.sum())
    assert ours.perplexity(test, corpus_term=False) == pytest.approx(expected, rel=0.03)


def test_eight_devices_equal_one_for_the_e_step(corpus):
    train, _, _ = corpus
    dtype = jnp.result_type(float)
    counts, word_ids = padded_documents(scipy.sparse.csr_matrix(train.astype(float)), dtype)
    model = LDAVariationalEM(0.3, 0.05)
    params = LDAParams(topic_word=jnp.asarray(sklearn_init(), dtype))

    def on(num_devices):
        mesh = make_mesh(num_devices)
        weights = np.ones(len(train), dtype)
        sharded_counts, sharded_weights = pad_and_shard(counts, weights, mesh)
        sharded_ids, _ = pad_and_shard(word_ids, weights, mesh)
        docs = Documents(counts=sharded_counts, word_ids=sharded_ids)
        stats, bound = jax.jit(model.e_step)(params, docs, sharded_weights)
        return np.asarray(stats), float(jnp.sum(bound * sharded_weights))

    stats_one, bound_one = on(1)
    stats_eight, bound_eight = on(8)
    np.testing.assert_allclose(stats_eight, stats_one, rtol=1e-5)
    assert bound_eight == pytest.approx(bound_one, rel=1e-5)


def test_partial_fit_continues_the_schedule(corpus):
    train, test, _ = corpus
    lda = LatentDirichletAllocation(
        K,
        doc_topic_prior=ALPHA,
        topic_word_prior=ETA,
        batch_size=BATCH_SIZE,
        total_samples=len(train),
    )
    lda.partial_fit(train)
    first = lda.perplexity(test)
    for _ in range(3):
        lda.partial_fit(train)
    assert lda.n_batch_iter_ == 4 * 3 and len(lda.bound_history_) == lda.n_batch_iter_
    assert lda.n_iter_ == 4
    assert lda.perplexity(test) < first


def test_top_words_coherence_and_generation(corpus, fitted):
    train = corpus[0]
    lda = fitted["batch"][0]
    words = [f"w{i}" for i in range(V)]
    top = lda.top_words(4, words)
    assert len(top) == K and all(len(row) == 4 for row in top)
    blocks = {frozenset(int(word[1:]) // (V // K) for word in row) for row in top}
    assert blocks == {frozenset({0}), frozenset({1}), frozenset({2})}
    coherence = lda.coherence(train, 5)
    assert coherence.shape == (K,) and (coherence <= 0).all()

    similar = lda.sample_similar(train[:5], key=jax.random.key(0))
    np.testing.assert_array_equal(similar.sum(1), train[:5].sum(1))
    # The new documents use the same topics: their inferred mixtures agree.
    np.testing.assert_allclose(lda.transform(similar), lda.transform(train[:5]), atol=0.25)
    # Same shapes as sample_similar's documents above (5 x 60 words): no new compilation.
    counts, mixtures = lda.sample(5, 60, key=jax.random.key(1))
    assert counts.shape == (5, V) and (counts.sum(1) == 60).all()
    np.testing.assert_allclose(mixtures.sum(1), 1.0, rtol=1e-5)


def test_umass_coherence_against_brute_force_and_gensim():
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.6, (40, 12))
    counts[:, 0] += 1  # word 0 in every document
    top = np.asarray([[0, 3, 5, 7], [1, 2, 4, 6]])
    present = counts > 0
    expected = []
    for words in top:
        total = 0.0
        for m in range(1, len(words)):
            for low in range(m):
                both = np.sum(present[:, words[m]] & present[:, words[low]])
                total += np.log((both + 1.0) / present[:, words[low]].sum())
        expected.append(total)
    np.testing.assert_allclose(umass_coherence(counts, top), expected, rtol=1e-12)

    gensim = pytest.importorskip("gensim")
    dictionary = gensim.corpora.Dictionary([[str(v)] for v in range(12)])
    bow = [[(v, int(c)) for v, c in enumerate(row) if c] for row in counts]
    model = gensim.models.CoherenceModel(
        topics=[[str(v) for v in row] for row in top],
        corpus=bow,
        dictionary=dictionary,
        coherence="u_mass",
    )
    np.testing.assert_allclose(
        umass_coherence(counts, top, smoothing=1e-12, mean=True),
        model.get_coherence_per_topic(),
        rtol=1e-6,
    )


def test_bad_input_gives_clear_errors(corpus, fitted):
    train = corpus[0]
    negative = train.copy()
    negative[3, 2] = -1
    with pytest.raises(ValueError, match="negative counts.*document 3"):
        LatentDirichletAllocation(K).fit(negative)
    empty = train.copy()
    empty[5] = 0
    with pytest.raises(ValueError, match="empty document.*row 5.*drop_empty"):
        LatentDirichletAllocation(K).fit(empty)
    with pytest.raises(NotFittedError, match="not fitted"):
        LatentDirichletAllocation(K).transform(train)
    lda = fitted["batch"][0]
    with pytest.raises(ValueError, match="25 word columns.*vocabulary of 24"):
        lda.transform(np.ones((2, V + 1)))
    with pytest.raises(ValueError, match="vocabulary has 3 words.*fitted on 24"):
        lda.top_words(2, ["a", "b", "c"])
    with pytest.raises(ValueError, match="method='vb'"):
        LatentDirichletAllocation(K, method="vb")
    with pytest.raises(ValueError, match="learning_decay=0.3"):
        LatentDirichletAllocation(K, learning_decay=0.3)
    with pytest.raises(ValueError, match="doc_topic_prior=-1"):
        LatentDirichletAllocation(K, doc_topic_prior=-1.0)
    with pytest.raises(ValueError, match="non-integer counts"):
        LatentDirichletAllocation(K, method="gibbs").fit(train + 0.5)
    with pytest.raises(ValueError, match="components_init"):
        LatentDirichletAllocation(K, components_init=np.ones((K, 5))).fit(train)


@pytest.mark.parametrize("method", ["batch", "online"])
def test_bound_and_unnormalised_transform_match_sklearn(corpus, fitted, method):
    ours, peer = fitted[method]
    assert ours.bound_ == pytest.approx(peer.bound_, rel=0.03)
    test = corpus[1]
    np.testing.assert_allclose(
        ours.transform(test, normalize=False).sum(1),
        peer.transform(test, normalize=False).sum(1),
        rtol=1e-5,
    )  # the sum of gamma_d is alpha K plus the words of d, whatever the topics


def test_evaluate_every_prints_sklearns_lines_and_stops_on_perp_tol(corpus, capsys):
    train = corpus[0]
    settings = dict(doc_topic_prior=ALPHA, topic_word_prior=ETA, max_iter=4, verbose=1)
    ours = LatentDirichletAllocation(
        K, components_init=sklearn_init(), evaluate_every=2, **settings
    ).fit(train)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "iteration: 1 of max_iter: 4"
    assert lines[1].startswith("iteration: 2 of max_iter: 4, perplexity: ")
    assert len(lines) == 4 and ours.n_iter_ == 4
    assert float(lines[3].split()[-1]) == pytest.approx(ours.bound_, rel=1e-4)
    settings.update(max_iter=8, perp_tol=1e9)  # the second evaluation stops the fit
    stopped = LatentDirichletAllocation(
        K, components_init=sklearn_init(), evaluate_every=2, **settings
    ).fit(train)
    assert stopped.n_iter_ == 4 and len(capsys.readouterr().out.splitlines()) == 4
