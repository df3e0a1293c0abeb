r"""The GAN game on the real line, where every density is known: the optimal discriminator.

For a fixed generator with density :math:`p_g`, the value

.. math::
    V(D, G) = \int p_\text{data}(x) \log D(x) + p_g(x) \log(1 - D(x))\, dx

is maximised pointwise by :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`
(Prop. 1), and then :math:`C(G) = V(D^*, G) = 2\,\mathrm{JSD}(p_\text{data} \| p_g) - \log 4`
(Theorem 1): the generator's objective at the optimal discriminator is the Jensen-Shannon
divergence, shifted. These functions evaluate both sides on a grid, so the claims can be
checked numerically and the trained discriminator of ``experiments/gan_1d`` compared with
:math:`D^*`.

References:
    Goodfellow et al. (2014), Generative Adversarial Nets, arXiv:1406.2661, §4.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float


def optimal_discriminator(
    log_density_data: Float[Array, " n"], log_density_model: Float[Array, " n"]
) -> Float[Array, " n"]:
    r""":math:`D^* = p_\text{data} / (p_\text{data} + p_g) = \sigma(\log p_\text{data} - \log p_g)`.

    Args:
        log_density_data: :math:`\log p_\text{data}` at the evaluation points.
        log_density_model: :math:`\log p_g` at the same points.

    Returns:
        :math:`D^*` at each point, in (0, 1); stable where both densities underflow.
    """
    return jax.nn.sigmoid(log_density_data - log_density_model)


def _trapezoid(values: jax.Array, grid: jax.Array) -> jax.Array:
    return jnp.sum(0.5 * (values[1:] + values[:-1]) * jnp.diff(grid))


def _check_grid(grid: jax.Array, *arrays: jax.Array) -> None:
    if grid.ndim != 1 or grid.shape[0] < 2:
        raise ValueError(f"grid has shape {grid.shape}; pass an increasing 1-D grid of points")
    for array in arrays:
        if array.shape != grid.shape:
            raise ValueError(
                f"a density or discriminator has shape {array.shape} but grid has shape "
                f"{grid.shape}; evaluate every function on the grid"
            )


def gan_value(
    discriminator_logits: Float[Array, " n"],
    density_data: Float[Array, " n"],
    density_model: Float[Array, " n"],
    grid: Float[Array, " n"],
) -> jax.Array:
    r""":math:`V(D, G)` by the trapezoidal rule on ``grid``.

    Args:
        discriminator_logits: :math:`\ell(x)` with :math:`D = \sigma(\ell)`, on the grid;
            logits keep :math:`\log D` and :math:`\log(1 - D)` finite where D saturates
            (for :math:`D^*`: ``log_density_data - log_density_model``).
        density_data: :math:`p_\text{data}(x)` on the grid.
        density_model: :math:`p_g(x)` on the grid.
        grid: increasing points covering both densities' mass.

    Returns:
        The scalar value in nats.
    """
    _check_grid(grid, discriminator_logits, density_data, density_model)

    def weighted(density, log_probability):  # 0 log 0 = 0 where a density vanishes
        return jnp.where(density > 0, density * log_probability, 0.0)

    integrand = weighted(density_data, jax.nn.log_sigmoid(discriminator_logits)) + weighted(
        density_model, jax.nn.log_sigmoid(-discriminator_logits)
    )
    return _trapezoid(integrand, grid)


def jensen_shannon_divergence(
    density_p: Float[Array, " n"], density_q: Float[Array, " n"], grid: Float[Array, " n"]
) -> jax.Array:
    r""":math:`\mathrm{JSD}(p \| q) = \tfrac12 \mathrm{KL}(p \| m) + \tfrac12 \mathrm{KL}(q \| m)`,
    :math:`m = (p + q)/2`, in nats, by the trapezoidal rule on ``grid``."""
    _check_grid(grid, density_p, density_q)
    mixture = 0.5 * (density_p + density_q)

    def kl_integrand(density):
        ratio = jnp.where(density > 0, density / jnp.where(mixture > 0, mixture, 1.0), 1.0)
        return density * jnp.log(ratio)

    return 0.5 * _trapezoid(kl_integrand(density_p) + kl_integrand(density_q), grid)
