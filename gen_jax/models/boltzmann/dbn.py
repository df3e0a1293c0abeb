r"""Deep belief networks: RBMs stacked greedily, sampled top-down.

A DBN with layers :math:`v = h^0, h^1, \dots, h^L` is an RBM over :math:`(h^{L-1},
h^L)` on top of directed sigmoid layers :math:`p(h^{l-1} \mid h^l)`, taken from the RBMs
trained one at a time: RBM ``l`` is trained on the hidden probabilities
:math:`p(h^{l} \mid h^{l-1})` of the data passed up through the RBMs below (Hinton,
Osindero & Teh, 2006). Generation runs a long Gibbs chain in the top RBM, then one
top-down pass through the directed layers.

References:
    Hinton, Osindero & Teh (2006), A fast learning algorithm for deep belief nets,
    Neural Computation 18(7).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import jax

from gen_jax.models.boltzmann import rbm


@functools.partial(jax.jit, static_argnames=("num_samples", "num_steps"))
def dbn_sample(
    layers: Sequence[rbm.RBMParams], *, key: jax.Array, num_samples: int, num_steps: int
) -> jax.Array:
    """``[num_samples, V]`` binary draws from a DBN (``layers[0]`` touches the data).

    The top RBM's chain starts from uniform noise on its visible layer and runs
    ``num_steps`` Gibbs sweeps; each lower layer then samples ``p(h^{l-1} | h^l)``.
    """
    top = layers[-1]
    chain_key, start_key, *down_keys = jax.random.split(key, len(layers) + 1)
    start = jax.random.bernoulli(start_key, 0.5, (num_samples, top.num_visible))
    h = rbm.gibbs_chain(top, start.astype(top.weights.dtype), key=chain_key, num_steps=num_steps)
    for params, down_key in zip(reversed(layers[:-1]), down_keys, strict=False):
        h = rbm.sample_visible(params, h, key=down_key)
    return h
