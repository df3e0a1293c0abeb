"""score_samples / record_sample_quality against direct metric calls, and `gen-jax eval`."""

import json

import numpy as np
import pytest

from gen_jax import cli, launcher
from gen_jax.data import ArraySource, load_digits
from gen_jax.eval import (
    density_coverage,
    digits_feature_network,
    frechet_distance,
    kernel_inception_distance,
    precision_recall,
)
from gen_jax.eval.classifier_score import classifier_score
from gen_jax.eval.sample_quality import (
    INCEPTION_WEIGHTS_ENV,
    ReferenceImages,
    record_sample_quality,
    score_samples,
)
from gen_jax.viz import write_report


@pytest.fixture(scope="module")
def digits():
    """150 test digits as the reference, 150 train digits as 'samples' (8x8, [0, 1])."""
    return load_digits(split="test")["image"][:150], load_digits(split="train")["image"][:150]


def test_scores_equal_the_metrics_on_the_digits_features(digits):
    reference, samples = digits
    result = score_samples(samples, ReferenceImages(reference, "digits test"), seed=3)
    network = digits_feature_network()
    fake, real = network.features(samples), network.features(reference)
    scores, n = result["scores"], len(reference)
    assert not result["unavailable"]
    assert scores["frechet_distance"] == pytest.approx(frechet_distance(fake, real), rel=1e-5)
    kid = kernel_inception_distance(fake, real, num_subsets=100, subset_size=n // 2, seed=3)
    assert scores["kid_mean"] == pytest.approx(kid.mean, rel=1e-4, abs=1e-7)
    pr, dc = precision_recall(real, fake), density_coverage(real, fake)
    assert scores["precision"] == pytest.approx(pr.precision)
    assert scores["recall"] == pytest.approx(_on_manifold_recall(real, fake))
    assert scores["recall"] <= pr.recall
    assert (scores["density"], scores["coverage"]) == pytest.approx(tuple(dc))
    expected = classifier_score(network.logits(samples), num_splits=10)
    assert scores["classifier_score_mean"] == pytest.approx(expected.mean, rel=1e-5)
    assert 5.0 < scores["classifier_score_mean"] <= 10.0  # real digits: confident and varied
    protocol = result["protocol"]
    assert protocol["num_samples"] == protocol["num_reference"] == n
    assert "digits CNN" in protocol["feature_network"] and "10,000" in protocol["note"]
    # the reference against itself: no distance, full precision, recall and coverage
    same = score_samples(reference, reference)["scores"]
    assert same["frechet_distance"] == pytest.approx(0.0, abs=1e-6)
    assert same["precision"] == same["recall"] == same["coverage"] == 1.0


def _on_manifold_recall(real, fake, k=3):
    """Brute force: real points inside the k-NN ball of a sample inside some real ball."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)

    def radii(points):
        distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
        return np.sort(distances, axis=1)[:, k]  # column 0 is the point itself

    fake_to_real = np.linalg.norm(fake[:, None] - real[None], axis=-1)
    on_manifold = (fake_to_real < radii(real)[None]).any(axis=1)
    real_to_fake = np.linalg.norm(real[:, None] - fake[on_manifold][None], axis=-1)
    return np.mean((real_to_fake < radii(fake)[on_manifold][None]).any(axis=1))


def test_noise_and_shuffled_pixels_never_score_better_than_real_data(digits):
    """Binary noise once had recall 0.74 and classifier score 5.23, above trained models."""
    reference, real = digits
    rng = np.random.default_rng(1)
    noise = (rng.random(real.shape) < 0.5).astype(np.float32)
    shuffled = np.stack([rng.permutation(x.reshape(-1)).reshape(x.shape) for x in real])
    results = {
        name: score_samples(images, ReferenceImages(reference, "digits test"))
        for name, images in (("real", real), ("noise", noise), ("shuffled", shuffled))
    }
    assert results["real"]["flags"] == {}
    directions = {"frechet_distance": -1, "kid_mean": -1, "precision": 1, "recall": 1}
    directions.update(density=1, coverage=1, classifier_score_mean=1)
    for name in ("noise", "shuffled"):
        for score, direction in directions.items():
            assert (
                direction * (results["real"]["scores"][score] - results[name]["scores"][score]) > 0
            )
        assert {"precision", "recall", "kid_mean", "density"} <= set(results[name]["flags"])
    noise_baseline = results["real"]["baselines"]["noise"]
    real_baseline = results["real"]["baselines"]["real"]
    for score in ("frechet_distance", "precision", "recall", "density", "coverage"):
        assert directions[score] * (real_baseline[score] - noise_baseline[score]) > 0


def test_few_samples_make_metrics_unavailable_with_the_reason(digits):
    reference, samples = digits
    result = score_samples(2.0 * samples[:16] - 1.0, reference, value_range=(-1.0, 1.0))
    assert set(result["scores"]) == {"precision", "recall", "density", "coverage"}
    reasons = result["unavailable"]
    assert "64 feature dimensions" in reasons["frechet_distance"]
    assert "got 16" in reasons["frechet_distance"]
    assert "at least 50" in reasons["kid_mean"] and "got 16" in reasons["classifier_score_mean"]


def test_rgb_images_without_inception_weights_get_no_score_and_the_reason(monkeypatch, digits):
    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV, raising=False)
    rgb = np.repeat(digits[0][:20], 3, axis=-1)
    result = score_samples(rgb, rgb)
    assert result["scores"] == {} and result["protocol"]["feature_network"] is None
    assert INCEPTION_WEIGHTS_ENV in result["unavailable"]["frechet_distance"]


@pytest.mark.parametrize(
    "samples, kwargs, message",
    [
        (np.zeros((4, 8, 8)), {}, r"samples must be images \[N, H, W, C\]"),
        (np.full((4, 8, 8, 1), 2.0), {}, "pass the right value_range or clip"),
        (np.full((4, 8, 8, 1), np.nan), {}, "samples hold NaN"),
        (np.zeros((4, 8, 8, 1)), {"feature_network": 3}, "feature_network is a int"),
    ],
)
def test_bad_input_names_the_argument(samples, kwargs, message):
    error = TypeError if "feature_network" in kwargs else ValueError
    with pytest.raises(error, match=message):
        score_samples(samples, np.zeros((4, 8, 8, 1)), **kwargs)


def test_gen_jax_eval_rescores_a_run_and_rewrites_its_report(tmp_path, capsys, digits):
    # A run directory as `gen-jax run gmm_digits:tiny` leaves it, without the EM fit.
    workdir = tmp_path / "run"
    config = launcher.get_config("gmm_digits", "tiny")
    workdir.mkdir()
    record = {"experiment": "gmm_digits", "variant": "tiny", "config": config.to_dict()}
    (workdir / "config.json").write_text(json.dumps(record))
    reference = launcher.experiment_module("gmm_digits", "train").reference_images(config)
    record_sample_quality(workdir, digits[1], reference)
    write_report(workdir, title="Gaussian mixture", config=config.to_dict(), final_metrics={})
    first = json.loads((workdir / "sample_quality.json").read_text())
    saved = np.load(workdir / "samples" / "final.npz")["images"]
    assert saved.shape == (first["protocol"]["num_samples"], 8, 8, 1)
    assert 0.0 <= saved.min() and saved.max() <= 1.0
    assert "Sample quality" in (workdir / "report.html").read_text()

    assert cli.main(["eval", str(workdir), "--num-samples", "40"]) == 0
    again = json.loads((workdir / "sample_quality.json").read_text())
    assert again["protocol"]["num_samples"] == 40 and "got 40" in again["unavailable"]["kid_mean"]
    assert again["protocol"]["reference"] == first["protocol"]["reference"]
    page = (workdir / "report.html").read_text()
    assert "got 40" in page and "Gaussian mixture" in page
    capsys.readouterr()

    (workdir / "samples" / "final.npz").unlink()
    assert cli.main(["eval", str(workdir)]) == 2
    assert "final.npz does not exist" in capsys.readouterr().err
    assert cli.main(["eval", str(workdir / "nothing")]) == 2


def test_record_saves_the_scored_samples(tmp_path, digits):
    reference, samples = digits
    result = record_sample_quality(tmp_path, samples[:30], ReferenceImages(reference, "test"))
    saved = np.load(tmp_path / "samples" / "final.npz")["images"]
    np.testing.assert_array_equal(saved, samples[:30])
    assert json.loads((tmp_path / "sample_quality.json").read_text()) == result


def test_reference_from_a_source_or_array_counts_and_maps_to_unit_range(digits):
    reference, _ = digits
    source = ArraySource({"image": 2.0 * reference - 1.0, "label": np.zeros(len(reference))})
    whole = ReferenceImages.from_source(source, "digits test split", value_range=(-1.0, 1.0))
    np.testing.assert_allclose(whole.images, reference, atol=1e-6)
    assert whole.description == "digits test split, all 150 images"
    first = ReferenceImages.from_source(reference, "digits", limit=40)
    np.testing.assert_array_equal(first.images, reference[:40])
    assert first.description == "digits, first 40 of 150 images"
