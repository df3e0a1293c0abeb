r"""Variational training: the VAE objective and its Step.

The objective per example is the negative evidence lower bound with two knobs,

.. math::
    \mathcal L(x) = w \cdot \mathrm{rec}(x, \hat x)
        + \beta \cdot \mathrm{KL}\big(q_\phi(z \mid x)\,\|\,\mathcal N(0, I)\big),

where :math:`\mathrm{rec}` is the negative log-likelihood (``"bernoulli"``,
``"gaussian"``) or the book's per-image mean squared error (``"mse"``). With ``w = β = 1``
and a proper likelihood, :math:`-\mathcal L` is the ELBO; ``β > 1`` is the β-VAE (Higgins
et al., 2017), and ``"mse"`` with ``w = 1000`` is Foster's digits VAE (2019, ch. 3).

References:
    Kingma & Welling (2014), Auto-Encoding Variational Bayes, arXiv:1312.6114.
    Higgins et al. (2017), beta-VAE, ICLR.
    Foster (2019), Generative Deep Learning, ch. 3.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from gen_jax.core.optim import apply_optimizer
from gen_jax.core.rng import split_named
from gen_jax.core.state import TrainState, zero_step
from gen_jax.core.step import Step
from gen_jax.losses import bernoulli_log_prob, gaussian_kl, gaussian_log_prob, mean_squared_error
from gen_jax.models.autoencoders.vae import VAE

LIKELIHOODS = ("bernoulli", "gaussian", "mse")


def _check_likelihood(likelihood: str) -> None:
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood={likelihood!r}; choose one of {LIKELIHOODS}")


def decoder_mean(decoder_output: jax.Array, likelihood: str) -> jax.Array:
    """The observation model's mean from the decoder output: a sigmoid, or identity."""
    _check_likelihood(likelihood)
    return decoder_output if likelihood == "gaussian" else jax.nn.sigmoid(decoder_output)


def reconstruction_loss(
    decoder_output: jax.Array,
    x: jax.Array,
    *,
    likelihood: str,
    observation_log_var: float = 0.0,
) -> jax.Array:
    """Per-example reconstruction term ``[B]`` for ``x [B, ...]``.

    ``"bernoulli"``: :math:`-\\log p(x \\mid \\hat x)` with logits; ``"gaussian"``: the
    negative log-density with fixed ``observation_log_var``; ``"mse"``: the mean squared
    error of ``sigmoid(decoder_output)``.
    """
    _check_likelihood(likelihood)
    event_ndims = x.ndim - 1
    if likelihood == "bernoulli":
        return -bernoulli_log_prob(decoder_output, x, event_ndims=event_ndims)
    if likelihood == "gaussian":
        return -gaussian_log_prob(decoder_output, observation_log_var, x, event_ndims=event_ndims)
    return mean_squared_error(jax.nn.sigmoid(decoder_output), x, event_ndims=event_ndims)


def vae_objective(
    params,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: VAE,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    observation_log_var: float = 0.0,
    data_key: str = "image",
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Batch-mean VAE loss and its parts; differentiable in ``params``.

    Args:
        params: the VAE's parameters.
        batch: a dict whose ``data_key`` entry is ``x [B, ...]``.
        key: randomness for the reparameterised code.
        model: the ``VAE`` module.
        likelihood: ``"bernoulli"``, ``"gaussian"`` or ``"mse"``.
        beta: weight of the KL term.
        reconstruction_weight: weight of the reconstruction term (the book's
            ``r_loss_factor``).
        observation_log_var: the fixed log-variance of the ``"gaussian"`` likelihood.
        data_key: which entry of ``batch`` holds the data.

    Returns:
        ``(loss, metrics)`` with metrics ``loss``, ``reconstruction``, ``kl`` (batch means)
        and, for proper likelihoods, ``elbo`` (nats per example).
    """
    x = batch[data_key]
    decoder_output, mean, log_var = model.apply({"params": params}, x, key=key)
    reconstruction = reconstruction_loss(
        decoder_output, x, likelihood=likelihood, observation_log_var=observation_log_var
    )
    kl = gaussian_kl(mean, log_var)
    return weighted_loss_and_metrics(
        reconstruction, kl, likelihood=likelihood, beta=beta,
        reconstruction_weight=reconstruction_weight,
    )  # fmt: skip


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


def make_vae_step(
    model: VAE,
    optimizer: optax.GradientTransformation,
    *,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    observation_log_var: float = 0.0,
    data_key: str = "image",
) -> Step:
    """A Step that trains ``model`` by gradient descent on :func:`vae_objective`.

    The state is a ``TrainState``; metrics are those of :func:`vae_objective` plus
    ``grad_norm``.
    """
    _check_likelihood(likelihood)
    if beta < 0 or reconstruction_weight <= 0:
        raise ValueError(
            f"beta={beta}, reconstruction_weight={reconstruction_weight}: need beta >= 0 and "
            "reconstruction_weight > 0"
        )

    def objective(params, batch, key):
        return vae_objective(
            params,
            batch,
            key,
            model=model,
            likelihood=likelihood,
            beta=beta,
            reconstruction_weight=reconstruction_weight,
            observation_log_var=observation_log_var,
            data_key=data_key,
        )

    def init(key: jax.Array, batch: dict[str, jax.Array]) -> TrainState:
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_vae_step(data_key=...) expects {data_key!r}"
            )
        x = batch[data_key]
        keys = split_named(key, "params", "noise")
        params = model.init(keys["params"], x, key=keys["noise"])["params"]
        output, _, _ = jax.eval_shape(
            lambda p: model.apply({"params": p}, x, key=keys["noise"]), params
        )
        if output.shape != x.shape:
            raise ValueError(
                f"the decoder produces {output.shape[1:]} but the data are {x.shape[1:]}; "
                "match the decoder's output shape to the images (image size, channels, strides)"
            )
        return TrainState(step=zero_step(), params=params, opt_state=optimizer.init(params))

    def update(state: TrainState, batch, key: jax.Array):
        grads, metrics = jax.grad(objective, has_aux=True)(state.params, batch, key)
        params, opt_state = apply_optimizer(optimizer, grads, state.opt_state, state.params)
        metrics["grad_norm"] = optax.tree.norm(grads)
        return state.replace(step=state.step + 1, params=params, opt_state=opt_state), metrics

    return Step(init=init, update=update)
