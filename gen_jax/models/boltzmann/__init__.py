"""Energy-based models of binary units: restricted Boltzmann machines (``rbm``), general
Boltzmann machines (``machine``), annealed importance sampling of the partition function
(``ais``), deep belief networks (``dbn``) and the RBM recommender example (``recommender``).
The contrastive Steps are in :mod:`gen_jax.algorithms.contrastive`.
"""

from gen_jax.models.boltzmann.ais import AISResult, rbm_ais_log_partition
from gen_jax.models.boltzmann.dbn import dbn_sample
from gen_jax.models.boltzmann.machine import BoltzmannParams, simulated_annealing
from gen_jax.models.boltzmann.rbm import RBMParams

__all__ = [
    "AISResult",
    "BoltzmannParams",
    "RBMParams",
    "dbn_sample",
    "rbm_ais_log_partition",
    "simulated_annealing",
]
