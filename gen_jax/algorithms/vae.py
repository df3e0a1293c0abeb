r"""Variational autoencoders: the ELBO objective, its Step and the IWAE bound.

For an encoder :math:`q_\phi(z \mid x) = \mathcal N(\mu, \operatorname{diag}\sigma^2)`,
a prior :math:`p(z)` (standard normal, or the learned :math:`p(z \mid y)` of a conditional
VAE) and a decoder :math:`p_\theta(x \mid z)`, the per-example loss is

.. math::
    \mathcal L(x) = w \cdot \frac1K \sum_{k=1}^K \mathrm{rec}(x, z_k)
        + \beta\,\mathrm{KL}\big(q_\phi(z \mid x)\,\|\,p(z)\big),
    \qquad z_k = \mu + \sigma \odot \epsilon_k,

with the KL in closed form and :math:`\mathrm{rec} = -\log p_\theta(x \mid z)`. With
``w = β = 1`` and a proper likelihood, :math:`-\mathcal L` is the ELBO; ``β > 1`` is the
β-VAE. The observation models are ``"bernoulli"`` (logits), ``"gaussian"`` (fixed
variance), ``"gaussian_learned"`` (the decoder's last axis holds the mean, then the
log-variance, so it is twice the data's) and the book's ``"mse"`` (per-image mean squared
error of the sigmoid output, not a likelihood; ``w = 1000`` is Foster's digits VAE). A
conditional VAE (``label_key``) sees the label in its encoder, decoder and prior. The
importance-weighted bound

.. math::
    \mathcal L_K(x) = \log \frac1K \sum_{k=1}^K
        \frac{p_\theta(x \mid z_k)\,p(z_k)}{q_\phi(z_k \mid x)} \le \log p_\theta(x)

increases with ``K`` and evaluates test log-likelihood in nats (:func:`iwae_bound`).

References:
    Kingma & Welling (2014), Auto-Encoding Variational Bayes, arXiv:1312.6114.
    Higgins et al. (2017), beta-VAE, ICLR.
    Sohn, Lee & Yan (2015), Learning Structured Output Representation using Deep
    Conditional Generative Models, NeurIPS.
    Burda, Grosse & Salakhutdinov (2016), Importance Weighted Autoencoders,
    arXiv:1509.00519.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 3.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step
from gen_jax.losses import (
    bernoulli_log_prob,
    gaussian_kl,
    gaussian_kl_between,
    gaussian_log_prob,
    mean_squared_error,
)
from gen_jax.models.autoencoders.cvae import CVAE
from gen_jax.models.autoencoders.vae import VAE, reparameterize

LIKELIHOODS = ("bernoulli", "gaussian", "gaussian_learned", "mse")


def _check_likelihood(likelihood: str) -> None:
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood={likelihood!r}; choose one of {LIKELIHOODS}")


def _split_learned(decoder_output: jax.Array, x_shape: tuple[int, ...]):
    channels = x_shape[-1]
    if decoder_output.shape[-1] != 2 * channels:
        raise ValueError(
            f"likelihood='gaussian_learned' needs a decoder with {2 * channels} output "
            f"channels (mean, then log-variance) for data with {channels}; it has "
            f"{decoder_output.shape[-1]}"
        )
    return decoder_output[..., :channels], decoder_output[..., channels:]


def check_decoder_output(
    output_shape: tuple[int, ...], data_shape: tuple[int, ...], likelihood: str
) -> None:
    """Raise a ``ValueError`` unless a decoder output of ``output_shape`` fits data of
    ``data_shape`` (the same, or twice the channels for ``"gaussian_learned"``)."""
    expected = tuple(data_shape)
    if likelihood == "gaussian_learned":
        expected = (*expected[:-1], 2 * expected[-1])
    if tuple(output_shape) != expected:
        raise ValueError(
            f"the decoder produces {tuple(output_shape[1:])} but likelihood={likelihood!r} "
            f"needs {expected[1:]} for data of shape {tuple(data_shape[1:])}; match the "
            "decoder's output shape to the data (image size, channels, strides)"
        )


def reconstruction_loss(
    decoder_output: jax.Array,
    x: jax.Array,
    *,
    likelihood: str,
    observation_log_var: float = 0.0,
) -> jax.Array:
    """Per-example reconstruction term :math:`-\\log p(x \\mid z)` (or the book's MSE).

    Args:
        decoder_output: ``[B, ...]``: logits for ``"bernoulli"`` and ``"mse"``, the mean
            for ``"gaussian"``; for ``"gaussian_learned"`` the last axis is twice the
            data's (mean, then log-variance).
        x: data ``[B, ...]``.
        likelihood: one of :data:`LIKELIHOODS`; ``"mse"`` is the mean squared error of
            ``sigmoid(decoder_output)`` over each example.
        observation_log_var: the fixed log-variance of ``"gaussian"``.

    Returns:
        ``[B]``.
    """
    _check_likelihood(likelihood)
    event_ndims = x.ndim - 1
    if likelihood == "bernoulli":
        return -bernoulli_log_prob(decoder_output, x, event_ndims=event_ndims)
    if likelihood == "gaussian":
        return -gaussian_log_prob(decoder_output, observation_log_var, x, event_ndims=event_ndims)
    if likelihood == "gaussian_learned":
        mean, log_var = _split_learned(decoder_output, x.shape)
        return -gaussian_log_prob(mean, log_var, x, event_ndims=event_ndims)
    return mean_squared_error(jax.nn.sigmoid(decoder_output), x, event_ndims=event_ndims)


def observation_mean(decoder_output: jax.Array, likelihood: str) -> jax.Array:
    """The mean image of :math:`p(x \\mid z)`: a sigmoid for ``"bernoulli"``/``"mse"``,
    the (first half of the) output for the Gaussians."""
    _check_likelihood(likelihood)
    if likelihood == "gaussian_learned":
        return decoder_output[..., : decoder_output.shape[-1] // 2]
    return decoder_output if likelihood == "gaussian" else jax.nn.sigmoid(decoder_output)


def weighted_loss_and_metrics(
    reconstruction: jax.Array,
    kl: jax.Array,
    *,
    likelihood: str,
    beta: float,
    reconstruction_weight: float,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """``mean(reconstruction_weight * reconstruction + beta * kl)`` from per-example
    ``[B]`` terms, with batch-mean metrics; ``elbo`` only for proper likelihoods."""
    loss = jnp.mean(reconstruction_weight * reconstruction + beta * kl)
    metrics = {"loss": loss, "reconstruction": jnp.mean(reconstruction), "kl": jnp.mean(kl)}
    if likelihood != "mse":
        metrics["elbo"] = -jnp.mean(reconstruction + kl)
    return loss, metrics


def multi_sample_reconstruction(
    decode: Callable[[jax.Array], jax.Array],
    x: jax.Array,
    mean: jax.Array,
    log_var: jax.Array,
    *,
    key: jax.Array,
    num_samples: int,
    likelihood: str,
    observation_log_var: float = 0.0,
) -> jax.Array:
    """:math:`\\frac1K\\sum_k \\mathrm{rec}(x, z_k)` per example, ``[B]``.

    Args:
        decode: ``z [N, d] -> decoder output [N, ...]``.
        x: data ``[B, ...]``.
        mean, log_var: the encoder's ``[B, d]``.
        key: randomness for the ``K`` reparameterised codes (``K = 1`` draws the same
            noise as :func:`~gen_jax.models.autoencoders.vae.reparameterize` on ``[B, d]``).
        num_samples: ``K``; the decoder runs once on all ``K * B`` codes.
        likelihood, observation_log_var: as in :func:`reconstruction_loss`.
    """
    noise_shape = (num_samples, *mean.shape)
    codes = reparameterize(
        jnp.broadcast_to(mean, noise_shape), jnp.broadcast_to(log_var, noise_shape), key=key
    )
    output = decode(codes.reshape(-1, mean.shape[-1]))
    output = output.reshape(num_samples, x.shape[0], *output.shape[1:])
    repeated = jnp.broadcast_to(x, (num_samples, *x.shape))
    rec = jax.vmap(
        lambda out, data: reconstruction_loss(
            out, data, likelihood=likelihood, observation_log_var=observation_log_var
        )
    )(output, repeated)
    return jnp.mean(rec, axis=0)


def vae_objective(
    params,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: nn.Module,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    num_samples: int = 1,
    observation_log_var: float = 0.0,
    data_key: str = "image",
    label_key: str | None = None,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Batch mean of the module docstring's loss and its parts; differentiable in ``params``.

    Args:
        params: the model's parameters.
        batch: a dict whose ``data_key`` entry is ``x [B, ...]`` (and, with ``label_key``,
            whose ``label_key`` entry is integer labels ``[B]``).
        key: randomness for the ``K`` reparameterised codes per example.
        model: a :class:`~gen_jax.models.autoencoders.vae.VAE` (``encode(x)``,
            ``decode(z)``), or with ``label_key`` a
            :class:`~gen_jax.models.autoencoders.cvae.CVAE` (``encode(x, y)``,
            ``decode(z, y)``, ``prior(y)``).
        likelihood: one of :data:`LIKELIHOODS`.
        beta: :math:`\\beta`, weight of the KL term.
        reconstruction_weight: :math:`w`, weight of the reconstruction term (the book's
            ``r_loss_factor``).
        num_samples: :math:`K`, codes per example.
        observation_log_var: the fixed log-variance of ``"gaussian"``.
        data_key: which entry of ``batch`` holds the data.
        label_key: which entry holds the labels of a conditional VAE; ``None`` for an
            unconditional one (prior :math:`\\mathcal N(0, I)`).

    Returns:
        ``(loss, metrics)``: ``loss``, ``reconstruction``, ``kl`` (batch means) and, for
        proper likelihoods, ``elbo`` (nats per example, the K-sample estimate).
    """
    x = batch[data_key]
    labels = () if label_key is None else (batch[label_key],)
    variables = {"params": params}
    mean, log_var = model.apply(variables, x, *labels, method="encode")

    def decode(z):
        tiled = tuple(jnp.tile(y, z.shape[0] // y.shape[0]) for y in labels)
        return model.apply(variables, z, *tiled, method="decode")

    reconstruction = multi_sample_reconstruction(
        decode,
        x,
        mean,
        log_var,
        key=key,
        num_samples=num_samples,
        likelihood=likelihood,
        observation_log_var=observation_log_var,
    )
    if label_key is None:
        kl = gaussian_kl(mean, log_var)
    else:
        kl = gaussian_kl_between(mean, log_var, *model.apply(variables, *labels, method="prior"))
    return weighted_loss_and_metrics(
        reconstruction,
        kl,
        likelihood=likelihood,
        beta=beta,
        reconstruction_weight=reconstruction_weight,
    )


def make_vae_step(
    model: nn.Module,
    optimizer: optax.GradientTransformation,
    *,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    num_samples: int = 1,
    observation_log_var: float = 0.0,
    data_key: str = "image",
    label_key: str | None = None,
) -> Step:
    """A Step that trains a VAE (or, with ``label_key``, a CVAE) on :func:`vae_objective`.

    Args:
        model: the ``VAE`` or ``CVAE``.
        optimizer: the optax optimiser.
        likelihood, beta, reconstruction_weight, num_samples, observation_log_var,
            data_key, label_key: as in :func:`vae_objective`.

    Returns:
        A Step of :func:`~gen_jax.algorithms.gradient.make_gradient_step` over a
        ``TrainState``; metrics: the objective's plus ``grad_norm``.
    """
    _check_likelihood(likelihood)
    if beta < 0 or reconstruction_weight < 0 or beta == reconstruction_weight == 0:
        raise ValueError(
            f"beta={beta}, reconstruction_weight={reconstruction_weight}: both must be >= 0 "
            "and not both 0 (beta=0 trains on reconstruction only, reconstruction_weight=0 on "
            "the KL only)"
        )
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples={num_samples!r}; give a positive int of codes per example")
    if isinstance(model, CVAE) and label_key is None:
        raise ValueError("model is a CVAE; pass label_key= naming the batch's labels, e.g. 'label'")
    if label_key is not None and not hasattr(model, "prior"):
        raise ValueError(
            f"label_key={label_key!r} needs a conditional model with a prior(labels) method "
            "(a CVAE); leave label_key=None for an unconditional VAE"
        )

    def init(key: jax.Array, batch: dict[str, jax.Array]):
        inputs = []
        for name, argument in ((data_key, "data_key"), (label_key, "label_key")):
            if name is not None and name not in batch:
                raise KeyError(
                    f"batch has keys {sorted(batch)}; make_vae_step({argument}=...) expects "
                    f"{name!r}"
                )
            if name is not None:
                inputs.append(batch[name])
        keys = split_named(key, "params", "noise")
        params = model.init(keys["params"], *inputs, key=keys["noise"])["params"]
        output = jax.eval_shape(
            lambda p: model.apply({"params": p}, *inputs, key=keys["noise"]), params
        )[0]
        check_decoder_output(output.shape, inputs[0].shape, likelihood)
        return params

    objective = functools.partial(
        vae_objective,
        model=model,
        likelihood=likelihood,
        beta=beta,
        reconstruction_weight=reconstruction_weight,
        num_samples=num_samples,
        observation_log_var=observation_log_var,
        data_key=data_key,
        label_key=label_key,
    )
    return make_gradient_step(objective, init, optimizer)


def iwae_bound(
    model: VAE,
    params,
    x: jax.Array,
    key: jax.Array,
    k: int,
    *,
    likelihood: str = "bernoulli",
    observation_log_var: float = 0.0,
    chunk_size: int = 64,
) -> jax.Array:
    """The importance-weighted bound :math:`\\mathcal L_k(x) \\le \\log p(x)` in nats, ``[B]``.

    ``k = 1`` is the single-sample ELBO estimate. The ``k`` weights are computed
    ``chunk_size`` samples at a time (``lax.map``), so memory does not grow with ``k``.

    Args:
        model: a :class:`~gen_jax.models.autoencoders.vae.VAE`.
        params: its parameters.
        x: data ``[B, ...]``.
        key: randomness for the ``k`` codes per example.
        k: number of importance samples.
        likelihood: a proper likelihood (not ``"mse"``).
        observation_log_var: the fixed log-variance of ``"gaussian"``.
        chunk_size: samples decoded together.
    """
    _check_likelihood(likelihood)
    if likelihood == "mse":
        raise ValueError("likelihood='mse' is not a density; iwae_bound needs a proper likelihood")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k={k!r}; give a positive int number of importance samples")
    variables = {"params": params}
    mean, log_var = model.apply(variables, x, method=VAE.encode)

    def log_weight(sample_key):
        z = reparameterize(mean, log_var, key=sample_key)
        output = model.apply(variables, z, method=VAE.decode)
        log_likelihood = -reconstruction_loss(
            output, x, likelihood=likelihood, observation_log_var=observation_log_var
        )
        log_prior = gaussian_log_prob(jnp.zeros_like(z), 0.0, z)
        return log_likelihood + log_prior - gaussian_log_prob(mean, log_var, z)

    log_weights = jax.lax.map(log_weight, jax.random.split(key, k), batch_size=min(k, chunk_size))
    return jax.nn.logsumexp(log_weights, axis=0) - math.log(k)
