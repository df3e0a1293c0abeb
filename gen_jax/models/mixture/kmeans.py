r"""k-means++ seeding and Lloyd's algorithm, on device, for initialising mixtures.

References:
    Arthur & Vassilvitskii (2007), k-means++: the advantages of careful seeding, SODA.
    Lloyd (1982), Least squares quantization in PCM, IEEE Trans. Inf. Theory 28(2).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def squared_distances(x: jax.Array, centers: jax.Array) -> jax.Array:
    """``[N, K]`` squared Euclidean distances between ``x [N, D]`` and ``centers [K, D]``."""
    return jnp.maximum(
        jnp.sum(x * x, 1)[:, None] - 2 * x @ centers.T + jnp.sum(centers * centers, 1)[None],
        0.0,
    )


def kmeans_plusplus(
    x: jax.Array, num_clusters: int, *, key: jax.Array, weights: jax.Array | None = None
) -> jax.Array:
    """``[K, D]`` centres: the first drawn by weight, each next one with probability
    proportional to weight times squared distance to the nearest centre so far."""
    weights = jnp.ones(x.shape[0], x.dtype) if weights is None else weights
    keys = jax.random.split(key, num_clusters)
    first = jax.random.choice(keys[0], x.shape[0], p=weights / jnp.sum(weights))
    centers = jnp.zeros((num_clusters, x.shape[1]), x.dtype).at[0].set(x[first])
    nearest = squared_distances(x, centers[:1])[:, 0]

    def add_center(k, carry):
        centers, nearest = carry
        mass = weights * nearest
        # All mass zero (fewer distinct points than clusters): fall back to the weights.
        probabilities = jnp.where(jnp.sum(mass) > 0, mass, weights)
        index = jax.random.choice(keys[k], x.shape[0], p=probabilities / jnp.sum(probabilities))
        centers = centers.at[k].set(x[index])
        nearest = jnp.minimum(nearest, squared_distances(x, x[index][None])[:, 0])
        return centers, nearest

    centers, _ = jax.lax.fori_loop(1, num_clusters, add_center, (centers, nearest))
    return centers


def lloyd(
    x: jax.Array,
    centers: jax.Array,
    *,
    weights: jax.Array | None = None,
    max_iter: int = 100,
) -> tuple[jax.Array, jax.Array]:
    """Lloyd iterations until the assignment stops changing (or ``max_iter``).

    Returns:
        ``(centers [K, D], labels [N])``; an empty cluster keeps its previous centre.
    """
    weights = jnp.ones(x.shape[0], x.dtype) if weights is None else weights
    num_clusters = centers.shape[0]

    def assign(centers):
        return jnp.argmin(squared_distances(x, centers), axis=1)

    def keep_going(carry):
        _, labels, previous, iteration = carry
        return (iteration < max_iter) & jnp.any(labels != previous)

    def body(carry):
        centers, labels, _, iteration = carry
        one_hot = jax.nn.one_hot(labels, num_clusters, dtype=x.dtype) * weights[:, None]
        counts = jnp.sum(one_hot, axis=0)
        sums = one_hot.T @ x
        centers = jnp.where(
            counts[:, None] > 0, sums / jnp.maximum(counts, 1e-30)[:, None], centers
        )
        return centers, assign(centers), labels, iteration + 1

    labels = assign(centers)
    start = (centers, labels, jnp.full_like(labels, -1), jnp.zeros((), jnp.int32))
    centers, labels, _, _ = jax.lax.while_loop(keep_going, body, start)
    return centers, labels
