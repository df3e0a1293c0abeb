"""``DeepBeliefNetwork``: Bernoulli RBMs stacked greedily, as an estimator.

The sampler is :func:`gen_jax.models.boltzmann.dbn.dbn_sample`.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.estimators.base import Estimator, TransformerOutMixin, requires_fit
from gen_jax.estimators.bernoulli_rbm import BernoulliRBM
from gen_jax.models.boltzmann.dbn import dbn_sample


class DeepBeliefNetwork(TransformerOutMixin, Estimator):
    """A DBN of Bernoulli RBMs, trained greedily with :class:`BernoulliRBM`.

    Args:
        layer_sizes: hidden units of each layer, bottom to top, e.g. ``(64, 32)``.
        learning_rate, batch_size, n_iter, num_gibbs_steps, persistent: passed to each
            layer's ``BernoulliRBM``.
        random_state: int seed, ``None`` or a JAX key, used when ``fit`` or ``sample`` get
            no ``key`` (``sample`` draws from another stream of it than ``fit``).

    Attributes (after ``fit``):
        rbms_: the trained ``BernoulliRBM`` of each layer, bottom first.
    """

    _fitted_attributes = ("rbms_",)
    _accepts_sparse = True  # made dense

    def __init__(
        self,
        layer_sizes: Sequence[int],
        *,
        learning_rate: float = 0.05,
        batch_size: int = 10,
        n_iter: int = 10,
        num_gibbs_steps: int = 1,
        persistent: bool = True,
        random_state: int = 0,
    ):
        layer_sizes = tuple(layer_sizes)
        if not layer_sizes or any(
            isinstance(size, bool) or not isinstance(size, int) or size < 1 for size in layer_sizes
        ):
            raise ValueError(
                f"layer_sizes={layer_sizes!r}: pass one positive int per hidden layer, "
                "e.g. (64, 32)"
            )
        self.layer_sizes = layer_sizes
        self.learning_rate, self.batch_size, self.n_iter = learning_rate, batch_size, n_iter
        self.num_gibbs_steps, self.persistent = num_gibbs_steps, persistent
        self.random_state = random_state

    def fit(self, X, y=None, *, key: jax.Array | None = None):
        """Train the layers bottom-up, each on the hidden probabilities of the one below."""
        key = self._key(key)
        unshared = ("layer_sizes", "random_state")
        options = {k: v for k, v in self.get_params().items() if k not in unshared}
        self.rbms_ = []
        inputs = X
        for index, size in enumerate(self.layer_sizes):
            layer = BernoulliRBM(size, **options, allow_fractional=index > 0)
            layer.fit(inputs, key=jax.random.fold_in(key, index))
            inputs = layer.transform(inputs)
            self.rbms_.append(layer)
        return self

    @property
    def _n_features_out(self) -> int:
        return self.rbms_[-1].components_.shape[0]

    @requires_fit
    def transform(self, X) -> np.ndarray:
        """``[N, H_L]`` top-layer probabilities from the deterministic up-pass."""
        for layer in self.rbms_:
            X = layer.transform(X)
        return X

    @requires_fit
    def sample(
        self, n_samples: int = 1, *, key: jax.Array | None = None, num_steps: int = 1000
    ) -> np.ndarray:
        """``[n_samples, V]`` binary samples: ``num_steps`` top-level sweeps, then top-down."""
        if not isinstance(n_samples, int) or n_samples < 1 or num_steps < 1:
            raise ValueError(f"n_samples={n_samples!r}, num_steps={num_steps!r}: both >= 1")
        layers = [layer.to_params() for layer in self.rbms_]
        draws = dbn_sample(
            layers, key=self._key(key, stream=1), num_samples=n_samples, num_steps=num_steps
        )
        return np.asarray(jnp.asarray(draws))
