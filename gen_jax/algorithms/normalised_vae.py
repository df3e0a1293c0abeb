r"""VAE training for networks with BatchNorm and Dropout (the book's face VAE).

The objective is that of :func:`gen_jax.algorithms.vae.vae_objective`,

.. math::
    \mathcal L = \frac1B \sum_b \Big[w \cdot \mathrm{rec}(x_b, \hat x_b)
        + \beta \cdot \mathrm{KL}\big(q_\phi(z \mid x_b)\,\|\,\mathcal N(0, I)\big)\Big],

with the book's faces setting ``w = 10,000`` (``r_loss_factor``), ``β = 1`` and the
per-image mean squared error; but the network runs in training mode: BatchNorm normalises
with the statistics of the global batch and its moving averages are carried in the state
(``batch_stats``), and Dropout draws from the step key. The state is the
:class:`~gen_jax.core.state.SupervisedState` that the classifiers use (``step``,
``params``, ``opt_state``, ``batch_stats``); ``state.variables()`` gives the variables for
inference, ``model.apply(state.variables(), x, method="encode")``.

References:
    Kingma & Welling (2014), Auto-Encoding Variational Bayes, arXiv:1312.6114.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 3.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.algorithms.vae import (
    LIKELIHOODS,
    check_decoder_output,
    reconstruction_loss,
    weighted_loss_and_metrics,
)
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step
from gen_jax.losses import gaussian_kl
from gen_jax.models.autoencoders.face_vae import NormalisedVAE

PyTree = Any


def normalised_vae_objective(
    params: PyTree,
    batch_stats: PyTree,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: NormalisedVAE,
    likelihood: str = "mse",
    beta: float = 1.0,
    reconstruction_weight: float = 10_000.0,
    data_key: str = "image",
) -> tuple[jax.Array, tuple[dict[str, jax.Array], PyTree]]:
    """Training-mode batch loss; differentiable in ``params``.

    Args:
        params: the VAE's parameters.
        batch_stats: its BatchNorm moving statistics (``{}`` for none).
        batch: a dict whose ``data_key`` entry is ``x [B, H, W, C]``.
        key: split into the reparameterisation noise and the Dropout key.
        model: a :class:`~gen_jax.models.autoencoders.face_vae.NormalisedVAE`.
        likelihood: ``"mse"`` (the book's) or another of
            :data:`~gen_jax.algorithms.vae.LIKELIHOODS` (unit variance for ``"gaussian"``).
        beta: weight of the KL term.
        reconstruction_weight: the book's ``r_loss_factor``.
        data_key: which entry of ``batch`` holds the images.

    Returns:
        ``(loss, (metrics, new_batch_stats))``; metrics ``loss``, ``reconstruction`` and
        ``kl`` are batch means.
    """
    x = batch[data_key]
    keys = split_named(key, "noise", "dropout")
    (decoder_output, mean, log_var), updates = model.apply(
        {"params": params, "batch_stats": batch_stats},
        x,
        key=keys["noise"],
        train=True,
        rngs={"dropout": keys["dropout"]},
        mutable=["batch_stats"],
    )
    reconstruction = reconstruction_loss(decoder_output, x, likelihood=likelihood)
    loss, metrics = weighted_loss_and_metrics(
        reconstruction,
        gaussian_kl(mean, log_var),
        likelihood=likelihood,
        beta=beta,
        reconstruction_weight=reconstruction_weight,
    )
    return loss, (metrics, updates.get("batch_stats", {}))


def make_normalised_vae_step(
    model: NormalisedVAE,
    optimizer: optax.GradientTransformation,
    *,
    likelihood: str = "mse",
    beta: float = 1.0,
    reconstruction_weight: float = 10_000.0,
    data_key: str = "image",
) -> Step:
    """A Step that trains a BatchNorm/Dropout VAE on :func:`normalised_vae_objective`.

    Returns:
        A Step of :func:`~gen_jax.algorithms.gradient.make_gradient_step` with
        ``batch_stats=True`` (state: ``SupervisedState``); metrics ``loss``,
        ``reconstruction``, ``kl`` (and ``elbo`` for proper likelihoods) and ``grad_norm``.
    """
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood={likelihood!r}; choose one of {LIKELIHOODS}")
    if beta < 0 or reconstruction_weight <= 0:
        raise ValueError(
            f"beta={beta}, reconstruction_weight={reconstruction_weight}: need beta >= 0 and "
            "reconstruction_weight > 0"
        )

    def init(key: jax.Array, batch: dict[str, jax.Array]) -> PyTree:
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_normalised_vae_step(data_key=...) "
                f"expects {data_key!r}"
            )
        x = batch[data_key]
        keys = split_named(key, "params", "noise")
        variables = model.init(keys["params"], x, key=keys["noise"], train=False)
        output, _, _ = jax.eval_shape(
            lambda v: model.apply(v, x, key=keys["noise"], train=False), variables
        )
        check_decoder_output(output.shape, x.shape, likelihood)
        return variables

    objective = functools.partial(
        normalised_vae_objective,
        model=model,
        likelihood=likelihood,
        beta=beta,
        reconstruction_weight=reconstruction_weight,
        data_key=data_key,
    )
    return make_gradient_step(objective, init, optimizer, batch_stats=True)
