"""The estimators inside scikit-learn's tools: clone, GridSearchCV, Pipeline,
cross_val_score."""

import numpy as np
import scipy.sparse
from sklearn.base import DensityMixin, TransformerMixin, clone, is_classifier, is_outlier_detector
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

from gen_jax.estimators import (
    BernoulliRBM,
    CategoricalMixture,
    DeepBeliefNetwork,
    FullyVisibleSigmoidBeliefNet,
    GaussianMixture,
    LatentDirichletAllocation,
    NaiveBayes,
)

RNG = np.random.default_rng(0)
BLOBS = np.concatenate([RNG.normal(0.0, 1.0, (40, 2)), RNG.normal(6.0, 1.0, (40, 2))])
DOCUMENTS = [
    "cats purr and cats sleep",
    "dogs bark and dogs run",
    "cats and dogs play",
    "the dog runs after the cat",
    "a cat sleeps all day",
    "a dog barks all night",
]


def test_clone_copies_the_hyperparameters_not_the_fit():
    model = GaussianMixture(2, covariance_type="diag", random_state=np.random.RandomState(3))
    copy = clone(model)
    assert copy.get_params()["covariance_type"] == "diag" and copy.n_components == 2
    assert isinstance(copy.random_state, np.random.RandomState)
    classifier = NaiveBayes("gaussian", var_smoothing=1e-6).fit(BLOBS, np.repeat([0, 1], 40))
    assert clone(classifier).var_smoothing == 1e-6 and not hasattr(clone(classifier), "theta_")


def test_grid_search_picks_the_number_of_components():
    search = GridSearchCV(
        GaussianMixture(covariance_type="diag", max_iter=20), {"n_components": [1, 2]}, cv=2
    )
    search.fit(BLOBS[RNG.permutation(len(BLOBS))])
    assert search.best_params_ == {"n_components": 2}
    assert search.best_estimator_.weights_.shape == (2,)


def test_cross_val_score_of_a_classifier():
    labels = np.repeat([0, 1], 40)
    order = RNG.permutation(len(labels))
    scores = cross_val_score(NaiveBayes("gaussian"), BLOBS[order], labels[order], cv=2)
    assert scores.shape == (2,) and (scores > 0.9).all()


def test_a_pipeline_ending_in_lda():
    pipeline = Pipeline(
        [("counts", CountVectorizer()), ("lda", LatentDirichletAllocation(2, max_iter=5))]
    )
    topics = pipeline.fit_transform(DOCUMENTS)
    assert topics.shape == (6, 2)
    np.testing.assert_allclose(topics.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(pipeline.transform(DOCUMENTS[:2]), topics[:2], rtol=1e-4)
    assert np.isfinite(pipeline.score(DOCUMENTS))
    assert list(pipeline.get_feature_names_out()) == [
        "latentdirichletallocation0",
        "latentdirichletallocation1",
    ]


def test_scikit_learn_base_classes_and_feature_names():
    assert is_classifier(NaiveBayes()) and is_outlier_detector(GaussianMixture()) is False
    for density in (GaussianMixture(), CategoricalMixture(2), FullyVisibleSigmoidBeliefNet()):
        assert isinstance(density, DensityMixin)
    for transformer in (LatentDirichletAllocation(2), BernoulliRBM(3), DeepBeliefNetwork([3])):
        assert isinstance(transformer, TransformerMixin)
    rbm = BernoulliRBM(3, n_iter=1).fit((BLOBS > 1).astype(float))
    assert list(rbm.get_feature_names_out()) == ["bernoullirbm0", "bernoullirbm1", "bernoullirbm2"]
    binary = (BLOBS > 1).astype(float)
    np.testing.assert_array_equal(
        rbm.transform(scipy.sparse.csr_matrix(binary)), rbm.transform(binary)
    )


def test_scipy_sparse_input_equals_dense():
    counts = RNG.poisson(1.0, (40, 6))
    labels = np.repeat([0, 1], 20)
    dense = NaiveBayes("multinomial").fit(counts, labels)
    sparse = NaiveBayes("multinomial").fit(scipy.sparse.csr_matrix(counts), labels)
    np.testing.assert_array_equal(sparse.feature_count_, dense.feature_count_)
    np.testing.assert_allclose(
        sparse.predict_proba(scipy.sparse.csc_array(counts)), dense.predict_proba(counts)
    )
