"""Evaluation that works offline: sample-quality and likelihood metrics, feature networks.

Sample quality compares features of generated and real images from a feature network:
:func:`frechet_distance` (FID with InceptionV3 features), :func:`kernel_inception_distance`,
:func:`precision_recall`, :func:`density_coverage`, and, on logits, :func:`classifier_score`
(the Inception Score). :func:`digits_feature_network` ships with the package;
:func:`inception_feature_network` loads FID's InceptionV3 from a user's weights file. Likelihood
metrics: :func:`bits_per_dimension`, :func:`perplexity`,
:func:`importance_weighted_log_likelihood` and :func:`vae_log_likelihood` (IWAE). Each
module documents its exact protocol. :func:`inception_score` is the classifier score with
the Salimans et al. protocol on InceptionV3's 1008 logits.

:func:`score_samples` computes all sample-quality scores of generated images at once, with
their protocol and the reason for each unavailable one; experiments call
:func:`record_sample_quality` (``samples/final.npz`` + ``sample_quality.json``, shown in the
report) and ``gen-jax eval WORKDIR`` (:func:`gen_jax.rescore.rescore_run`) recomputes them
offline.
"""

from gen_jax.eval.classifier_score import ClassifierScore, classifier_score, inception_score
from gen_jax.eval.feature_network import (
    FeatureNetwork,
    digits_feature_network,
    load_feature_network,
)
from gen_jax.eval.frechet import frechet_distance, frechet_distance_from_moments, gaussian_moments
from gen_jax.eval.inception import InceptionFeatures, inception_feature_network
from gen_jax.eval.iwae import vae_log_likelihood
from gen_jax.eval.kid import KernelDistance, kernel_inception_distance, mmd2_unbiased
from gen_jax.eval.likelihood import (
    bits_per_dimension,
    importance_weighted_log_likelihood,
    perplexity,
)
from gen_jax.eval.manifold import (
    DensityCoverage,
    PrecisionRecall,
    density_coverage,
    precision_recall,
)
from gen_jax.eval.novelty import Neighbours, NoveltyReport, nearest_training_images, novelty_check
from gen_jax.eval.sample_quality import (
    ReferenceImages,
    load_final_samples,
    record_sample_quality,
    score_samples,
)

__all__ = [
    "ClassifierScore",
    "DensityCoverage",
    "FeatureNetwork",
    "InceptionFeatures",
    "KernelDistance",
    "Neighbours",
    "NoveltyReport",
    "PrecisionRecall",
    "ReferenceImages",
    "bits_per_dimension",
    "classifier_score",
    "density_coverage",
    "digits_feature_network",
    "frechet_distance",
    "frechet_distance_from_moments",
    "gaussian_moments",
    "importance_weighted_log_likelihood",
    "inception_feature_network",
    "inception_score",
    "kernel_inception_distance",
    "load_feature_network",
    "load_final_samples",
    "mmd2_unbiased",
    "nearest_training_images",
    "novelty_check",
    "perplexity",
    "precision_recall",
    "record_sample_quality",
    "score_samples",
    "vae_log_likelihood",
]
