"""Sample-quality and likelihood metrics against closed forms and brute force."""

import math

import numpy as np
import pytest
from scipy import linalg

from gen_jax.eval import kid as kid_module
from gen_jax.eval.classifier_score import classifier_score, inception_score
from gen_jax.eval.frechet import frechet_distance, frechet_distance_from_moments
from gen_jax.eval.kid import kernel_inception_distance, mmd2_unbiased
from gen_jax.eval.likelihood import (
    bits_per_dimension,
    importance_weighted_log_likelihood,
    perplexity,
)
from gen_jax.eval.manifold import density_coverage, precision_recall


def _random_covariance(rng, dim, rank=None):
    factor = rng.normal(size=(dim, rank or dim))
    return factor @ factor.T / dim


def _scipy_frechet(mean_a, cov_a, mean_b, cov_b):
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def test_frechet_equals_closed_form_for_exact_moments():
    rng = np.random.default_rng(0)
    mean_a, mean_b = rng.normal(size=5), rng.normal(size=5)
    cov_a, cov_b = _random_covariance(rng, 5), _random_covariance(rng, 5)
    expected = _scipy_frechet(mean_a, cov_a, mean_b, cov_b)
    assert frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b) == pytest.approx(expected)
    # diagonal, commuting covariances: sum (sqrt(a) - sqrt(b))^2 exactly
    var_a, var_b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    got = frechet_distance_from_moments(np.zeros(3), np.diag(var_a), np.ones(3), np.diag(var_b))
    assert got == pytest.approx(3.0 + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2))


def test_frechet_is_stable_for_singular_covariances():
    rng = np.random.default_rng(1)
    cov_a, cov_b = _random_covariance(rng, 6, rank=2), _random_covariance(rng, 6, rank=3)
    got = frechet_distance_from_moments(np.zeros(6), cov_a, np.zeros(6), cov_b)
    assert math.isfinite(got) and got > 0
    assert frechet_distance_from_moments(np.zeros(6), cov_a, np.zeros(6), cov_a) == pytest.approx(
        0.0, abs=1e-6
    )


def test_frechet_of_large_gaussian_samples_approaches_the_closed_form():
    rng = np.random.default_rng(2)
    mean_a, mean_b = np.zeros(3), np.array([1.0, -0.5, 0.0])
    cov_a, cov_b = _random_covariance(rng, 3), _random_covariance(rng, 3)
    a = rng.multivariate_normal(mean_a, cov_a, size=200_000)
    b = rng.multivariate_normal(mean_b, cov_b, size=200_000)
    expected = _scipy_frechet(mean_a, cov_a, mean_b, cov_b)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=2e-2)


def test_frechet_is_zero_for_identical_sets_and_symmetric():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(50, 8)), rng.normal(size=(40, 8)) + 0.3
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def _brute_force_mmd2(x, y):
    def k(u, v):
        return (u @ v / len(u) + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_kid_equals_a_direct_double_loop():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(9, 3)) + 0.5
    assert mmd2_unbiased(x, y) == pytest.approx(_brute_force_mmd2(x, y), rel=1e-12)
    # with subsets as large as the sets, every subset is the whole set (permuted)
    result = kernel_inception_distance(x[:7], y[:7], num_subsets=3, subset_size=7)
    assert result.mean == pytest.approx(_brute_force_mmd2(x[:7], y[:7]), rel=1e-12)
    assert result.std == pytest.approx(0.0, abs=1e-12)


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(5)
    same = kernel_inception_distance(
        rng.normal(size=(400, 4)), rng.normal(size=(400, 4)), num_subsets=20, subset_size=100
    )
    shifted = kernel_inception_distance(
        rng.normal(size=(400, 4)), rng.normal(size=(400, 4)) + 1.0, num_subsets=20, subset_size=100
    )
    assert abs(same.mean) < 3 * same.std + 1e-3
    assert shifted.mean > 10 * same.std


def _brute_force_manifold(real, fake, k):
    def radius(points, i):
        return sorted(np.linalg.norm(points[i] - points[j]) for j in range(len(points)) if j != i)[
            k - 1
        ]

    r_real = [radius(real, i) for i in range(len(real))]
    r_fake = [radius(fake, j) for j in range(len(fake))]
    inside = [
        [np.linalg.norm(fake[j] - real[i]) < r_real[i] for i in range(len(real))]
        for j in range(len(fake))
    ]
    precision = np.mean([any(row) for row in inside])
    recall = np.mean(
        [
            any(np.linalg.norm(real[i] - fake[j]) < r_fake[j] for j in range(len(fake)))
            for i in range(len(real))
        ]
    )
    density = sum(map(sum, inside)) / (k * len(fake))
    coverage = np.mean([any(inside[j][i] for j in range(len(fake))) for i in range(len(real))])
    return precision, recall, density, coverage


@pytest.mark.parametrize("k", [1, 2, 3])
def test_manifold_metrics_equal_brute_force_on_tiny_sets(k):
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(9, 2)), rng.normal(size=(11, 2)) * 1.5 + 0.4
    pr, dc = (
        precision_recall(real, fake, num_neighbors=k),
        density_coverage(real, fake, num_neighbors=k),
    )
    np.testing.assert_allclose([*pr, *dc], _brute_force_manifold(real, fake, k), rtol=1e-12)


def test_manifold_metrics_react_to_shifted_and_collapsed_fakes():
    rng = np.random.default_rng(7)
    real = rng.normal(size=(500, 4))
    matched = precision_recall(real, rng.normal(size=(500, 4)))
    assert matched.precision > 0.6 and matched.recall > 0.6
    far = precision_recall(real, rng.normal(size=(500, 4)) + 6.0)
    assert far.precision < 0.05 and far.recall < 0.05
    collapsed = rng.normal(size=(500, 4)) * 0.1  # realistic but not diverse
    collapse_pr = precision_recall(real, collapsed)
    assert collapse_pr.precision > 0.95 and collapse_pr.recall < 0.2
    matched_dc = density_coverage(real, rng.normal(size=(500, 4)))
    assert 0.7 < matched_dc.density < 1.3 and matched_dc.coverage > 0.8
    collapse_dc = density_coverage(real, collapsed)
    assert collapse_dc.density > 1.2 and collapse_dc.coverage < 0.2


def test_classifier_score_bounds_and_split_protocol():
    confident = np.log(np.eye(10)[np.arange(100) % 10] * (1 - 1e-12) + 1e-13)
    assert classifier_score(confident, num_splits=10).mean == pytest.approx(10.0, rel=1e-6)
    assert classifier_score(np.zeros((20, 10)), num_splits=2).mean == pytest.approx(1.0)
    rng = np.random.default_rng(8)
    logits = rng.normal(size=(30, 4)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = []
    for part in np.split(probs, 3):
        marginal = part.mean(0)
        expected.append(np.exp(np.mean(np.sum(part * np.log(part / marginal), axis=1))))
    score = classifier_score(logits, num_splits=3)
    assert score.mean == pytest.approx(np.mean(expected)) and score.std == pytest.approx(
        np.std(expected)
    )


def test_bits_per_dimension_and_perplexity():
    d = 3 * 32 * 32
    assert bits_per_dimension(-d * math.log(2.0), num_dimensions=d) == pytest.approx(1.0)
    # a uniform density on [0, 1]^D with 8-bit bins: exactly 8 bits per dimension
    assert bits_per_dimension(0.0, num_dimensions=d, bin_width=1 / 256) == pytest.approx(8.0)
    got = bits_per_dimension(np.array([-10.0, -20.0]), num_dimensions=5)
    np.testing.assert_allclose(got, np.array([10.0, 20.0]) / (5 * math.log(2.0)))
    assert perplexity(np.array([-10.0, -20.0]), np.array([5, 10])) == pytest.approx(math.exp(2.0))
    log_weights = np.log(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(importance_weighted_log_likelihood(log_weights), [math.log(2.0)])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: frechet_distance(np.ones((1, 3)), np.ones((5, 3))), "features_a has 1 samples"),
        (lambda: frechet_distance(np.ones((5, 3)), np.ones((5, 4))), "features_a has 3 features"),
        (
            lambda: frechet_distance(np.ones((5, 3)), np.full((5, 3), np.nan)),
            "features_b holds NaN",
        ),
        (lambda: frechet_distance(np.ones(5), np.ones((5, 1))), "features_a must be a matrix"),
        (
            lambda: frechet_distance_from_moments(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)),
            "mean_a and covariance_a must be",
        ),
        (
            lambda: frechet_distance_from_moments(
                np.zeros(2), np.eye(2), np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]])
            ),
            "covariance_b is not symmetric",
        ),
        (lambda: kernel_inception_distance(np.ones((5, 2)), np.ones((50, 2))), "subset_size=1000"),
        (lambda: precision_recall(np.ones((3, 2)), np.ones((9, 2))), "real_features has 3 samples"),
        (lambda: density_coverage(np.ones((9, 2)), np.ones((9, 3))), "real_features has 2 feat"),
        (lambda: classifier_score(np.ones((5, 3)), num_splits=10), "logits has 5 samples"),
        (lambda: bits_per_dimension(np.nan, num_dimensions=2), "log_likelihood holds NaN"),
        (lambda: bits_per_dimension(-1.0, num_dimensions=2, bin_width=0), "bin_width=0"),
        (lambda: perplexity(np.ones(2), np.ones(3)), "num_tokens has"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _numpy_inception_score(probs, num_splits):
    """exp(E_x KL(p(y|x) || p(y))) per split, straight from the definition."""
    scores = []
    for part in np.array_split(probs, num_splits):
        marginal = part.mean(axis=0)
        kl = [
            sum(p * math.log(p / m) for p, m in zip(row, marginal, strict=True) if p > 0)
            for row in part
        ]
        scores.append(math.exp(np.mean(kl)))
    return np.mean(scores), np.std(scores)


def test_inception_score_equals_the_definition_from_logits_and_probabilities():
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(53, 7)) * 3  # 53 does not split evenly into 10
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = _numpy_inception_score(probs, 10)
    assert tuple(inception_score(logits)) == pytest.approx(expected, rel=1e-10)
    assert tuple(inception_score(probabilities=probs)) == pytest.approx(expected, rel=1e-10)
    probs[:, 0] = 0.0  # an unused class (zero probabilities) is allowed
    probs /= probs.sum(axis=1, keepdims=True)
    expected = _numpy_inception_score(probs, 10)
    assert tuple(inception_score(probabilities=probs)) == pytest.approx(expected, rel=1e-10)
    with pytest.raises(ValueError, match="exactly one of logits= or probabilities="):
        inception_score(logits, probabilities=probs)
    with pytest.raises(ValueError, match="rows summing to 1"):
        inception_score(probabilities=2 * probs)


def test_kid_on_whole_kernels_equals_kid_on_subset_kernels(monkeypatch):
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(60, 5)), rng.normal(size=(50, 5)) + 0.3
    options = dict(num_subsets=7, subset_size=20, seed=4)
    whole = kernel_inception_distance(x, y, **options)
    monkeypatch.setattr(kid_module, "_WHOLE_KERNEL_MAX_SAMPLES", 0)
    per_subset = kernel_inception_distance(x, y, **options)
    assert tuple(whole) == pytest.approx(tuple(per_subset), rel=1e-12)
    with pytest.raises(ValueError, match="degree=0"):
        mmd2_unbiased(x, y, degree=0)
