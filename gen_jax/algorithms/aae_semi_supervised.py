r"""The semi-supervised adversarial autoencoder (Makhzani et al. 2015, §5, figure 8).

The encoder outputs a style code :math:`z` and class logits :math:`\ell(x)`, with
:math:`y = \operatorname{softmax}(\ell(x))`; the decoder reconstructs from :math:`[y, z]`.
Two discriminators regularise the two heads: :math:`D_z` separates :math:`z` from draws
of the style prior (e.g. :math:`\mathcal N(0, I)`) and :math:`D_y` separates :math:`y` from
one-hot draws of a categorical prior. Every update runs four phases on one minibatch:

1. reconstruction: encoder and decoder on :math:`\mathrm{rec}(x, g([y, z]))`;
2. discriminators: :math:`\mathcal L_{D_z} + \mathcal L_{D_y}` (the BCE of
   :func:`~gen_jax.algorithms.aae.code_discriminator_loss`), one optimiser over both;
3. generator: the encoder on :math:`\mathcal L_{G_z} + \mathcal L_{G_y}` (non-saturating);
4. classification: the encoder on the cross-entropy of :math:`\ell(x)` against the labels
   of the *labelled* examples only,

   .. math::
       \mathcal L_\text{CE} = \frac{\sum_b m_b\, \big(-\log \operatorname{softmax}(\ell(x_b))
           _{y_b}\big)}{\max(1, \sum_b m_b)},

   where the batch's ``label_mask`` :math:`m_b` is 1 for labelled examples; unlabelled ones
   contribute exactly zero gradient.

Keys: ``jax.random.split(key, 2)`` gives the style prior's and the categorical prior's draws.

References:
    Makhzani, Shlens, Jaitly, Goodfellow & Frey (2015), Adversarial Autoencoders,
    arXiv:1511.05644, §5.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.aae import (
    AAEState,
    check_labels,
    code_discriminator_loss,
    code_generator_loss,
)
from gen_jax.algorithms.autoencoding import RECONSTRUCTIONS, reconstruction_error
from gen_jax.core.optim import apply_optimizer
from gen_jax.core.step import Step
from gen_jax.models.autoencoders.aae import SemiSupervisedAAE
from gen_jax.models.autoencoders.aae_priors import CategoricalPrior


def masked_cross_entropy(
    class_logits: jax.Array, labels: jax.Array, mask: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """Phase 4's :math:`\\mathcal L_\\text{CE}` and the accuracy on the labelled examples.

    Args:
        class_logits: ``[B, K]``.
        labels: ``[B]`` int; entries where ``mask`` is false are ignored (any value).
        mask: ``[B]`` bool or 0/1, true for labelled examples.

    Returns:
        ``(loss, accuracy)``, scalars; both 0 when no example is labelled.
    """
    mask = mask.astype(class_logits.dtype)
    safe_labels = jnp.where(mask > 0, labels, 0)
    log_probs = jax.nn.log_softmax(class_logits)
    nll = -jnp.take_along_axis(log_probs, safe_labels[:, None], axis=1)[:, 0]
    count = jnp.maximum(jnp.sum(mask), 1.0)
    correct = (jnp.argmax(class_logits, axis=1) == safe_labels).astype(class_logits.dtype)
    return jnp.sum(mask * nll) / count, jnp.sum(mask * correct) / count


def make_semi_supervised_aae_step(
    model: SemiSupervisedAAE,
    style_discriminator: nn.Module,
    category_discriminator: nn.Module,
    style_prior,
    reconstruction_optimizer: optax.GradientTransformation,
    discriminator_optimizer: optax.GradientTransformation,
    generator_optimizer: optax.GradientTransformation,
    classifier_optimizer: optax.GradientTransformation,
    *,
    num_classes: int,
    reconstruction: str = "mse",
    data_key: str = "image",
) -> Step:
    """The semi-supervised AAE's four-phase Step.

    Args:
        model: a :class:`~gen_jax.models.autoencoders.aae.SemiSupervisedAAE` with ``num_classes``
        logits.
        style_discriminator: :math:`D_z`, ``[B, D] -> [B, 1]``.
        category_discriminator: :math:`D_y`, ``[B, num_classes] -> [B, 1]``.
        style_prior: the style prior (``sample(n, *, key) -> [n, D]``).
        reconstruction_optimizer: phase 1, encoder and decoder.
        discriminator_optimizer: phase 2, both discriminators.
        generator_optimizer: phase 3, encoder.
        classifier_optimizer: phase 4, encoder.
        num_classes: ``K``; the categorical prior is uniform over ``K`` classes.
        reconstruction: ``"mse"`` or ``"bernoulli"``.
        data_key: which batch entry holds the examples; the batch also needs ``label [B]``
            int and ``label_mask [B]`` (true where the label is known).

    Returns:
        ``Step`` over :class:`~gen_jax.algorithms.aae.AAEState` whose discriminator
        parameters are ``{"style": ..., "category": ...}``. Metrics:
        ``reconstruction_loss``, ``d_loss`` (sum of both), ``style_d_loss``,
        ``style_d_accuracy_prior``, ``style_d_accuracy_codes``, the same three for
        ``category``, ``g_loss``, ``classification_loss``, ``classification_accuracy``
        (labelled examples) and ``labelled_fraction``.
    """
    if reconstruction not in RECONSTRUCTIONS:
        raise ValueError(f"reconstruction={reconstruction!r}; choose one of {RECONSTRUCTIONS}")
    category_prior = CategoricalPrior(num_classes)

    def forward(params, x):
        return model.apply({"params": params}, x)

    def encode(params, x):
        return model.apply({"params": params}, x, method=SemiSupervisedAAE.encode)

    def reconstruction_objective(params, x):
        logits, _, _ = forward(params, x)
        return jnp.mean(reconstruction_error(logits, x, reconstruction=reconstruction))

    def init(key: jax.Array, batch) -> AAEState:
        if data_key not in batch:
            raise KeyError(f"batch has keys {sorted(batch)}; expected {data_key!r}")
        if "label_mask" not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; the semi-supervised AAE needs 'label_mask' "
                "[B], true for the labelled examples"
            )
        check_labels(batch, data_key)
        x = batch[data_key]
        model_key, style_key, category_key = jax.random.split(key, 3)
        params = dict(model.init({"params": model_key}, x)["params"])
        style, class_logits = jax.eval_shape(lambda: encode(params, x))
        if class_logits.shape[-1] != num_classes:
            raise ValueError(
                f"the encoder gives {class_logits.shape[-1]} class logits but "
                f"num_classes={num_classes}; build the model with num_classes classes"
            )
        if style.shape[-1] != style_prior.dim:
            raise ValueError(
                f"the style code is {style.shape[-1]}-D but the style prior is "
                f"{style_prior.dim}-D; match them"
            )
        disc_params = {
            "style": style_discriminator.init(
                {"params": style_key}, jnp.zeros(style.shape, style.dtype)
            )["params"],
            "category": category_discriminator.init(
                {"params": category_key}, jnp.zeros(class_logits.shape, class_logits.dtype)
            )["params"],
        }
        return AAEState(
            step=jnp.zeros((), jnp.int32),
            params=params,
            discriminator_params=disc_params,
            reconstruction_opt_state=reconstruction_optimizer.init(params),
            discriminator_opt_state=discriminator_optimizer.init(disc_params),
            generator_opt_state=generator_optimizer.init(params["encoder"]),
            classifier_opt_state=classifier_optimizer.init(params["encoder"]),
        )

    def discriminator_objective(disc_params, style, class_probs, style_draws, category_draws):
        style_loss, style_metrics = code_discriminator_loss(
            style_discriminator, disc_params["style"], codes=style, prior_samples=style_draws
        )
        category_loss, category_metrics = code_discriminator_loss(
            category_discriminator,
            disc_params["category"],
            codes=class_probs,
            prior_samples=category_draws,
        )
        metrics = {f"style_{name}": value for name, value in style_metrics.items()}
        metrics |= {f"category_{name}": value for name, value in category_metrics.items()}
        metrics["d_loss"] = style_loss + category_loss
        return style_loss + category_loss, metrics

    def update(state: AAEState, batch, key: jax.Array):
        x = batch[data_key]
        batch_size = x.shape[0]
        style_key, category_key = jax.random.split(key)
        # Phase 1: reconstruction.
        rec_loss, grads = jax.value_and_grad(reconstruction_objective)(state.params, x)
        params, rec_opt_state = apply_optimizer(
            reconstruction_optimizer, grads, state.reconstruction_opt_state, state.params
        )
        # Phase 2: both discriminators against fixed codes.
        style, class_logits = jax.lax.stop_gradient(encode(params, x))
        d_grads, d_metrics = jax.grad(discriminator_objective, has_aux=True)(
            state.discriminator_params,
            style,
            jax.nn.softmax(class_logits),
            style_prior.sample(batch_size, key=style_key),
            category_prior.sample(batch_size, key=category_key),
        )
        disc_params, disc_opt_state = apply_optimizer(
            discriminator_optimizer,
            d_grads,
            state.discriminator_opt_state,
            state.discriminator_params,
        )

        # Phase 3: the encoder fools both discriminators.
        def generator_objective(encoder_params):
            style, class_logits = encode({**params, "encoder": encoder_params}, x)
            return code_generator_loss(
                style_discriminator, disc_params["style"], codes=style
            ) + code_generator_loss(
                category_discriminator, disc_params["category"], codes=jax.nn.softmax(class_logits)
            )

        g_loss, g_grads = jax.value_and_grad(generator_objective)(params["encoder"])
        encoder_params, gen_opt_state = apply_optimizer(
            generator_optimizer, g_grads, state.generator_opt_state, params["encoder"]
        )
        # Phase 4: supervised cross-entropy on the labelled examples.
        mask = batch["label_mask"].astype(bool)

        def classification_objective(encoder_params):
            _, class_logits = encode({**params, "encoder": encoder_params}, x)
            return masked_cross_entropy(class_logits, batch["label"], mask)

        (ce_loss, accuracy), ce_grads = jax.value_and_grad(classification_objective, has_aux=True)(
            encoder_params
        )
        encoder_params, classifier_opt_state = apply_optimizer(
            classifier_optimizer, ce_grads, state.classifier_opt_state, encoder_params
        )
        new_state = state.replace(
            step=state.step + 1,
            params={**params, "encoder": encoder_params},
            discriminator_params=disc_params,
            reconstruction_opt_state=rec_opt_state,
            discriminator_opt_state=disc_opt_state,
            generator_opt_state=gen_opt_state,
            classifier_opt_state=classifier_opt_state,
        )
        metrics = {
            "reconstruction_loss": rec_loss,
            **d_metrics,
            "g_loss": g_loss,
            "classification_loss": ce_loss,
            "classification_accuracy": accuracy,
            "labelled_fraction": jnp.mean(mask.astype(jnp.float32)),
        }
        return new_state, metrics

    return Step(init=init, update=update)
