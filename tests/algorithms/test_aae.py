"""The adversarial autoencoder Steps: phase isolation, hand-computed losses, masking, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.aae import code_discriminator_loss, make_aae_step
from gen_jax.algorithms.aae_semi_supervised import masked_cross_entropy
from gen_jax.models.autoencoders.aae import AdversarialAutoencoder, code_discriminator, mlp_aae
from gen_jax.models.autoencoders.aae_priors import StandardGaussianPrior, circle_mixture
from tests.core.aae_cases import (
    aae_step,
    masked_labelled_image_batch,
    semi_supervised_aae_step,
)

BATCH = masked_labelled_image_batch()
KEY = jax.random.key(7)


def _only(active, num_phases=3):
    """Adam 1e-2 for phase ``active``, zero updates for the others."""
    return tuple(
        optax.adam(1e-2) if phase == active else optax.set_to_zero() for phase in range(num_phases)
    )


def _changed(before, after):
    """Whether any leaf differs (bit for bit) between two parameter trees."""
    flags = jax.tree.map(lambda a, b: not np.array_equal(a, b), before, after)
    return any(jax.tree.leaves(flags))


def _run(step, batch=BATCH):
    state = step.init(jax.random.key(0), batch)
    before = jax.tree.map(np.asarray, state)
    new_state, metrics = jax.jit(step.update)(state, batch, KEY)
    return before, jax.tree.map(np.asarray, new_state), jax.device_get(metrics)


@pytest.mark.parametrize(
    "phase, changes",
    [(0, {"encoder", "decoder"}), (1, {"discriminator"}), (2, {"encoder"})],
    ids=["reconstruction", "discriminator", "generator"],
)
def test_each_phase_changes_only_its_own_parameters(phase, changes):
    before, after, _ = _run(aae_step("label", optimizers=_only(phase)))
    changed = {
        "encoder": _changed(before.params["encoder"], after.params["encoder"]),
        "decoder": _changed(before.params["decoder"], after.params["decoder"]),
        "discriminator": _changed(before.discriminator_params, after.discriminator_params),
    }
    assert {name for name, flag in changed.items() if flag} == changes


def test_discriminator_and_generator_losses_equal_hand_computed_bce():
    # Reconstruction frozen, so phases 2 and 3 see the initial encoder's codes.
    step = aae_step(optimizers=(optax.set_to_zero(), optax.adam(1e-2), optax.adam(1e-2)))
    before, after, metrics = _run(step)
    model = mlp_aae((8, 8, 1), 2, hidden_sizes=(16,))
    discriminator = code_discriminator((8,))
    codes = model.apply(
        {"params": before.params}, BATCH["image"], method=AdversarialAutoencoder.encode
    )
    prior_key = jax.random.split(KEY, 4)[1]
    prior_samples = circle_mixture(10).sample(16, key=prior_key)

    def logits(params, z):
        return np.asarray(discriminator.apply({"params": params}, z)[:, 0], np.float64)

    def log_sigmoid(v):
        return -np.log1p(np.exp(-v))

    prior_logits = logits(before.discriminator_params, prior_samples)
    code_logits = logits(before.discriminator_params, codes)
    d_loss = -np.mean(log_sigmoid(prior_logits)) - np.mean(log_sigmoid(-code_logits))
    np.testing.assert_allclose(metrics["d_loss"], d_loss, rtol=1e-5)
    np.testing.assert_allclose(metrics["d_accuracy_prior"], np.mean(prior_logits > 0))
    np.testing.assert_allclose(metrics["d_accuracy_codes"], np.mean(code_logits < 0))
    g_loss = -np.mean(log_sigmoid(logits(after.discriminator_params, codes)))
    np.testing.assert_allclose(metrics["g_loss"], g_loss, rtol=1e-5)
    loss, _ = code_discriminator_loss(
        discriminator, before.discriminator_params, codes=codes, prior_samples=prior_samples
    )
    np.testing.assert_allclose(loss, d_loss, rtol=1e-5)


def test_masked_cross_entropy_ignores_unlabelled_examples():
    logits = jnp.asarray(np.random.default_rng(0).normal(size=(6, 4)), jnp.float32)
    labels = jnp.array([0, 3, 1, 2, 2, 0])
    mask = jnp.array([True, False, True, False, True, False])
    loss, accuracy = masked_cross_entropy(logits, labels, mask)
    log_probs = np.asarray(jax.nn.log_softmax(logits))
    rows = np.array([0, 2, 4])
    np.testing.assert_allclose(loss, -log_probs[rows, labels[rows]].mean(), rtol=1e-6)
    np.testing.assert_allclose(accuracy, np.mean(logits[rows].argmax(1) == labels[rows]))
    # per-example gradient: exactly zero for unlabelled rows, nonzero for labelled ones
    grads = np.asarray(jax.grad(lambda v: masked_cross_entropy(v, labels, mask)[0])(logits))
    assert np.all(grads[~np.asarray(mask)] == 0.0)
    assert np.all(np.abs(grads[np.asarray(mask)]).sum(1) > 0)
    other_labels = labels.at[1].set(0).at[3].set(1)
    np.testing.assert_array_equal(
        grads, jax.grad(lambda v: masked_cross_entropy(v, other_labels, mask)[0])(logits)
    )
    assert masked_cross_entropy(logits, labels, jnp.zeros(6, bool)) == (0.0, 0.0)


def test_semi_supervised_classification_phase_moves_only_the_encoder():
    step = semi_supervised_aae_step(_only(3, num_phases=4))
    before, after, metrics = _run(step)
    assert _changed(before.params["encoder"], after.params["encoder"])
    assert not _changed(before.params["decoder"], after.params["decoder"])
    assert not _changed(before.discriminator_params, after.discriminator_params)
    assert metrics["labelled_fraction"] == 0.5
    # with no labelled example the cross-entropy phase has zero gradient: nothing moves
    unlabelled = {**BATCH, "label_mask": np.zeros(16, bool)}
    before, after, metrics = _run(step, unlabelled)  # the same compiled update
    assert not _changed(before.params, after.params)
    assert metrics["classification_loss"] == 0.0


def test_bad_arguments_raise_clear_errors():
    model, disc = mlp_aae((8, 8, 1), 2, hidden_sizes=(4,)), code_discriminator((4,))
    adam = optax.adam(1e-3)
    with pytest.raises(ValueError, match="num_classes=5 but the prior has 10"):
        make_aae_step(
            model, disc, circle_mixture(10), adam, adam, adam, conditioning="label", num_classes=5
        )
    with pytest.raises(TypeError, match="GaussianMixturePrior"):
        make_aae_step(model, disc, StandardGaussianPrior(2), adam, adam, adam, conditioning="label")
    with pytest.raises(ValueError, match="conditioning='class'"):
        make_aae_step(model, disc, circle_mixture(10), adam, adam, adam, conditioning="class")
    with pytest.raises(TypeError, match="sample"):
        make_aae_step(model, disc, "mixture", adam, adam, adam)
    short_labels = {**BATCH, "label": BATCH["label"][:10]}
    with pytest.raises(ValueError, match="batch\\['label'\\] has shape \\(10,\\)"):
        aae_step("label").init(jax.random.key(0), short_labels)
    with pytest.raises(KeyError, match="'label'"):
        aae_step("label").init(jax.random.key(0), {"image": BATCH["image"]})
    with pytest.raises(ValueError, match="3-D"):
        make_aae_step(model, disc, StandardGaussianPrior(3), adam, adam, adam).init(
            jax.random.key(0), BATCH
        )
    with pytest.raises(KeyError, match="label_mask"):
        semi_supervised_aae_step().init(
            jax.random.key(0), {"image": BATCH["image"], "label": BATCH["label"]}
        )
