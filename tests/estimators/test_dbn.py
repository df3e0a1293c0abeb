"""DBN: top-down sampling against the exact generative distribution; greedy fitting;
the RBM recommender on generated user x item data."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.estimators.bernoulli_rbm import BernoulliRBM
from gen_jax.estimators.dbn import DeepBeliefNetwork
from gen_jax.models.boltzmann import rbm
from gen_jax.models.boltzmann.dbn import dbn_sample
from gen_jax.models.boltzmann.recommender import recommend, synthetic_ratings


def _params(num_visible, num_hidden, seed):
    rng = np.random.default_rng(seed)
    return rbm.RBMParams(
        weights=jnp.asarray(1.5 * rng.normal(size=(num_visible, num_hidden)), jnp.float32),
        visible_bias=jnp.asarray(rng.normal(size=num_visible), jnp.float32),
        hidden_bias=jnp.asarray(rng.normal(size=num_hidden), jnp.float32),
    )


def test_top_down_sampling_matches_the_exact_generative_distribution():
    bottom, top = _params(4, 3, seed=0), _params(3, 2, seed=1)
    h1 = np.array(list(itertools.product((0.0, 1.0), repeat=3)))
    v = np.array(list(itertools.product((0.0, 1.0), repeat=4)))
    log_top = -np.asarray(rbm.free_energy(top, jnp.asarray(h1, jnp.float32)), np.float64)
    p_top = np.exp(log_top - np.logaddexp.reduce(log_top))  # the top RBM's marginal of h1
    p_v_given_h = np.asarray(rbm.visible_mean(bottom, jnp.asarray(h1, jnp.float32)), np.float64)
    likelihood = np.prod(np.where(v[None] == 1, p_v_given_h[:, None], 1 - p_v_given_h[:, None]), -1)
    exact = p_top @ likelihood  # [16]
    draws = np.asarray(dbn_sample([bottom, top], key=jax.random.key(0), num_samples=20_000,
                                  num_steps=30))  # fmt: skip
    empirical = np.bincount((draws @ [8, 4, 2, 1]).astype(int), minlength=16) / len(draws)
    assert 0.5 * np.abs(empirical - exact).sum() < 0.03


@pytest.fixture(scope="module")
def ratings():
    return synthetic_ratings(200, 40, num_tastes=4, like_probability=0.8, seed=0)


def test_greedy_fit_trains_each_layer_on_the_one_below(ratings):
    x = ratings["observed"]
    # n_iter=30 and 8 hidden units, as in the recommender test below: one compilation.
    dbn = DeepBeliefNetwork((8, 4), batch_size=10, n_iter=30, random_state=0).fit(x)
    first = BernoulliRBM(8, learning_rate=0.05, batch_size=10, n_iter=30)
    first.fit(x, key=jax.random.fold_in(jax.random.key(0), 0))
    np.testing.assert_allclose(dbn.rbms_[0].components_, first.components_, rtol=1e-6)
    assert dbn.rbms_[1].components_.shape == (4, 8)
    assert dbn.transform(x).shape == (200, 4)
    samples = dbn.sample(5, key=jax.random.key(1), num_steps=10)
    assert samples.shape == (5, 40) and set(np.unique(samples)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="layer_sizes"):
        DeepBeliefNetwork((8, 0))


def test_recommender_finds_held_out_likes(ratings):
    model = BernoulliRBM(8, learning_rate=0.2, batch_size=10, n_iter=30, random_state=0)
    model.fit(ratings["observed"])
    top = recommend(model.to_params(), ratings["observed"], top_n=3)
    held_out = ratings["liked"] - ratings["observed"]
    hits = np.take_along_axis(held_out, top, axis=1).mean()
    unseen = 1 - ratings["observed"]
    chance = held_out.sum() / unseen.sum()  # a random unseen item is a held-out like
    assert hits > 0.45 and hits > 3 * chance, (hits, chance)
    genre = np.arange(40) * 4 // 40
    assert (genre[top] == ratings["taste"][:, None]).mean() > 0.8  # the user's own taste
    assert not np.take_along_axis(ratings["observed"], top, axis=1).any()
    with pytest.raises(ValueError, match="top_n=0"):
        recommend(model.to_params(), ratings["observed"], top_n=0)
    with pytest.raises(ValueError, match=r"pass \[num_users, 40\]"):
        recommend(model.to_params(), ratings["observed"][:, :5])
