"""Attacks on generative models: latent/output attacks on autoencoders, their budgeted
(PGD) forms, classifier-judged success with distortion-success curves, and the search of a
generator's latent space for unrestricted adversarial examples.

References:
    Tabacof, Tavares & Valle (2016), arXiv:1612.00155.
    Gondim-Ribeiro, Tabacof & Valle (2018), arXiv:1806.04646.
    Song, Shu, Kushman & Ermon (2018), arXiv:1805.07894.
"""

from __future__ import annotations

from gen_jax.attacks.latent import (
    AttackResult,
    feature_matching_attack,
    gaussian_kl_distance,
    latent_attack,
    output_attack,
    perturbation_penalty,
    squared_distance,
)
from gen_jax.attacks.pgd import (
    pgd_feature_attack,
    pgd_latent_attack,
    pgd_output_attack,
    project_to_ball,
)
from gen_jax.attacks.success import (
    area_under_success_curve,
    classifier_success,
    distortion_success_curve,
    feature_network_classifier,
    per_example,
)
from gen_jax.attacks.unrestricted import UnrestrictedResult, unrestricted_search

__all__ = [
    "AttackResult",
    "UnrestrictedResult",
    "area_under_success_curve",
    "classifier_success",
    "distortion_success_curve",
    "feature_matching_attack",
    "feature_network_classifier",
    "gaussian_kl_distance",
    "latent_attack",
    "output_attack",
    "per_example",
    "perturbation_penalty",
    "pgd_feature_attack",
    "pgd_latent_attack",
    "pgd_output_attack",
    "project_to_ball",
    "squared_distance",
    "unrestricted_search",
]
