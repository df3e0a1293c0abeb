r"""Adversarial losses: the discriminator's and the generator's side of each GAN game.

Every function takes the discriminator's raw outputs (logits for the probabilistic games,
unbounded scores for the least-squares, hinge and Wasserstein games) and returns the loss
*per example*, unreduced; the objective in ``gen_jax.algorithms.adversarial`` averages.
With :math:`D(x) = \sigma(\ell(x))`:

- minimax (saturating): discriminator :math:`-\log D(x) - \log(1 - D(G(z)))`, generator
  :math:`\log(1 - D(G(z)))`;
- non-saturating: the same discriminator, generator :math:`-\log D(G(z))`;
- least squares: :math:`\tfrac12 (D(x)-1)^2 + \tfrac12 D(G(z))^2` and
  :math:`\tfrac12 (D(G(z))-1)^2`;
- hinge: :math:`\max(0, 1 - D(x)) + \max(0, 1 + D(G(z)))` and :math:`-D(G(z))`;
- Wasserstein: critic :math:`D(G(z)) - D(x)`, generator :math:`-D(G(z))`.

The penalties act on the critic as a function: :func:`gradient_penalty` (WGAN-GP) on random
interpolates between real and fake examples, :func:`r1_penalty` on real examples.

References:
    Goodfellow et al. (2014), Generative Adversarial Nets, arXiv:1406.2661.
    Mao et al. (2017), Least Squares Generative Adversarial Networks, arXiv:1611.04076.
    Lim & Ye (2017), Geometric GAN, arXiv:1705.02894 (hinge loss).
    Arjovsky, Chintala & Bottou (2017), Wasserstein GAN, arXiv:1701.07875.
    Gulrajani et al. (2017), Improved Training of Wasserstein GANs, arXiv:1704.00028.
    Mescheder, Geiger & Nowozin (2018), Which Training Methods for GANs do actually
    Converge?, arXiv:1801.04406 (R1).
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

# Added under the square root of the squared gradient norm, so that the norm's own gradient
# stays finite where the critic is flat (a zero gradient at an interpolate).
_NORM_FLOOR = 1e-12


def _check_same_shape(real: jax.Array, fake: jax.Array, real_name: str, fake_name: str) -> None:
    if real.shape != fake.shape:
        raise ValueError(
            f"{real_name} has shape {real.shape} but {fake_name} has shape {fake.shape}; "
            "score the same number of real and fake examples, or call the loss on each half"
        )


def sigmoid_cross_entropy(logits: Float[Array, "*b"], labels: Float[Array, "*b"]) -> jax.Array:
    r"""Binary cross-entropy of a sigmoid from logits, elementwise and numerically stable.

    .. math::
        -y \log \sigma(\ell) - (1-y) \log(1-\sigma(\ell))
        = \max(\ell, 0) - \ell y + \log(1 + e^{-|\ell|})

    Args:
        logits: :math:`\ell`, any shape.
        labels: targets :math:`y \in [0, 1]` (soft labels allowed), broadcastable to
            ``logits``.

    Returns:
        The loss in nats, the broadcast shape.
    """
    return jnp.maximum(logits, 0.0) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits)))


def discriminator_loss(
    *, real_logits: Float[Array, "*b"], fake_logits: Float[Array, "*b"]
) -> Float[Array, "*b"]:
    r"""The GAN discriminator's binary cross-entropy: :math:`-\log D(x) - \log(1 - D(G(z)))`.

    Minimised by the Bayes-optimal :math:`D^* = p_\text{data} / (p_\text{data} + p_g)`
    (Goodfellow et al. 2014, Prop. 1). Shared by the minimax and non-saturating games.

    Args:
        real_logits: :math:`\ell(x)` on real examples, shape ``[*b]``.
        fake_logits: :math:`\ell(G(z))` on generated examples, shape ``[*b]``.

    Returns:
        Per-pair loss in nats, shape ``[*b]``.
    """
    _check_same_shape(real_logits, fake_logits, "real_logits", "fake_logits")
    return sigmoid_cross_entropy(real_logits, 1.0) + sigmoid_cross_entropy(fake_logits, 0.0)


def minimax_generator_loss(*, fake_logits: Float[Array, "*b"]) -> Float[Array, "*b"]:
    r"""The original (saturating) generator loss :math:`\log(1 - D(G(z)))`.

    In logits, :math:`\log(1 - \sigma(\ell)) = -\mathrm{softplus}(\ell)`.

    Its gradient in the logit, :math:`-\sigma(\ell)`, vanishes where the discriminator
    confidently rejects the sample (:math:`\ell \to -\infty`): the saturation that
    Goodfellow et al. (2014, §3) avoid with :func:`nonsaturating_generator_loss`.
    """
    return -jax.nn.softplus(fake_logits)


def nonsaturating_generator_loss(*, fake_logits: Float[Array, "*b"]) -> Float[Array, "*b"]:
    r"""The non-saturating generator loss :math:`-\log D(G(z)) = \mathrm{softplus}(-\ell)`.

    Same fixed point as the minimax game, but the logit gradient
    :math:`-\sigma(-\ell) \to -1` where the discriminator rejects the sample.
    """
    return jax.nn.softplus(-fake_logits)


def least_squares_discriminator_loss(
    *, real_scores: Float[Array, "*b"], fake_scores: Float[Array, "*b"]
) -> Float[Array, "*b"]:
    r"""LSGAN discriminator: :math:`\tfrac12 (D(x) - 1)^2 + \tfrac12 D(G(z))^2` (a=0, b=c=1)."""
    _check_same_shape(real_scores, fake_scores, "real_scores", "fake_scores")
    return 0.5 * jnp.square(real_scores - 1.0) + 0.5 * jnp.square(fake_scores)


def least_squares_generator_loss(*, fake_scores: Float[Array, "*b"]) -> Float[Array, "*b"]:
    r"""LSGAN generator: :math:`\tfrac12 (D(G(z)) - 1)^2`."""
    return 0.5 * jnp.square(fake_scores - 1.0)


def hinge_discriminator_loss(
    *, real_scores: Float[Array, "*b"], fake_scores: Float[Array, "*b"]
) -> Float[Array, "*b"]:
    r"""Hinge discriminator: :math:`\max(0, 1 - D(x)) + \max(0, 1 + D(G(z)))`."""
    _check_same_shape(real_scores, fake_scores, "real_scores", "fake_scores")
    return jax.nn.relu(1.0 - real_scores) + jax.nn.relu(1.0 + fake_scores)


def hinge_generator_loss(*, fake_scores: Float[Array, "*b"]) -> Float[Array, "*b"]:
    r"""Hinge generator: :math:`-D(G(z))` (the same as the Wasserstein generator)."""
    return -fake_scores


def wasserstein_critic_loss(
    *, real_scores: Float[Array, "*b"], fake_scores: Float[Array, "*b"]
) -> Float[Array, "*b"]:
    r"""Wasserstein critic: :math:`D(G(z)) - D(x)`.

    Its negated mean over a batch estimates the Kantorovich-Rubinstein dual
    :math:`\sup_{\|f\|_L \le 1} \mathbb E_{p_\text{data}} f - \mathbb E_{p_g} f`
    when the critic is kept (about) 1-Lipschitz, by weight clipping or a gradient penalty.
    """
    _check_same_shape(real_scores, fake_scores, "real_scores", "fake_scores")
    return fake_scores - real_scores


def wasserstein_generator_loss(*, fake_scores: Float[Array, "*b"]) -> Float[Array, "*b"]:
    r"""Wasserstein generator: :math:`-D(G(z))`."""
    return -fake_scores


def _per_example_input_gradients(
    critic_fn: Callable[[jax.Array], jax.Array], x: jax.Array
) -> jax.Array:
    """``d critic_fn(x)[i] / d x[i]`` for every example ``i``, shape ``[B, ...]``.

    Differentiates the sum of the scores: exact when the critic scores each example on its
    own (no batch normalisation across the batch), which WGAN-GP requires anyway.
    """
    return jax.grad(lambda inputs: jnp.sum(critic_fn(inputs)))(x)


def _squared_norms(gradients: jax.Array) -> jax.Array:
    return jnp.sum(jnp.square(gradients.reshape(gradients.shape[0], -1)), axis=-1)


def gradient_penalty(
    critic_fn: Callable[[jax.Array], jax.Array],
    real: Float[Array, " b *event"],
    fake: Float[Array, " b *event"],
    *,
    key: jax.Array,
    target_norm: float = 1.0,
) -> Float[Array, " b"]:
    r"""WGAN-GP's two-sided penalty on random interpolates, per example.

    .. math::
        \hat x = \epsilon x + (1 - \epsilon) \tilde x,\quad \epsilon \sim U[0, 1],\qquad
        \big(\|\nabla_{\hat x} D(\hat x)\|_2 - \text{target}\big)^2

    Args:
        critic_fn: ``[B, *event] -> [B]`` (or ``[B, 1]``) scores; must score each example
            independently (layer norm or none, not batch norm), as Gulrajani et al. advise.
        real: real examples :math:`x`, shape ``[B, *event]``.
        fake: generated examples :math:`\tilde x`, the same shape.
        key: draws one :math:`\epsilon` per example.
        target_norm: the gradient norm the penalty pulls towards (1 for 1-Lipschitz).

    Returns:
        The penalty per example, shape ``[B]``; the paper weights its mean by
        :math:`\lambda = 10`.

    References:
        Gulrajani et al. (2017), Improved Training of Wasserstein GANs, arXiv:1704.00028,
        Algorithm 1.
    """
    _check_same_shape(real, fake, "real", "fake")
    if real.ndim < 2:
        raise ValueError(
            f"real has shape {real.shape}; gradient_penalty needs a batch axis and an event "
            "axis, e.g. [B, 1] for scalar data"
        )
    epsilon = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1), real.dtype)
    interpolates = epsilon * real + (1.0 - epsilon) * fake
    gradients = _per_example_input_gradients(critic_fn, interpolates)
    norms = jnp.sqrt(_squared_norms(gradients) + _NORM_FLOOR)
    return jnp.square(norms - target_norm)


def r1_penalty(
    critic_fn: Callable[[jax.Array], jax.Array], real: Float[Array, " b *event"]
) -> Float[Array, " b"]:
    r"""The R1 penalty :math:`\|\nabla_x D(x)\|_2^2` on real examples, per example.

    Mescheder et al. weight its mean by :math:`\gamma / 2`. ``critic_fn`` must score each
    example independently, as in :func:`gradient_penalty`.

    Args:
        critic_fn: ``[B, *event] -> [B]`` (or ``[B, 1]``) logits or scores.
        real: real examples, shape ``[B, *event]``.

    Returns:
        The squared gradient norm per example, shape ``[B]``.

    References:
        Mescheder, Geiger & Nowozin (2018), arXiv:1801.04406, eq. (9).
    """
    if real.ndim < 2:
        raise ValueError(
            f"real has shape {real.shape}; r1_penalty needs a batch axis and an event axis"
        )
    return _squared_norms(_per_example_input_gradients(critic_fn, real))
