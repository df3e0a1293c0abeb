"""Mixture models as EM models: Gaussian (``gaussian``) and categorical (``categorical``)
components, and k-means++ / Lloyd initialisation (``kmeans``). The estimators
``GaussianMixture`` and ``CategoricalMixture`` are in :mod:`gen_jax.estimators`.
"""

from gen_jax.models.mixture.categorical import CategoricalMixtureEM, CategoricalMixtureParams
from gen_jax.models.mixture.gaussian import GaussianMixtureEM, GaussianMixtureParams
from gen_jax.models.mixture.kmeans import kmeans_plusplus, lloyd

__all__ = [
    "CategoricalMixtureEM",
    "CategoricalMixtureParams",
    "GaussianMixtureEM",
    "GaussianMixtureParams",
    "kmeans_plusplus",
    "lloyd",
]
