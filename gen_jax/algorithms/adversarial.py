r"""Adversarial training: one Step for the GAN family (GAN, LSGAN, hinge, WGAN, WGAN-GP).

Each update plays ``num_critic_steps`` discriminator (critic) updates in a ``lax.scan``, then one
generator update, every player with its own optimiser:

.. math::
    \min_G \max_D\; \mathbb E_{x \sim p_\text{data}} \log D(x)
        + \mathbb E_{z \sim p(z)} \log\big(1 - D(G(z))\big)

for ``loss="minimax"`` (Goodfellow et al. 2014, Algorithm 1 with :math:`k` = ``num_critic_steps``),
with the generator's :math:`-\log D(G(z))` for ``"nonsaturating"``, and the least-squares,
hinge and Wasserstein games of :mod:`gen_jax.losses.adversarial`. The Wasserstein critic is
kept Lipschitz by weight clipping (``clip=0.01``, ``num_critic_steps=5``: Arjovsky et al. 2017) or a
gradient penalty (``gp_weight=10``, ``num_critic_steps=5``: Gulrajani et al. 2017).

State layout. The state is an ``AdversarialState`` whose two ``Player``\ s hold the Linen
*variables* of their network in ``variables``: ``{"params": ...}``, plus ``"batch_stats"``
when the network has batch normalisation, so ``module.apply(state.gen.variables, z,
train=False)`` samples directly. Each optimiser state covers ``["params"]`` only.

Batch normalisation. Every forward pass in training uses batch statistics (``train=True``);
the moving averages change only for the player being updated: the discriminator's on its
real and then its fake batch (two separate passes, as in DCGAN, so real and fake examples
are never normalised together), the generator's in its own update. The discriminator's
pass inside the generator update and the generator's pass that makes the critic's fakes
leave the other player's statistics alone. The penalties need a critic that scores each
example on its own, so they refuse a critic with batch norm.

Data. The same real batch serves all ``num_critic_steps`` critic updates, each with fresh noise
(and fresh interpolates for the penalty); feed a larger batch for more real examples.

Conditioning (Mirza & Osindero 2014). With ``label_key`` and ``num_classes`` set, both
players see the class :math:`y` of every example: the generator is called on
:func:`conditional_latent` ``[z, onehot(y)]`` (``latent_dim + num_classes`` inputs), and the
discriminator on :func:`condition_examples`, which appends ``onehot(y)`` to flat examples
``[B, D]`` and, for images ``[B, H, W, C]``, tiles it into ``num_classes`` constant feature
maps (``C + num_classes`` channels), so any unconditional network becomes a conditional one.
Fake examples use the *batch's* labels (the data's class frequencies, and the critic scores
real and fake examples of the same classes, which also keeps the gradient penalty's
interpolates on one label). With conditioning off the step is unchanged.

References:
    Goodfellow et al. (2014), Generative Adversarial Nets, arXiv:1406.2661.
    Radford, Metz & Chintala (2016), DCGAN, arXiv:1511.06434.
    Arjovsky, Chintala & Bottou (2017), Wasserstein GAN, arXiv:1701.07875.
    Gulrajani et al. (2017), Improved Training of Wasserstein GANs, arXiv:1704.00028.
    Mirza & Osindero (2014), Conditional Generative Adversarial Nets, arXiv:1411.1784.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gen_jax.core.optim import apply_optimizer
from gen_jax.core.state import AdversarialState, Player, zero_step
from gen_jax.core.step import Step
from gen_jax.losses import adversarial as adv

# Per-example discriminator loss on real scores and on fake scores; their sum is the
# level-1 loss of gen_jax.losses.adversarial, kept apart for the real/fake metrics.
_DISCRIMINATOR_HALVES = {
    "probability": (
        lambda real: adv.sigmoid_cross_entropy(real, 1.0),
        lambda fake: adv.sigmoid_cross_entropy(fake, 0.0),
    ),
    "least_squares": (
        lambda real: 0.5 * jnp.square(real - 1.0),
        lambda fake: 0.5 * jnp.square(fake),
    ),
    "hinge": (lambda real: jax.nn.relu(1.0 - real), lambda fake: jax.nn.relu(1.0 + fake)),
    "wasserstein": (lambda real: -real, lambda fake: fake),
}

# loss name -> (discriminator family, generator loss on fake scores, decision threshold)
LOSSES = {
    "minimax": ("probability", lambda s: adv.minimax_generator_loss(fake_logits=s), 0.0),
    "nonsaturating": (
        "probability",
        lambda s: adv.nonsaturating_generator_loss(fake_logits=s),
        0.0,
    ),
    "least_squares": (
        "least_squares",
        lambda s: adv.least_squares_generator_loss(fake_scores=s),
        0.5,
    ),
    "hinge": ("hinge", lambda s: adv.hinge_generator_loss(fake_scores=s), 0.0),
    "wasserstein": ("wasserstein", lambda s: adv.wasserstein_generator_loss(fake_scores=s), 0.0),
}
NOISES = ("normal", "uniform")


def sample_latent(key: jax.Array, batch_size: int, latent_dim: int, noise: str) -> jax.Array:
    """Generator input ``z [batch_size, latent_dim]``: standard normal or uniform on [-1, 1]."""
    if noise == "normal":
        return jax.random.normal(key, (batch_size, latent_dim))
    if noise == "uniform":
        return jax.random.uniform(key, (batch_size, latent_dim), minval=-1.0, maxval=1.0)
    raise ValueError(f"noise={noise!r}; choose one of {NOISES}")


def _one_hot(labels: jax.Array, num_classes: int) -> jax.Array:
    return jax.nn.one_hot(labels, num_classes, dtype=jnp.float32)


def conditional_latent(z: jax.Array, labels: jax.Array, num_classes: int) -> jax.Array:
    """A conditional generator's input ``[B, latent_dim + num_classes]``: ``[z, onehot(y)]``.

    Args:
        z: noise ``[B, latent_dim]``.
        labels: integer classes ``[B]`` in ``[0, num_classes)``.
        num_classes: size of the one-hot code.
    """
    return jnp.concatenate([z, _one_hot(labels, num_classes).astype(z.dtype)], axis=-1)


def condition_examples(x: jax.Array, labels: jax.Array, num_classes: int) -> jax.Array:
    """A conditional discriminator's input: ``onehot(y)`` appended to every example.

    Args:
        x: examples ``[B, D]`` or images ``[B, H, W, C]`` (any ``[B, ..., C]``).
        labels: integer classes ``[B]`` in ``[0, num_classes)``.
        num_classes: size of the one-hot code.

    Returns:
        ``[B, ..., C + num_classes]``: the code broadcast over every non-batch, non-channel
        axis (constant feature maps for images) and concatenated on the last axis.
    """
    code = _one_hot(labels, num_classes).astype(x.dtype)
    code = code.reshape((x.shape[0],) + (1,) * (x.ndim - 2) + (num_classes,))
    code = jnp.broadcast_to(code, x.shape[:-1] + (num_classes,))
    return jnp.concatenate([x, code], axis=-1)


def _check_labels(
    batch: dict[str, jax.Array], label_key: str, num_examples: int, num_classes: int
) -> None:
    if label_key not in batch:
        raise KeyError(
            f"batch has keys {sorted(batch)}; make_gan_step(label_key=...) expects {label_key!r}"
        )
    labels = batch[label_key]
    if labels.shape != (num_examples,) or not jnp.issubdtype(labels.dtype, jnp.integer):
        raise ValueError(
            f"batch[{label_key!r}] has shape {labels.shape} and dtype {labels.dtype}; a "
            f"conditional GAN needs integer class ids of shape ({num_examples},)"
        )
    if isinstance(labels, jax.core.Tracer):  # traced init (eval_shape, jit): no values
        return
    low, high = int(jnp.min(labels)), int(jnp.max(labels))
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"batch[{label_key!r}] holds classes from {low} to {high}, outside [0, "
            f"{num_classes}); pass make_gan_step(num_classes=...) larger than every label"
        )


def _forward(
    module: nn.Module, variables: dict[str, Any], x: jax.Array, key: jax.Array
) -> tuple[jax.Array, dict[str, Any]]:
    """Training-mode pass: ``(output, variables with updated batch_stats)``."""
    if "batch_stats" not in variables:
        return module.apply(variables, x, train=True, rngs={"dropout": key}), variables
    output, updates = module.apply(
        variables, x, train=True, rngs={"dropout": key}, mutable=["batch_stats"]
    )
    return output, {**variables, "batch_stats": updates["batch_stats"]}


def _scores(output: jax.Array) -> jax.Array:
    """A discriminator's ``[B]`` or ``[B, 1]`` output as ``[B]``."""
    if output.ndim == 2 and output.shape[1] == 1:
        return output[:, 0]
    if output.ndim != 1:
        raise ValueError(
            f"the discriminator returned shape {output.shape}; it must give one score per "
            "example, [B] or [B, 1]"
        )
    return output


def make_gan_step(
    generator: nn.Module,
    discriminator: nn.Module,
    generator_optimizer: optax.GradientTransformation,
    discriminator_optimizer: optax.GradientTransformation,
    *,
    latent_dim: int,
    loss: str = "nonsaturating",
    num_critic_steps: int = 1,
    clip: float | None = None,
    gp_weight: float = 0.0,
    r1_weight: float = 0.0,
    noise: str = "normal",
    data_key: str = "image",
    label_key: str | None = None,
    num_classes: int | None = None,
) -> Step:
    r"""A Step training ``generator`` against ``discriminator``.

    Args:
        generator: called as ``generator(z, train=...)`` on ``z [B, latent_dim]``; returns
            examples shaped like ``batch[data_key]``.
        discriminator: called as ``discriminator(x, train=...)``; returns one logit (or
            score) per example, ``[B]`` or ``[B, 1]``. May use ``nn.Dropout`` (rng
            ``"dropout"``) and ``nn.BatchNorm`` (collection ``"batch_stats"``).
        generator_optimizer: the generator's optax optimiser.
        discriminator_optimizer: the discriminator's (critic's) optax optimiser.
        latent_dim: size of the noise vector ``z``.
        loss: ``"minimax"``, ``"nonsaturating"``, ``"least_squares"``, ``"hinge"`` or
            ``"wasserstein"``.
        num_critic_steps: discriminator updates per generator update (:math:`k` of Goodfellow
            et al.; 5 for WGAN and WGAN-GP).
        clip: if set, every critic parameter is clipped to ``[-clip, clip]`` after each
            critic update (WGAN: 0.01).
        gp_weight: :math:`\lambda` of the gradient penalty (WGAN-GP: 10); 0 disables it.
        r1_weight: :math:`\gamma` of the R1 penalty, added as :math:`\gamma/2 \cdot R_1`;
            0 disables it.
        noise: ``"normal"`` or ``"uniform"`` (on [-1, 1]) latent noise.
        data_key: which batch entry holds the real examples ``[B, ...]``.
        label_key: if set, a conditional GAN: which batch entry holds the integer class of
            each example ``[B]``; the generator then takes ``[z, onehot(y)]`` and the
            discriminator :func:`condition_examples` (see the module docstring).
        num_classes: the number of classes; required with ``label_key``, else None.

    Returns:
        ``Step`` over ``AdversarialState``. Metrics (critic ones averaged over the
        ``num_critic_steps`` updates): ``d_loss``, ``d_loss_real``, ``d_loss_fake``,
        ``d_accuracy_real``, ``d_accuracy_fake`` (scores beyond the decision threshold:
        logit 0, LSGAN 0.5), ``gradient_penalty`` and ``r1_penalty`` when enabled,
        ``wasserstein_estimate`` (mean real minus mean fake score) for ``"wasserstein"``,
        and ``g_loss``.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r}; choose one of {tuple(LOSSES)}")
    if noise not in NOISES:
        raise ValueError(f"noise={noise!r}; choose one of {NOISES}")
    if not isinstance(num_critic_steps, int) or num_critic_steps < 1:
        raise ValueError(f"num_critic_steps={num_critic_steps!r}; pass a positive int (5 for WGAN)")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip={clip!r}; pass a positive bound such as 0.01, or None")
    if gp_weight < 0 or r1_weight < 0:
        raise ValueError(f"gp_weight={gp_weight}, r1_weight={r1_weight}: both must be >= 0")
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim={latent_dim!r}; pass a positive int")
    if (label_key is None) != (num_classes is None):
        raise ValueError(
            f"label_key={label_key!r}, num_classes={num_classes!r}: pass both for a "
            "conditional GAN, or neither"
        )
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
        raise ValueError(f"num_classes={num_classes!r}; pass an int >= 2")
    family, generator_loss, threshold = LOSSES[loss]

    def generator_input(z, labels):
        return z if label_key is None else conditional_latent(z, labels, num_classes)

    def discriminator_input(x, labels):
        return x if label_key is None else condition_examples(x, labels, num_classes)

    real_half, fake_half = _DISCRIMINATOR_HALVES[family]

    def init(key: jax.Array, batch: dict[str, jax.Array]) -> AdversarialState:
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_gan_step(data_key=...) expects {data_key!r}"
            )
        real = batch[data_key]
        labels = None
        if label_key is not None:
            _check_labels(batch, label_key, real.shape[0], num_classes)
            labels = batch[label_key]
        g_key, d_key, z_key = jax.random.split(key, 3)
        z = generator_input(sample_latent(z_key, real.shape[0], latent_dim, noise), labels)
        g_vars = dict(generator.init({"params": g_key}, z, train=False))
        fake_shape = jax.eval_shape(lambda: generator.apply(g_vars, z, train=False)).shape
        if fake_shape != real.shape:
            raise ValueError(
                f"the generator makes examples of shape {fake_shape} but batch[{data_key!r}] "
                f"has shape {real.shape}; match the generator's output to the data"
            )
        d_vars = dict(
            discriminator.init({"params": d_key}, discriminator_input(real, labels), train=False)
        )
        if (gp_weight > 0 or r1_weight > 0) and "batch_stats" in d_vars:
            raise ValueError(
                "gp_weight/r1_weight need a discriminator that scores each example on its "
                "own; replace its BatchNorm with LayerNorm or none (Gulrajani et al. 2017)"
            )
        return AdversarialState(
            step=zero_step(),
            gen=Player(variables=g_vars, opt_state=generator_optimizer.init(g_vars["params"])),
            disc=Player(variables=d_vars, opt_state=discriminator_optimizer.init(d_vars["params"])),
        )

    def critic_objective(d_params, d_vars, g_vars, real, labels, key):
        keys = jax.random.split(key, 6)
        z = generator_input(sample_latent(keys[0], real.shape[0], latent_dim, noise), labels)
        fake, _ = _forward(generator, g_vars, z, keys[1])
        variables = {**d_vars, "params": d_params}
        real_out, variables = _forward(
            discriminator, variables, discriminator_input(real, labels), keys[2]
        )
        fake_out, variables = _forward(
            discriminator, variables, discriminator_input(fake, labels), keys[3]
        )
        real_scores, fake_scores = _scores(real_out), _scores(fake_out)
        loss_real, loss_fake = jnp.mean(real_half(real_scores)), jnp.mean(fake_half(fake_scores))
        total = loss_real + loss_fake
        metrics = {
            "d_loss_real": loss_real,
            "d_loss_fake": loss_fake,
            "d_accuracy_real": jnp.mean((real_scores > threshold).astype(jnp.float32)),
            "d_accuracy_fake": jnp.mean((fake_scores < threshold).astype(jnp.float32)),
        }
        if loss == "wasserstein":
            metrics["wasserstein_estimate"] = jnp.mean(real_scores) - jnp.mean(fake_scores)

        def critic_fn(x):
            return _scores(
                discriminator.apply(
                    {"params": d_params},
                    discriminator_input(x, labels),
                    train=True,
                    rngs={"dropout": keys[5]},
                )
            )

        if gp_weight > 0:
            penalty = jnp.mean(adv.gradient_penalty(critic_fn, real, fake, key=keys[4]))
            metrics["gradient_penalty"] = penalty
            total = total + gp_weight * penalty
        if r1_weight > 0:
            penalty = jnp.mean(adv.r1_penalty(critic_fn, real))
            metrics["r1_penalty"] = penalty
            total = total + 0.5 * r1_weight * penalty
        metrics["d_loss"] = total
        return total, (metrics, variables)

    def critic_update(disc: Player, g_vars, real, labels, key):
        grads, (metrics, variables) = jax.grad(critic_objective, has_aux=True)(
            disc.variables["params"], disc.variables, g_vars, real, labels, key
        )
        params, opt_state = apply_optimizer(
            discriminator_optimizer, grads, disc.opt_state, disc.variables["params"]
        )
        if clip is not None:
            params = jax.tree.map(lambda w: jnp.clip(w, -clip, clip), params)
        return Player(variables={**variables, "params": params}, opt_state=opt_state), metrics

    def generator_objective(g_params, g_vars, d_vars, labels, batch_size, key):
        keys = jax.random.split(key, 3)
        z = generator_input(sample_latent(keys[0], batch_size, latent_dim, noise), labels)
        fake, variables = _forward(generator, {**g_vars, "params": g_params}, z, keys[1])
        fake_out, _ = _forward(discriminator, d_vars, discriminator_input(fake, labels), keys[2])
        g_loss = jnp.mean(generator_loss(_scores(fake_out)))
        return g_loss, variables

    def update(state: AdversarialState, batch, key: jax.Array):
        real = batch[data_key]
        labels = None if label_key is None else batch[label_key]
        critic_key, gen_key = jax.random.split(key)

        def scan_body(disc, step_key):
            return critic_update(disc, state.gen.variables, real, labels, step_key)

        disc, stacked = jax.lax.scan(
            scan_body, state.disc, jax.random.split(critic_key, num_critic_steps)
        )
        metrics = jax.tree.map(jnp.mean, stacked)
        (g_loss, variables), grads = jax.value_and_grad(generator_objective, has_aux=True)(
            state.gen.variables["params"],
            state.gen.variables,
            disc.variables,
            labels,
            real.shape[0],
            gen_key,
        )
        params, opt_state = apply_optimizer(
            generator_optimizer, grads, state.gen.opt_state, state.gen.variables["params"]
        )
        gen = Player(variables={**variables, "params": params}, opt_state=opt_state)
        metrics["g_loss"] = g_loss
        return state.replace(step=state.step + 1, gen=gen, disc=disc), metrics

    return Step(init=init, update=update)
