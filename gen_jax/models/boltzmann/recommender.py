r"""The survey's book-recommender example: an RBM over a user x item binary matrix.

Each user is a visible vector over items (1 = read/liked). An RBM trained on these rows
learns a "template" of tastes; an unseen item ``i`` is scored by the mean-field
reconstruction :math:`p(v_i = 1 \mid h = p(h \mid v_{\mathrm{user}}))`, and the ``top_n``
highest-scoring unseen items are recommended (unobserved entries are treated as 0).
:func:`synthetic_ratings` generates users with a few latent tastes, so that held-out
likes can measure the recommendations.

References:
    Salakhutdinov, Mnih & Hinton (2007), Restricted Boltzmann machines for collaborative
    filtering, ICML (the softmax-rating RBM; this is its binary special case).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.models.boltzmann import rbm


def synthetic_ratings(
    num_users: int,
    num_items: int,
    *,
    num_tastes: int = 4,
    like_probability: float = 0.7,
    noise_probability: float = 0.03,
    observed_fraction: float = 0.5,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """A generated user x item matrix with latent tastes.

    Items are split evenly into ``num_tastes`` genres; each user has one taste, likes each
    item of it with ``like_probability`` and any other item with ``noise_probability``;
    each like is observed with ``observed_fraction``.

    Returns:
        ``{"liked": [U, I], "observed": [U, I]}`` float32 0/1 (observed <= liked) and
        ``"taste": [U]`` int32.
    """
    if num_tastes < 1 or num_items < num_tastes or num_users < 1:
        raise ValueError(
            f"num_users={num_users}, num_items={num_items}, num_tastes={num_tastes}: need "
            "num_users >= 1 and num_items >= num_tastes >= 1"
        )
    rng = np.random.default_rng(seed)
    genre = np.arange(num_items) * num_tastes // num_items
    taste = rng.integers(0, num_tastes, num_users)
    probability = np.where(taste[:, None] == genre[None, :], like_probability, noise_probability)
    liked = rng.random((num_users, num_items)) < probability
    observed = liked & (rng.random(liked.shape) < observed_fraction)
    return {
        "liked": liked.astype(np.float32),
        "observed": observed.astype(np.float32),
        "taste": taste.astype(np.int32),
    }


@jax.jit
def item_scores(params: rbm.RBMParams, users: jax.Array) -> jax.Array:
    """``[U, I]`` :math:`p(v_i = 1 \\mid h(v))` for the user rows ``users [U, I]``."""
    return rbm.reconstruct(params, users)


def recommend(params: rbm.RBMParams, users, *, top_n: int = 5) -> np.ndarray:
    """``[U, top_n]`` indices of each user's best-scoring unseen items, best first.

    Args:
        params: a trained RBM over items (e.g. ``BernoulliRBM(...).fit(R).to_params()``).
        users: ``[U, I]`` binary rows; items already 1 are never recommended.
        top_n: how many items to return per user (at most the number of items).
    """
    users = jnp.asarray(users, params.weights.dtype)
    if users.ndim != 2 or users.shape[1] != params.num_visible:
        raise ValueError(
            f"users has shape {users.shape}; pass [num_users, {params.num_visible}] binary rows"
        )
    if not 1 <= top_n <= params.num_visible:
        raise ValueError(f"top_n={top_n}: must be between 1 and {params.num_visible} items")
    scores = jnp.where(users > 0, -jnp.inf, item_scores(params, users))
    return np.asarray(jax.lax.top_k(scores, top_n)[1])
