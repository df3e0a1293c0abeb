"""The Step contract of DESIGN.md, checked for every registered Step.

Each later model family adds its Step to ``REGISTRY``: a name and a function returning
``(step, example_batch)``. Every Step must compile once, give finite scalar metrics, give
the same result on 8 devices as on 1, consume its donated state, and agree with
``jax.eval_shape(init)``.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.contrastive import make_contrastive_step
from gen_jax.algorithms.fvsbn import make_fvsbn_step
from gen_jax.core.sharding import batch_sharding, make_mesh, shard_batch, state_shardings
from gen_jax.core.step import compile_init, compile_step
from tests.core.aae_cases import aae_step, masked_labelled_image_batch, semi_supervised_aae_step
from tests.core.adversarial_cases import camel_gan_step, conditional_gan_step, mlp_gan_step
from tests.core.autoregressive_cases import (
    made_step_and_batch,
    pixelcnn_step_and_batch,
    wavenet_step_and_batch,
)
from tests.core.cases import (
    binary_batch,
    classifier_step,
    conv_autoencoder_step,
    conv_vae_step,
    cvae_step,
    em_gmm_step,
    image_batch,
    labelled_image_batch,
    learned_variance_elbo_step,
    least_squares_gradient_step,
    mlp_vae_step,
    points_batch,
    regularised_autoencoder_step,
    stacked_second_layer_step,
    stochastic_em_gmm_step,
)
from tests.core.pixelvae_cases import pixel_vae_step_and_batch
from tests.core.sequence_cases import em_hmm_step, em_pcfg_step_and_batch, sequence_batch
from tests.core.sequence_model_cases import (
    language_model_step_and_batch,
    question_generation_step_and_batch,
)
from tests.core.transformer_cases import (
    bert_step_and_batch,
    gpt_step_and_batch,
    sequence_to_sequence_step_and_batch,
)
from tests.core.translation_cases import cyclegan_step, unpaired_image_batch
from tests.core.vae_rest_cases import face_vae_step, stacked_fine_tune_step

# A case returns (step, batch), or (step, batch, layout) where layout(abstract_state, mesh)
# gives the state's shardings (largest_axis_shardings for parameter sharding); the default
# layout is state_shardings, replicated.
REGISTRY = {
    "made_order_agnostic": made_step_and_batch,
    "pixelcnn_binary": pixelcnn_step_and_batch,
    "pixelcnn_gated_class_conditional": lambda: pixelcnn_step_and_batch(gated=True),
    "wavenet_global_condition": wavenet_step_and_batch,
    "gan_camel_bn_dropout_k2": lambda: (camel_gan_step(), image_batch()),
    "cgan_mlp_label_onehot": lambda: (conditional_gan_step(), labelled_image_batch()),
    "gan_mlp_bn_both_players": lambda: (mlp_gan_step("bn"), points_batch()),
    "wgan_clip_n3": lambda: (mlp_gan_step("wgan_clip"), points_batch()),
    "wgan_gp_n2": lambda: (mlp_gan_step("wgan_gp"), points_batch()),
    "vae_learned_variance_beta_k3": lambda: (learned_variance_elbo_step(), image_batch()),
    "cvae_label_prior": lambda: (cvae_step(), labelled_image_batch()),
    "ae_conv_mse": lambda: (conv_autoencoder_step(), image_batch()),
    "ae_denoising_sparse_contractive": lambda: (regularised_autoencoder_step(), image_batch()),
    "stacked_ae_second_layer": lambda: (stacked_second_layer_step(), image_batch()),
    "stacked_ae_fine_tune": lambda: (stacked_fine_tune_step(), image_batch()),
    "vae_face_bn_dropout": lambda: (face_vae_step(), image_batch()),
    "vae_conv_mse": lambda: (conv_vae_step(), image_batch()),
    "vae_mlp_bernoulli": lambda: (mlp_vae_step(), image_batch()),
    "em_gmm_full": lambda: (em_gmm_step("full"), points_batch()),
    "em_gmm_tied": lambda: (em_gmm_step("tied"), points_batch()),
    "stochastic_em_gmm_diag": lambda: (stochastic_em_gmm_step("diag"), points_batch()),
    "rbm_pcd1": lambda: (make_contrastive_step(optax.sgd(0.1), num_hidden=5), binary_batch()),
    "rbm_cd2_gaussian": lambda: (
        make_contrastive_step(
            optax.sgd(0.01), num_hidden=5, num_gibbs_steps=2, persistent=False, visible="gaussian"
        ),
        binary_batch(),
    ),
    "gradient_least_squares_sgd": lambda: (least_squares_gradient_step(), points_batch()),
    "fvsbn_adam": lambda: (make_fvsbn_step(optax.adam(0.01), l2_penalty=0.01), binary_batch()),
    "classifier_mlp": lambda: (classifier_step("mlp"), labelled_image_batch()),
    "classifier_cnn_bn_dropout": lambda: (classifier_step("cnn"), labelled_image_batch()),
    "em_hmm_gaussian_diag": lambda: (em_hmm_step(), sequence_batch()),
    "em_pcfg": em_pcfg_step_and_batch,
    "pixel_vae_free_bits": pixel_vae_step_and_batch,
    "aae_mixture_prior": lambda: (aae_step(), image_batch()),
    "aae_label_conditioned_gaussian_encoder": lambda: (
        aae_step("label", probabilistic=True),
        masked_labelled_image_batch(),
    ),
    "aae_semi_supervised": lambda: (semi_supervised_aae_step(), masked_labelled_image_batch()),
    "gpt_next_token_parameter_sharded": gpt_step_and_batch,
    "bert_masked_lm_padded": bert_step_and_batch,
    "transformer_sequence_to_sequence": sequence_to_sequence_step_and_batch,
    "recurrent_language_model_padded": language_model_step_and_batch,
    "question_generator_padded": question_generation_step_and_batch,
    "cyclegan_unet_book_pool": lambda: (cyclegan_step("unet"), unpaired_image_batch()),
    "cyclegan_resnet_paper_pool_decay": lambda: (
        cyclegan_step("resnet"),
        unpaired_image_batch(size=8),
    ),
}


def _run_updates(step, batch, num_devices, *, calls, start=None, layout=state_shardings):
    """Compile and run ``calls`` updates on ``num_devices``; from ``start`` when given
    (placed with the state shardings ``layout`` gives), else from the compiled ``init``."""
    mesh = make_mesh(num_devices)
    key = jax.random.key(0)
    abstract = jax.eval_shape(step.init, key, batch)
    shardings = layout(abstract, mesh)
    if start is None:
        state = compile_init(step.init, mesh=mesh, state_sharding=shardings)(key, batch)
    else:
        state = jax.device_put(start, shardings)
    initial = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), state)
    start = jax.tree.map(jnp.copy, state)  # the update donates ``state``
    update = compile_step(step.update, mesh=mesh, state_sharding=shardings)
    placed = shard_batch(batch, batch_sharding(mesh))
    host_states, host_metrics = [], []
    for _ in range(calls):
        previous = state
        state, metrics = update(state, placed, jax.random.key(1))
        host_states.append(jax.tree.map(jnp.copy, state))  # reading on host would pin it
        host_metrics.append(jax.device_get(metrics))
    return dict(
        abstract=abstract,
        start=start,
        initial=initial,
        update=update,
        previous=previous,
        states=host_states,
        metrics=host_metrics,
    )


@pytest.fixture(params=sorted(REGISTRY), scope="module")
def outcome(request):
    """One Step run once on 1 device and twice on 8, shared by the checks below.

    Both runs start from the same state (``init`` compiled on 1 device; the experiments'
    tests compile it on 8), so that the comparison is about the update alone.
    """
    step, batch, *custom_layout = REGISTRY[request.param]()
    layout = custom_layout[0] if custom_layout else state_shardings
    on_one = _run_updates(step, batch, 1, calls=1, layout=layout)
    on_eight = _run_updates(step, batch, 8, calls=2, start=on_one["start"], layout=layout)
    return on_one, on_eight


def test_second_call_compiles_nothing_and_metrics_are_finite_scalars(outcome):
    _, on_eight = outcome
    assert on_eight["update"]._cache_size() == 1
    metrics = on_eight["metrics"][-1]
    assert metrics, "a Step must report at least one metric"
    for name, value in metrics.items():
        assert np.shape(value) == (), f"metric {name} is not a scalar"
        assert np.isfinite(value), f"metric {name} is not finite"
    assert int(on_eight["states"][-1].step) == 2


def test_eight_devices_equal_one_device(outcome):
    on_one, on_eight = outcome
    for name, value in on_one["metrics"][0].items():
        np.testing.assert_allclose(value, on_eight["metrics"][0][name], rtol=1e-5)
    leaves_1 = jax.tree.leaves(on_one["states"][0])
    leaves_8 = jax.tree.leaves(on_eight["states"][0])
    for a, b in zip(leaves_1, leaves_8, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_donated_state_is_consumed(outcome):
    _, on_eight = outcome
    assert all(leaf.is_deleted() for leaf in jax.tree.leaves(on_eight["previous"]))


def test_eval_shape_of_init_matches_init(outcome):
    for run in outcome:
        abstract = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), run["abstract"])
        assert abstract == run["initial"]
