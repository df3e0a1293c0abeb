r"""CycleGAN: two generators and two discriminators trained in one pure update.

Domains A and B, generators :math:`G: A \to B` and :math:`F: B \to A`, discriminators
:math:`D_A` (real A against :math:`F(b)`) and :math:`D_B` (real B against :math:`G(a)`),
least-squares validity (Mao et al. 2017) and L1 cycle and identity terms (Zhu et al. 2017;
Foster 2019, Listings 5.4-5.6):

.. math::
    \mathcal L_D &= \tfrac12\big[(D_A(a) - 1)^2 + D_A(\tilde a)^2\big]
        + \tfrac12\big[(D_B(b) - 1)^2 + D_B(\tilde b)^2\big], \\
    \mathcal L_G &= \lambda_v \big[(D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2\big]
        + \lambda_r \big[|F(G(a)) - a| + |G(F(b)) - b|\big]
        + \lambda_{id} \big[|F(a) - a| + |G(b) - b|\big],

each term a mean over the batch and every pixel (or patch score). The book's weights are
:math:`(\lambda_v, \lambda_r, \lambda_{id})` = (1, 10, 2) for apple2orange and (1, 10, 5)
for monet2photo, with Adam(2e-4, beta_1 0.5) everywhere (:func:`cyclegan_adam`).

One update: both generators translate the batch; the fakes :math:`\tilde a, \tilde b` the
discriminators see come from a history pool of earlier fakes (Shrivastava et al. 2017);
one optimiser step of both discriminators on :math:`\mathcal L_D`; then one step of both
generators on :math:`\mathcal L_G` against the updated discriminators (the book's order).
Deviation: the book makes two discriminator steps per update (real batch, then fake
batch); here one step on their mean. The reported ``d_loss`` is the book's
:math:`\tfrac12(\mathcal L_{D_A} + \mathcal L_{D_B})`.

History pools (:data:`POOLS`), arrays in the state refreshed with the step key:

- ``"book"`` (the book's repository): every new fake is written into a ring buffer of
  ``pool_size`` images, then the batch is drawn without replacement from the images
  stored, so the newest fake is always a candidate. (The repository keeps a deque of 50
  *batches* and draws ``batch_size`` of them; with its batch of 1 that is this pool.)
- ``"paper"`` (junyanz's ``ImagePool``): while the pool is filling, each fake is stored and
  used; once full, each fake is used with probability 1/2, and otherwise swapped for a
  uniformly chosen stored one, which is used instead.
- ``"none"``: the discriminators see this step's fakes.

References:
    Zhu et al. (2017), Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
    Networks, arXiv:1703.10593.
    Mao et al. (2017), Least Squares Generative Adversarial Networks, arXiv:1611.04076.
    Shrivastava et al. (2017), Learning from Simulated and Unsupervised Images through
    Adversarial Training (history of refined images), arXiv:1612.07828.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 5.
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from gen_jax.core.optim import apply_optimizer
from gen_jax.core.state import Player, zero_step
from gen_jax.core.step import Step

POOLS = ("book", "paper", "none")
IMAGE_A, IMAGE_B = "image_a", "image_b"
A_TO_B, B_TO_A = "a_to_b", "b_to_a"


@struct.dataclass
class ImagePool:
    """A history of generated images kept in the training state.

    Attributes:
        images: ``[pool_size, H, W, C]``; only the first ``filled`` rows are meaningful.
        filled: scalar int32, how many images are stored.
    """

    images: jax.Array
    filled: jax.Array


@struct.dataclass
class CycleGANState:
    """State of a CycleGAN update.

    Attributes:
        step: scalar int32, number of completed updates.
        gen: both generators, ``variables = {"params": {"a_to_b": ..., "b_to_a": ...}}``,
            with one optimiser state (the book's combined model).
        disc: both discriminators, ``variables = {"params": {"a": ..., "b": ...}}``.
        pool_a: fake A images (``F(b)``) shown to ``D_A``.
        pool_b: fake B images (``G(a)``) shown to ``D_B``.
    """

    step: jax.Array
    gen: Player
    disc: Player
    pool_a: ImagePool
    pool_b: ImagePool


def empty_pool(pool_size: int, image_shape: tuple[int, ...]) -> ImagePool:
    """An empty :class:`ImagePool` of ``pool_size`` images of shape ``image_shape``."""
    return ImagePool(jnp.zeros((pool_size, *image_shape), jnp.float32), jnp.zeros((), jnp.int32))


def book_pool_query(
    pool: ImagePool, fakes: jax.Array, step: jax.Array, *, key: jax.Array
) -> tuple[ImagePool, jax.Array]:
    """Store ``fakes [B, ...]`` in a ring buffer, then draw ``B`` stored images without
    replacement (the book's buffer). Needs ``pool_size >= B``.

    Returns:
        ``(pool, chosen [B, ...])``.
    """
    batch_size, pool_size = fakes.shape[0], pool.images.shape[0]
    positions = (step * batch_size + jnp.arange(batch_size)) % pool_size
    images = pool.images.at[positions].set(fakes.astype(pool.images.dtype))
    filled = jnp.minimum(pool.filled + batch_size, pool_size)
    stored = (jnp.arange(pool_size) < filled).astype(jnp.float32)
    chosen = jax.random.choice(
        key, pool_size, (batch_size,), replace=False, p=stored / jnp.sum(stored)
    )
    return ImagePool(images, filled), images[chosen]


def paper_pool_query(
    pool: ImagePool, fakes: jax.Array, *, key: jax.Array
) -> tuple[ImagePool, jax.Array]:
    """junyanz's ``ImagePool.query``, one fake after another in a ``lax.scan``.

    Returns:
        ``(pool, chosen [B, ...])``.
    """
    pool_size = pool.images.shape[0]

    def visit(carry, inputs):
        images, filled = carry
        fake, fake_key = inputs
        swap_key, index_key = jax.random.split(fake_key)
        filling = filled < pool_size
        swap = jnp.logical_and(~filling, jax.random.uniform(swap_key) > 0.5)
        index = jnp.where(filling, filled, jax.random.randint(index_key, (), 0, pool_size))
        stored = images[index]
        images = images.at[index].set(jnp.where(filling | swap, fake, stored))
        return (images, filled + filling.astype(jnp.int32)), jnp.where(swap, stored, fake)

    keys = jax.random.split(key, fakes.shape[0])
    (images, filled), chosen = jax.lax.scan(
        visit, (pool.images, pool.filled), (fakes.astype(pool.images.dtype), keys)
    )
    return ImagePool(images, filled), chosen


def cyclegan_adam(
    learning_rate: float = 2e-4,
    *,
    constant_steps: int | None = None,
    decay_steps: int | None = None,
    b1: float = 0.5,
    eps: float = 1e-7,
) -> optax.GradientTransformation:
    """Adam(2e-4, beta_1 0.5, Keras' epsilon 1e-7), optionally with the paper's schedule.

    With ``decay_steps`` set, the rate is constant for ``constant_steps`` updates and then
    falls linearly to 0 over ``decay_steps`` more (the paper's 100 + 100 epochs); the book
    has no decay.
    """
    if (constant_steps is None) != (decay_steps is None):
        raise ValueError("pass both constant_steps and decay_steps for the decay, or neither")
    schedule: float | optax.Schedule = learning_rate
    if decay_steps is not None:
        if constant_steps < 0 or decay_steps < 1:
            raise ValueError(
                f"constant_steps={constant_steps}, decay_steps={decay_steps}: need >= 0 and >= 1"
            )
        schedule = optax.join_schedules(
            [
                optax.constant_schedule(learning_rate),
                optax.linear_schedule(learning_rate, 0.0, decay_steps),
            ],
            [constant_steps],
        )
    return optax.adam(schedule, b1=b1, eps=eps)


def _mse_to(scores: jax.Array, target: float) -> jax.Array:
    return jnp.mean(jnp.square(scores - target))


def _mae(x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean(jnp.abs(x - y))


def cyclegan_generator_losses(
    a_to_b: Callable[[jax.Array], jax.Array],
    b_to_a: Callable[[jax.Array], jax.Array],
    score_a: Callable[[jax.Array], jax.Array],
    score_b: Callable[[jax.Array], jax.Array],
    real_a: jax.Array,
    real_b: jax.Array,
) -> dict[str, jax.Array]:
    """The three generator terms, each summed over both directions (means over pixels).

    Args:
        a_to_b, b_to_a: the generators as functions of a batch of images.
        score_a, score_b: the discriminators (patch scores) as functions of images.
        real_a, real_b: ``[B, H, W, C]`` batches of the two domains.

    Returns:
        ``{"validity_loss", "cycle_loss", "identity_loss"}``: least-squares distance of the
        fakes' scores to 1, L1 reconstruction error, L1 change of an image already in the
        target domain. Identity generators give zero cycle and identity terms.
    """
    fake_b, fake_a = a_to_b(real_a), b_to_a(real_b)
    return {
        "validity_loss": _mse_to(score_b(fake_b), 1.0) + _mse_to(score_a(fake_a), 1.0),
        "cycle_loss": _mae(b_to_a(fake_b), real_a) + _mae(a_to_b(fake_a), real_b),
        "identity_loss": _mae(b_to_a(real_a), real_a) + _mae(a_to_b(real_b), real_b),
    }


def _check_batch(batch) -> tuple[jax.Array, jax.Array]:
    missing = {IMAGE_A, IMAGE_B} - set(batch)
    if missing:
        raise KeyError(
            f"batch has keys {sorted(batch)}; a CycleGAN batch needs {IMAGE_A!r} and {IMAGE_B!r}"
        )
    real_a, real_b = batch[IMAGE_A], batch[IMAGE_B]
    if real_a.shape != real_b.shape or real_a.ndim != 4:
        raise ValueError(
            f"batch[{IMAGE_A!r}] has shape {real_a.shape} and batch[{IMAGE_B!r}] {real_b.shape}; "
            "both must be [B, H, W, C] of one shape"
        )
    return real_a, real_b


def make_cyclegan_step(
    generator: nn.Module,
    discriminator: nn.Module,
    generator_optimizer: optax.GradientTransformation,
    discriminator_optimizer: optax.GradientTransformation,
    *,
    validity_weight: float = 1.0,
    cycle_weight: float = 10.0,
    identity_weight: float = 2.0,
    pool: str = "book",
    pool_size: int = 50,
) -> Step:
    r"""A Step training two ``generator``\ s and two ``discriminator``\ s (see the module).

    Args:
        generator: ``[B, H, W, C] -> [B, H, W, C]``; one set of parameters per direction.
        discriminator: ``[B, H, W, C] -> scores`` (patch scores); one per domain.
        generator_optimizer: over both generators' parameters (:func:`cyclegan_adam`).
        discriminator_optimizer: over both discriminators' parameters.
        validity_weight: :math:`\lambda_v` (1).
        cycle_weight: :math:`\lambda_r` (10).
        identity_weight: :math:`\lambda_{id}` (2 apple2orange, 5 monet2photo; 0 ablates it;
            the term is still reported).
        pool: ``"book"``, ``"paper"`` or ``"none"`` (see the module docstring).
        pool_size: images per pool (50); at least the batch size for ``"book"``.

    Returns:
        ``Step`` over :class:`CycleGANState`, batches ``{"image_a", "image_b"}`` of equal
        shape. Metrics: ``d_loss``, ``d_a_loss``, ``d_b_loss``, ``g_loss``,
        ``validity_loss``, ``cycle_loss``, ``identity_loss``.
    """
    if pool not in POOLS:
        raise ValueError(f"pool={pool!r}; choose one of {POOLS}")
    if not isinstance(pool_size, int) or pool_size < 1:
        raise ValueError(f"pool_size={pool_size!r}; pass a positive int (50 in the book)")
    weights = (validity_weight, cycle_weight, identity_weight)
    if min(weights) < 0:
        raise ValueError(f"validity, cycle and identity weights {weights} must be >= 0")

    def init(key: jax.Array, batch) -> CycleGANState:
        real_a, _ = _check_batch(batch)
        if pool == "book" and pool_size < real_a.shape[0]:
            raise ValueError(
                f"pool_size={pool_size} is smaller than the batch of {real_a.shape[0]}; the "
                "book's pool draws a batch of distinct stored images"
            )
        keys = jax.random.split(key, 4)
        g_params = {
            A_TO_B: generator.init(keys[0], real_a)["params"],
            B_TO_A: generator.init(keys[1], real_a)["params"],
        }
        fake_shape = jax.eval_shape(generator.apply, {"params": g_params[A_TO_B]}, real_a).shape
        if fake_shape != real_a.shape:
            raise ValueError(
                f"the generator maps {real_a.shape} to {fake_shape}; it must keep the shape"
            )
        d_params = {
            "a": discriminator.init(keys[2], real_a)["params"],
            "b": discriminator.init(keys[3], real_a)["params"],
        }
        size = pool_size if pool != "none" else 0
        return CycleGANState(
            step=zero_step(),
            gen=Player({"params": g_params}, generator_optimizer.init(g_params)),
            disc=Player({"params": d_params}, discriminator_optimizer.init(d_params)),
            pool_a=empty_pool(size, real_a.shape[1:]),
            pool_b=empty_pool(size, real_a.shape[1:]),
        )

    def translate(params, images):
        return generator.apply({"params": params}, images)

    def score(params, images):
        return discriminator.apply({"params": params}, images)

    def query(image_pool, fakes, step, key):
        if pool == "book":
            return book_pool_query(image_pool, fakes, step, key=key)
        if pool == "paper":
            return paper_pool_query(image_pool, fakes, key=key)
        return image_pool, fakes

    def discriminator_objective(d_params, real_a, real_b, fake_a, fake_b):
        loss_a = 0.5 * (
            _mse_to(score(d_params["a"], real_a), 1.0) + _mse_to(score(d_params["a"], fake_a), 0.0)
        )
        loss_b = 0.5 * (
            _mse_to(score(d_params["b"], real_b), 1.0) + _mse_to(score(d_params["b"], fake_b), 0.0)
        )
        return loss_a + loss_b, {"d_a_loss": loss_a, "d_b_loss": loss_b}

    def generator_objective(g_params, d_params, real_a, real_b):
        terms = cyclegan_generator_losses(
            lambda x: translate(g_params[A_TO_B], x),
            lambda x: translate(g_params[B_TO_A], x),
            lambda x: score(d_params["a"], x),
            lambda x: score(d_params["b"], x),
            real_a,
            real_b,
        )
        identity = terms["identity_loss"]
        if identity_weight == 0:
            identity = jax.lax.stop_gradient(identity)
        total = (
            validity_weight * terms["validity_loss"]
            + cycle_weight * terms["cycle_loss"]
            + identity_weight * identity
        )
        return total, terms

    def update(state: CycleGANState, batch, key: jax.Array):
        real_a, real_b = _check_batch(batch)
        key_a, key_b = jax.random.split(key)
        g_params, d_params = state.gen.variables["params"], state.disc.variables["params"]
        fake_b = jax.lax.stop_gradient(translate(g_params[A_TO_B], real_a))
        fake_a = jax.lax.stop_gradient(translate(g_params[B_TO_A], real_b))
        pool_a, pooled_a = query(state.pool_a, fake_a, state.step, key_a)
        pool_b, pooled_b = query(state.pool_b, fake_b, state.step, key_b)
        d_grads, metrics = jax.grad(discriminator_objective, has_aux=True)(
            d_params, real_a, real_b, pooled_a, pooled_b
        )
        d_params, d_opt_state = apply_optimizer(
            discriminator_optimizer, d_grads, state.disc.opt_state, d_params
        )
        (g_loss, terms), g_grads = jax.value_and_grad(generator_objective, has_aux=True)(
            g_params, d_params, real_a, real_b
        )
        g_params, g_opt_state = apply_optimizer(
            generator_optimizer, g_grads, state.gen.opt_state, g_params
        )
        metrics = {
            **metrics,
            **terms,
            "d_loss": 0.5 * (metrics["d_a_loss"] + metrics["d_b_loss"]),
            "g_loss": g_loss,
        }
        return (
            state.replace(
                step=state.step + 1,
                gen=Player({"params": g_params}, g_opt_state),
                disc=Player({"params": d_params}, d_opt_state),
                pool_a=pool_a,
                pool_b=pool_b,
            ),
            metrics,
        )

    return Step(init=init, update=update)
