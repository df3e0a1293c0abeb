"""Latent Dirichlet allocation: the variational EM model (``vb``), Hoffman et al.'s online
update (``online``), collapsed Gibbs sweeps (``gibbs``) and UMass coherence (``coherence``).
The Steps are in :mod:`gen_jax.algorithms.lda`, the estimator in :mod:`gen_jax.estimators`.
"""

from gen_jax.models.lda.coherence import umass_coherence
from gen_jax.models.lda.vb import Documents, LDAParams, LDAVariationalEM

__all__ = [
    "Documents",
    "LDAParams",
    "LDAVariationalEM",
    "umass_coherence",
]
