r"""The VAE family: K-sample ELBO, learned-variance decoder, beta-VAE, CVAE and IWAE.

For an encoder :math:`q_\phi(z \mid x) = \mathcal N(\mu, \operatorname{diag}\sigma^2)`,
a prior :math:`p(z)` (standard normal, or :math:`p(z \mid y)` for a conditional VAE) and a
decoder :math:`p_\theta(x \mid z)`, the per-example loss is

.. math::
    \mathcal L(x) = w \cdot \frac1K \sum_{k=1}^K -\log p_\theta(x \mid z_k)
        + \beta\,\mathrm{KL}\big(q_\phi(z \mid x)\,\|\,p(z)\big),
    \qquad z_k = \mu + \sigma \odot \epsilon_k,

with the KL in closed form. ``w = β = 1`` gives the negative ELBO; ``β > 1`` the β-VAE.
The observation models are ``"bernoulli"`` (logits), ``"gaussian"`` (fixed variance),
``"gaussian_learned"`` (the decoder's last axis holds the mean, then the log-variance, so
it is twice the data's) and the book's ``"mse"`` (per-image mean squared error of the
sigmoid output, not a likelihood). The importance-weighted bound

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
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.variational import reconstruction_loss, weighted_loss_and_metrics
from gen_jax.core.optim import apply_optimizer
from gen_jax.core.rng import split_named
from gen_jax.core.state import TrainState, zero_step
from gen_jax.core.step import Step
from gen_jax.losses import gaussian_kl, gaussian_kl_between, gaussian_log_prob
from gen_jax.models.autoencoders.cvae import CVAE
from gen_jax.models.autoencoders.vae import VAE, reparameterize

FAMILY_LIKELIHOODS = ("bernoulli", "gaussian", "gaussian_learned", "mse")


def _check_likelihood(likelihood: str) -> None:
    if likelihood not in FAMILY_LIKELIHOODS:
        raise ValueError(f"likelihood={likelihood!r}; choose one of {FAMILY_LIKELIHOODS}")


def _split_learned(decoder_output: jax.Array, x_shape: tuple[int, ...]):
    channels = x_shape[-1]
    if decoder_output.shape[-1] != 2 * channels:
        raise ValueError(
            f"likelihood='gaussian_learned' needs a decoder with {2 * channels} output "
            f"channels (mean, then log-variance) for data with {channels}; it has "
            f"{decoder_output.shape[-1]}"
        )
    return decoder_output[..., :channels], decoder_output[..., channels:]


def observation_nll(
    decoder_output: jax.Array,
    x: jax.Array,
    *,
    likelihood: str,
    observation_log_var: float = 0.0,
) -> jax.Array:
    """Per-example :math:`-\\log p(x \\mid z)` (or the book's MSE), shape ``[B]``.

    Args:
        decoder_output: ``[B, ...]``; for ``"gaussian_learned"`` the last axis is twice
            the data's (mean, then log-variance).
        x: data ``[B, ...]``.
        likelihood: one of :data:`FAMILY_LIKELIHOODS`.
        observation_log_var: the fixed log-variance of ``"gaussian"``.
    """
    _check_likelihood(likelihood)
    if likelihood != "gaussian_learned":
        return reconstruction_loss(
            decoder_output, x, likelihood=likelihood, observation_log_var=observation_log_var
        )
    mean, log_var = _split_learned(decoder_output, x.shape)
    return -gaussian_log_prob(mean, log_var, x, event_ndims=x.ndim - 1)


def observation_mean(decoder_output: jax.Array, likelihood: str) -> jax.Array:
    """The mean image of :math:`p(x \\mid z)`: a sigmoid for ``"bernoulli"``/``"mse"``,
    the (first half of the) output for the Gaussians."""
    _check_likelihood(likelihood)
    if likelihood == "gaussian_learned":
        return decoder_output[..., : decoder_output.shape[-1] // 2]
    return decoder_output if likelihood == "gaussian" else jax.nn.sigmoid(decoder_output)


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
    """:math:`\\frac1K\\sum_k -\\log p(x \\mid z_k)` per example, ``[B]``.

    Args:
        decode: ``z [N, d] -> decoder output [N, ...]``.
        x: data ``[B, ...]``.
        mean, log_var: the encoder's ``[B, d]``.
        key: randomness for the ``K`` reparameterised codes.
        num_samples: ``K``; the decoder runs once on all ``K * B`` codes.
        likelihood, observation_log_var: as in :func:`observation_nll`.
    """
    noise_shape = (num_samples, *mean.shape)
    codes = reparameterize(
        jnp.broadcast_to(mean, noise_shape), jnp.broadcast_to(log_var, noise_shape), key=key
    )
    output = decode(codes.reshape(-1, mean.shape[-1]))
    output = output.reshape(num_samples, x.shape[0], *output.shape[1:])
    repeated = jnp.broadcast_to(x, (num_samples, *x.shape))
    nll = jax.vmap(
        lambda out, data: observation_nll(
            out, data, likelihood=likelihood, observation_log_var=observation_log_var
        )
    )(output, repeated)
    return jnp.mean(nll, axis=0)


def elbo_objective(
    params,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: VAE,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    num_samples: int = 1,
    observation_log_var: float = 0.0,
    data_key: str = "image",
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Batch-mean loss of the module docstring for a :class:`~gen_jax.models.autoencoders.vae.VAE`.

    Returns:
        ``(loss, metrics)``: ``loss``, ``reconstruction``, ``kl`` and, for proper
        likelihoods, ``elbo`` (nats per example, the K-sample estimate).
    """
    x = batch[data_key]
    variables = {"params": params}
    mean, log_var = model.apply(variables, x, method=VAE.encode)
    reconstruction = multi_sample_reconstruction(
        lambda z: model.apply(variables, z, method=VAE.decode),
        x,
        mean,
        log_var,
        key=key,
        num_samples=num_samples,
        likelihood=likelihood,
        observation_log_var=observation_log_var,
    )
    return weighted_loss_and_metrics(
        reconstruction,
        gaussian_kl(mean, log_var),
        likelihood=likelihood,
        beta=beta,
        reconstruction_weight=reconstruction_weight,
    )


def cvae_objective(
    params,
    batch: dict[str, jax.Array],
    key: jax.Array,
    *,
    model: CVAE,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    num_samples: int = 1,
    observation_log_var: float = 0.0,
    data_key: str = "image",
    label_key: str = "label",
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """The conditional VAE's loss: ``q(z | x, y)``, ``p(x | z, y)`` and the learned
    label-conditional prior ``p(z | y)``; the KL is :func:`gaussian_kl_between`.

    Returns:
        ``(loss, metrics)`` as :func:`elbo_objective`.
    """
    x, labels = batch[data_key], batch[label_key]
    variables = {"params": params}
    mean, log_var = model.apply(variables, x, labels, method=CVAE.encode)
    prior_mean, prior_log_var = model.apply(variables, labels, method=CVAE.prior)
    reconstruction = multi_sample_reconstruction(
        lambda z: model.apply(
            variables, z, jnp.tile(labels, z.shape[0] // labels.shape[0]), method=CVAE.decode
        ),
        x,
        mean,
        log_var,
        key=key,
        num_samples=num_samples,
        likelihood=likelihood,
        observation_log_var=observation_log_var,
    )
    kl = gaussian_kl_between(mean, log_var, prior_mean, prior_log_var)
    return weighted_loss_and_metrics(
        reconstruction,
        kl,
        likelihood=likelihood,
        beta=beta,
        reconstruction_weight=reconstruction_weight,
    )


def _check_options(likelihood, beta, reconstruction_weight, num_samples):
    _check_likelihood(likelihood)
    if beta < 0 or reconstruction_weight < 0 or beta == reconstruction_weight == 0:
        raise ValueError(
            f"beta={beta}, reconstruction_weight={reconstruction_weight}: both must be >= 0 "
            "and not both 0 (beta=0 trains on reconstruction only, reconstruction_weight=0 on "
            "the KL only)"
        )
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples={num_samples!r}; give a positive int of codes per example")


def _gradient_step(objective, init_variables, optimizer) -> Step:
    def init(key: jax.Array, batch) -> TrainState:
        params = init_variables(key, batch)
        return TrainState(step=zero_step(), params=params, opt_state=optimizer.init(params))

    def update(state: TrainState, batch, key: jax.Array):
        grads, metrics = jax.grad(objective, has_aux=True)(state.params, batch, key)
        params, opt_state = apply_optimizer(optimizer, grads, state.opt_state, state.params)
        metrics["grad_norm"] = optax.tree.norm(grads)
        return state.replace(step=state.step + 1, params=params, opt_state=opt_state), metrics

    return Step(init=init, update=update)


def _require(batch, key_name: str, argument: str, factory: str) -> jax.Array:
    if key_name not in batch:
        raise KeyError(
            f"batch has keys {sorted(batch)}; {factory}({argument}=...) expects {key_name!r}"
        )
    return batch[key_name]


def make_elbo_step(
    model: VAE,
    optimizer: optax.GradientTransformation,
    *,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    num_samples: int = 1,
    observation_log_var: float = 0.0,
    data_key: str = "image",
) -> Step:
    """A Step training a VAE on :func:`elbo_objective` (same keywords).

    Adds to :func:`~gen_jax.algorithms.variational.make_vae_step` the learned-variance
    Gaussian decoder and ``num_samples`` codes per example. Metrics: the objective's plus
    ``grad_norm``.
    """
    _check_options(likelihood, beta, reconstruction_weight, num_samples)

    def objective(params, batch, key):
        return elbo_objective(
            params,
            batch,
            key,
            model=model,
            likelihood=likelihood,
            beta=beta,
            reconstruction_weight=reconstruction_weight,
            num_samples=num_samples,
            observation_log_var=observation_log_var,
            data_key=data_key,
        )

    def init_variables(key, batch):
        x = _require(batch, data_key, "data_key", "make_elbo_step")
        keys = split_named(key, "params", "noise")
        return model.init(keys["params"], x, key=keys["noise"])["params"]

    return _gradient_step(objective, init_variables, optimizer)


def make_cvae_step(
    model: CVAE,
    optimizer: optax.GradientTransformation,
    *,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    reconstruction_weight: float = 1.0,
    num_samples: int = 1,
    observation_log_var: float = 0.0,
    data_key: str = "image",
    label_key: str = "label",
) -> Step:
    """A Step training a :class:`~gen_jax.models.autoencoders.cvae.CVAE` on
    :func:`cvae_objective`."""
    _check_options(likelihood, beta, reconstruction_weight, num_samples)

    def objective(params, batch, key):
        return cvae_objective(
            params,
            batch,
            key,
            model=model,
            likelihood=likelihood,
            beta=beta,
            reconstruction_weight=reconstruction_weight,
            num_samples=num_samples,
            observation_log_var=observation_log_var,
            data_key=data_key,
            label_key=label_key,
        )

    def init_variables(key, batch):
        x = _require(batch, data_key, "data_key", "make_cvae_step")
        labels = _require(batch, label_key, "label_key", "make_cvae_step")
        keys = split_named(key, "params", "noise")
        return model.init(keys["params"], x, labels, key=keys["noise"])["params"]

    return _gradient_step(objective, init_variables, optimizer)


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
        log_likelihood = -observation_nll(
            output, x, likelihood=likelihood, observation_log_var=observation_log_var
        )
        log_prior = gaussian_log_prob(jnp.zeros_like(z), 0.0, z)
        return log_likelihood + log_prior - gaussian_log_prob(mean, log_var, z)

    log_weights = jax.lax.map(log_weight, jax.random.split(key, k), batch_size=min(k, chunk_size))
    return jax.nn.logsumexp(log_weights, axis=0) - math.log(k)
