"""The GAN Step: critic loop, clipping, penalties, batch-norm bookkeeping and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.adversarial import _DISCRIMINATOR_HALVES, make_gan_step
from gen_jax.losses import adversarial as adv
from gen_jax.models.gans.dcgan import MLPDiscriminator, MLPGenerator


def _points(batch_size=16, seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(batch_size, 2)).astype(np.float32)}


def _step(**kwargs):
    defaults = dict(latent_dim=3, data_key="x")
    return make_gan_step(
        kwargs.pop("generator", MLPGenerator(output_shape=(2,), hidden_sizes=(8,))),
        kwargs.pop("discriminator", MLPDiscriminator(hidden_sizes=(8,))),
        optax.adam(1e-3),
        kwargs.pop("d_opt", optax.adam(1e-3)),
        **{**defaults, **kwargs},
    )


def _run(step, calls=3):
    batch = _points()
    state = step.init(jax.random.key(0), batch)
    update = jax.jit(step.update)
    for call in range(calls):
        state, metrics = update(state, batch, jax.random.key(call))
    return state, metrics


def test_weight_clipping_keeps_every_critic_weight_in_bounds():
    step = _step(loss="wasserstein", num_critic_steps=2, clip=0.01, d_opt=optax.sgd(1.0))
    state, metrics = _run(step)
    leaves = jax.tree.leaves(state.disc.variables["params"])
    assert max(float(jnp.max(jnp.abs(leaf))) for leaf in leaves) <= 0.01 + 1e-7
    assert any(float(jnp.max(jnp.abs(leaf))) > 0.009 for leaf in leaves)  # clipping was active
    assert "wasserstein_estimate" in metrics


def test_num_critic_steps_updates_per_generator_update_and_the_gradient_penalty_in_the_loss():
    state, metrics = _run(_step(loss="wasserstein", num_critic_steps=4, gp_weight=10.0), calls=3)
    assert int(state.step) == 3
    assert int(state.disc.opt_state[0].count) == 12
    assert int(state.gen.opt_state[0].count) == 3
    assert np.isfinite(metrics["gradient_penalty"]) and metrics["gradient_penalty"] >= 0
    np.testing.assert_allclose(
        metrics["d_loss"],
        metrics["d_loss_real"] + metrics["d_loss_fake"] + 10.0 * metrics["gradient_penalty"],
        rtol=1e-5,
    )


def test_batch_norm_statistics_move_for_both_players():
    step = _step(
        generator=MLPGenerator(output_shape=(2,), hidden_sizes=(8,), batch_norm=True),
        discriminator=MLPDiscriminator(hidden_sizes=(8,), batch_norm=True),
    )
    batch = _points()
    state = step.init(jax.random.key(0), batch)
    before = jax.tree.map(np.asarray, state)
    after, _ = jax.jit(step.update)(state, batch, jax.random.key(1))
    for player in ("gen", "disc"):
        old = jax.tree.leaves(getattr(before, player).variables["batch_stats"])
        new = jax.tree.leaves(getattr(after, player).variables["batch_stats"])
        assert all(not np.allclose(a, b) for a, b in zip(old, new, strict=True))


def test_minimax_and_nonsaturating_share_the_discriminator_but_not_the_generator_loss():
    _, minimax = _run(_step(loss="minimax"), calls=1)
    _, nonsaturating = _run(_step(loss="nonsaturating"), calls=1)
    np.testing.assert_allclose(minimax["d_loss"], nonsaturating["d_loss"], rtol=1e-6)
    assert minimax["g_loss"] < 0 < nonsaturating["g_loss"]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(loss="kl"), ValueError, "loss='kl'"),
        (dict(num_critic_steps=0), ValueError, "num_critic_steps=0"),
        (dict(clip=-1.0), ValueError, "clip=-1.0"),
        (dict(noise="cauchy"), ValueError, "noise='cauchy'"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        _step(**kwargs)


def test_bad_batches_and_models_are_named():
    with pytest.raises(KeyError, match="data_key"):
        _step().init(jax.random.key(0), {"image": np.zeros((4, 2), np.float32)})
    wrong = _step(generator=MLPGenerator(output_shape=(3,), hidden_sizes=(4,)))
    with pytest.raises(ValueError, match=r"generator makes examples of shape \(16, 3\)"):
        wrong.init(jax.random.key(0), _points())
    penalised = _step(discriminator=MLPDiscriminator(batch_norm=True), gp_weight=1.0)
    with pytest.raises(ValueError, match="LayerNorm"):
        penalised.init(jax.random.key(0), _points())


def test_real_and_fake_halves_add_up_to_the_level_one_discriminator_losses():
    real, fake = jnp.array([-1.5, 0.2, 2.0]), jnp.array([0.7, -0.3, -2.5])
    level_one = {
        "probability": adv.discriminator_loss(real_logits=real, fake_logits=fake),
        "least_squares": adv.least_squares_discriminator_loss(real_scores=real, fake_scores=fake),
        "hinge": adv.hinge_discriminator_loss(real_scores=real, fake_scores=fake),
        "wasserstein": adv.wasserstein_critic_loss(real_scores=real, fake_scores=fake),
    }
    assert set(level_one) == set(_DISCRIMINATOR_HALVES)
    for family, (real_half, fake_half) in _DISCRIMINATOR_HALVES.items():
        np.testing.assert_allclose(real_half(real) + fake_half(fake), level_one[family], rtol=1e-6)
