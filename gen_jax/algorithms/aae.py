r"""Adversarial autoencoder training: three phases per minibatch, one Step.

Every update runs, on the same minibatch :math:`x_{1..B}` (Makhzani et al. 2015, §2):

1. **Reconstruction.** Encoder :math:`q` and decoder :math:`g` take one step on
   :math:`\frac1B \sum_b \mathrm{rec}(x_b, g(z_b))`, :math:`z_b \sim q(z \mid x_b)`.
2. **Regularisation, discriminator.** With codes :math:`z_b` of the updated encoder held
   fixed and prior draws :math:`z'_b \sim p(z)`, the discriminator :math:`D` (logits
   :math:`\ell`) takes one step on the binary cross-entropy, prior labelled real:

   .. math::
       \mathcal L_D = -\frac1B \sum_b \big[\log \sigma(\ell(z'_b))
           + \log\big(1 - \sigma(\ell(z_b))\big)\big].
3. **Regularisation, generator.** The encoder alone takes one step on the non-saturating
   loss :math:`\mathcal L_G = -\frac1B \sum_b \log \sigma(\ell(z_b))`.

Each phase has its own optax optimiser over its own parameters (encoder and decoder;
discriminator; encoder), so the encoder keeps two optimiser states.

With ``conditioning="label"`` (§2.3, figure 4) the discriminator reads :math:`[z,
\mathrm{onehot}(y)]` and the prior draw for example :math:`b` comes from mixture component
:math:`y_b`, so each class is pushed into its own component. One-hot vectors have ``K + 1``
entries: an example with ``label_mask`` false is *unlabelled*, gets the extra class, and its
prior draw comes from the whole mixture.

Keys: ``jax.random.split(key, 4)`` gives the reconstruction phase's encoder noise, the prior
draw, the discriminator phase's and the generator phase's encoder noise (noise is used only
by a probabilistic encoder).

References:
    Makhzani, Shlens, Jaitly, Goodfellow & Frey (2015), Adversarial Autoencoders,
    arXiv:1511.05644.
    Goodfellow et al. (2014), Generative Adversarial Nets, arXiv:1406.2661.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from gen_jax.algorithms.autoencoding import RECONSTRUCTIONS, reconstruction_error
from gen_jax.core.optim import apply_optimizer
from gen_jax.core.step import Step
from gen_jax.losses import adversarial as adv
from gen_jax.models.autoencoders.aae import AdversarialAutoencoder
from gen_jax.models.autoencoders.aae_priors import GaussianMixturePrior

PyTree = Any
CONDITIONINGS = ("none", "label")


@struct.dataclass
class AAEState:
    """State of an adversarial autoencoder.

    Attributes:
        step: scalar int32, number of completed updates.
        params: the autoencoder's parameters, ``{"encoder": ..., "decoder": ...}``.
        discriminator_params: the discriminator's parameters (semi-supervised: a dict of
            one parameter tree per discriminator).
        reconstruction_opt_state: optimiser state of phase 1 (encoder and decoder).
        discriminator_opt_state: optimiser state of phase 2 (discriminators).
        generator_opt_state: optimiser state of phase 3 (encoder).
        classifier_opt_state: optimiser state of the semi-supervised classification phase
            (encoder); ``None`` otherwise.
    """

    step: jax.Array
    params: PyTree
    discriminator_params: PyTree
    reconstruction_opt_state: PyTree
    discriminator_opt_state: PyTree
    generator_opt_state: PyTree
    classifier_opt_state: PyTree = None


def discriminator_logits(
    discriminator: nn.Module, params: PyTree, codes: jax.Array, condition: jax.Array | None
) -> jax.Array:
    """``[B]`` logits of ``discriminator`` on ``codes [B, D]``, ``condition [B, C]`` appended."""
    inputs = codes if condition is None else jnp.concatenate([codes, condition], axis=-1)
    logits = discriminator.apply({"params": params}, inputs)
    return logits.reshape(codes.shape[0])


def code_discriminator_loss(
    discriminator: nn.Module,
    params: PyTree,
    *,
    codes: jax.Array,
    prior_samples: jax.Array,
    condition: jax.Array | None = None,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    r"""Phase 2's :math:`\mathcal L_D`, prior draws labelled 1 and codes 0.

    Args:
        discriminator: ``[B, D (+ C)] -> logits [B, 1]``.
        params: its parameters.
        codes: encoder codes ``[B, D]`` (the "fake" side).
        prior_samples: draws from :math:`p(z)`, ``[B, D]`` (the "real" side).
        condition: optional ``[B, C]`` appended to both sides (one-hot labels).

    Returns:
        ``(loss, metrics)``: the scalar loss and ``d_loss``, ``d_accuracy_prior`` (prior
        draws with logit > 0), ``d_accuracy_codes`` (codes with logit < 0).
    """
    prior_logits = discriminator_logits(discriminator, params, prior_samples, condition)
    code_logits = discriminator_logits(discriminator, params, codes, condition)
    loss = jnp.mean(adv.discriminator_loss(real_logits=prior_logits, fake_logits=code_logits))
    metrics = {
        "d_loss": loss,
        "d_accuracy_prior": jnp.mean((prior_logits > 0).astype(jnp.float32)),
        "d_accuracy_codes": jnp.mean((code_logits < 0).astype(jnp.float32)),
    }
    return loss, metrics


def code_generator_loss(
    discriminator: nn.Module,
    params: PyTree,
    *,
    codes: jax.Array,
    condition: jax.Array | None = None,
) -> jax.Array:
    r"""Phase 3's non-saturating :math:`\mathcal L_G = -\text{mean}\log\sigma(\ell(z))`."""
    logits = discriminator_logits(discriminator, params, codes, condition)
    return jnp.mean(adv.nonsaturating_generator_loss(fake_logits=logits))


def label_condition(labels: jax.Array, mask: jax.Array, num_classes: int) -> jax.Array:
    """``[B, num_classes + 1]`` one-hot labels; unlabelled examples (mask false) get the last."""
    return jax.nn.one_hot(jnp.where(mask, labels, num_classes), num_classes + 1)


def _label_mask(batch: dict[str, jax.Array], batch_size: int) -> jax.Array:
    if "label_mask" not in batch:
        return jnp.ones((batch_size,), bool)
    return batch["label_mask"].astype(bool)


def check_labels(batch: dict[str, Any], data_key: str) -> None:
    """Raise unless ``batch`` has ``label [B]`` (and optionally ``label_mask [B]``)."""
    if "label" not in batch:
        raise KeyError(f"batch has keys {sorted(batch)}; label conditioning needs 'label'")
    batch_size = batch[data_key].shape[0]
    for name in ("label", "label_mask"):
        if name in batch and tuple(batch[name].shape) != (batch_size,):
            raise ValueError(
                f"batch[{name!r}] has shape {tuple(batch[name].shape)} but batch[{data_key!r}] "
                f"holds {batch_size} examples; give one {name} per example"
            )
    if not jnp.issubdtype(batch["label"].dtype, jnp.integer):
        raise TypeError(f"batch['label'] has dtype {batch['label'].dtype}; pass integer labels")


def make_aae_step(
    model: AdversarialAutoencoder,
    discriminator: nn.Module,
    prior,
    reconstruction_optimizer: optax.GradientTransformation,
    discriminator_optimizer: optax.GradientTransformation,
    generator_optimizer: optax.GradientTransformation,
    *,
    reconstruction: str = "mse",
    conditioning: str = "none",
    num_classes: int | None = None,
    data_key: str = "image",
) -> Step:
    r"""The adversarial autoencoder's three-phase Step.

    Args:
        model: an :class:`~gen_jax.models.autoencoders.aae.AdversarialAutoencoder`.
        discriminator: ``[B, D] -> logits [B, 1]`` (``[B, D + K + 1]`` when conditioned),
            e.g. :func:`~gen_jax.models.autoencoders.aae.code_discriminator`.
        prior: a prior of :mod:`gen_jax.models.autoencoders.aae_priors` with ``sample(n, *, key)``;
            a
            :class:`~gen_jax.models.autoencoders.aae_priors.GaussianMixturePrior` with
            ``num_classes``
            components when conditioned.
        reconstruction_optimizer: phase 1, encoder and decoder.
        discriminator_optimizer: phase 2, discriminator.
        generator_optimizer: phase 3, encoder.
        reconstruction: ``"mse"`` (sigmoid output against ``x``, per-example mean) or
            ``"bernoulli"`` (cross-entropy of the logits).
        conditioning: ``"none"`` or ``"label"`` (batch ``label [B]`` int, optional
            ``label_mask [B]``).
        num_classes: number of labels ``K`` (needed with ``"label"``).
        data_key: which batch entry holds the examples.

    Returns:
        ``Step`` over :class:`AAEState`. Metrics: ``reconstruction_loss``, ``d_loss``,
        ``d_accuracy_prior``, ``d_accuracy_codes``, ``g_loss``.
    """
    if reconstruction not in RECONSTRUCTIONS:
        raise ValueError(f"reconstruction={reconstruction!r}; choose one of {RECONSTRUCTIONS}")
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning={conditioning!r}; choose one of {CONDITIONINGS}")
    if not hasattr(prior, "sample"):
        raise TypeError(
            f"prior={prior!r} has no sample(n, *, key); use gen_jax.models.autoencoders.aae_priors"
        )
    conditioned = conditioning == "label"
    if conditioned:
        if not isinstance(prior, GaussianMixturePrior):
            raise TypeError(
                "conditioning='label' draws each prior sample from its label's component: "
                "pass a GaussianMixturePrior (e.g. circle_mixture(num_classes))"
            )
        if num_classes != prior.num_components:
            raise ValueError(
                f"num_classes={num_classes} but the prior has {prior.num_components} "
                "components; conditioning needs one mixture component per label"
            )

    def encode(params, x, key):
        return model.apply({"params": params}, x, key=key, method=AdversarialAutoencoder.encode)

    def reconstruction_objective(params, x, key):
        logits, _ = model.apply({"params": params}, x, key=key)
        return jnp.mean(reconstruction_error(logits, x, reconstruction=reconstruction))

    def prior_and_condition(batch, key):
        batch_size = batch[data_key].shape[0]
        if not conditioned:
            return prior.sample(batch_size, key=key), None
        mask = _label_mask(batch, batch_size)
        labels = jnp.where(mask, batch["label"], 0)
        given_key, free_key = jax.random.split(key)
        samples = jnp.where(
            mask[:, None],
            prior.sample_given(labels, key=given_key),
            prior.sample(batch_size, key=free_key),
        )
        return samples, label_condition(batch["label"], mask, num_classes)

    def init(key: jax.Array, batch: dict[str, jax.Array]) -> AAEState:
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_aae_step(data_key=...) expects {data_key!r}"
            )
        if conditioned:
            check_labels(batch, data_key)
        x = batch[data_key]
        model_key, disc_key, noise_key = jax.random.split(key, 3)
        params = dict(model.init({"params": model_key}, x, key=noise_key)["params"])
        codes = jax.eval_shape(lambda: encode(params, x, noise_key))
        if codes.shape[-1] != prior.dim:
            raise ValueError(
                f"the encoder makes {codes.shape[-1]}-D codes but the prior is {prior.dim}-D; "
                "match the code size to the prior"
            )
        prior_samples, condition = prior_and_condition(batch, disc_key)
        disc_input = prior_samples
        if condition is not None:
            disc_input = jnp.concatenate([prior_samples, condition], axis=-1)
        disc_params = discriminator.init({"params": disc_key}, disc_input)["params"]
        return AAEState(
            step=jnp.zeros((), jnp.int32),
            params=params,
            discriminator_params=disc_params,
            reconstruction_opt_state=reconstruction_optimizer.init(params),
            discriminator_opt_state=discriminator_optimizer.init(disc_params),
            generator_opt_state=generator_optimizer.init(params["encoder"]),
        )

    def update(state: AAEState, batch: dict[str, jax.Array], key: jax.Array):
        x = batch[data_key]
        rec_key, prior_key, disc_code_key, gen_code_key = jax.random.split(key, 4)
        # Phase 1: reconstruction, encoder and decoder.
        rec_loss, grads = jax.value_and_grad(reconstruction_objective)(state.params, x, rec_key)
        params, rec_opt_state = apply_optimizer(
            reconstruction_optimizer, grads, state.reconstruction_opt_state, state.params
        )
        # Phase 2: discriminator, prior draws against the (fixed) codes.
        prior_samples, condition = prior_and_condition(batch, prior_key)
        codes = jax.lax.stop_gradient(encode(params, x, disc_code_key))
        d_grads, d_metrics = jax.grad(
            lambda p: code_discriminator_loss(
                discriminator, p, codes=codes, prior_samples=prior_samples, condition=condition
            ),
            has_aux=True,
        )(state.discriminator_params)
        disc_params, disc_opt_state = apply_optimizer(
            discriminator_optimizer,
            d_grads,
            state.discriminator_opt_state,
            state.discriminator_params,
        )

        # Phase 3: the encoder fools the updated discriminator.
        def generator_objective(encoder_params):
            codes = encode({**params, "encoder": encoder_params}, x, gen_code_key)
            return code_generator_loss(discriminator, disc_params, codes=codes, condition=condition)

        g_loss, g_grads = jax.value_and_grad(generator_objective)(params["encoder"])
        encoder_params, gen_opt_state = apply_optimizer(
            generator_optimizer, g_grads, state.generator_opt_state, params["encoder"]
        )
        new_state = state.replace(
            step=state.step + 1,
            params={**params, "encoder": encoder_params},
            discriminator_params=disc_params,
            reconstruction_opt_state=rec_opt_state,
            discriminator_opt_state=disc_opt_state,
            generator_opt_state=gen_opt_state,
        )
        return new_state, {"reconstruction_loss": rec_loss, **d_metrics, "g_loss": g_loss}

    return Step(init=init, update=update)
