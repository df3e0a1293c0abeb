r"""Neural style transfer losses (Gatys et al. 2015; Foster 2019, ch. 5, Listings 5.9-5.11).

Features are activations ``[*b, H, W, C]`` of a fixed network (VGG19). With
:math:`F \in \mathbb R^{M \times N}` a layer's activation flattened to ``M = H W``
positions by ``N = C`` channels:

- Gram matrix :math:`G = F^\top F` (``[*b, C, C]``), unnormalised, as the book's code.
- Content loss :math:`\sum (F_\text{comb} - F_\text{base})^2`, a plain sum of squares.
- Style loss of one layer, :math:`\sum_{ij} (G^S_{ij} - G^X_{ij})^2 / Z`, with two named
  normalisations :math:`Z`:

  - ``"book"``: :math:`4 \cdot 3^2 \cdot (H_0 W_0)^2`, the Keras example's choice
    (channels fixed at 3, the *input* image's size for every layer);
  - ``"paper"``: :math:`4 N_l^2 M_l^2`, Gatys et al.'s per-layer channels and positions.

- Total variation :math:`\sum_{ij} \big((x_{i,j} - x_{i+1,j})^2 + (x_{i,j} - x_{i,j+1})^2
  \big)^{1.25}` over the ``(H-1) x (W-1)`` top-left positions and the channels (the book's
  code; its prose says a plain sum of squares).

All are per example (no reduction over the batch) and differentiable.

References:
    Gatys, Ecker & Bethge (2015), A Neural Algorithm of Artistic Style, arXiv:1508.06576.
    Mahendran & Vedaldi (2015), Understanding Deep Image Representations by Inverting Them
    (total variation), arXiv:1412.0035.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 5.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

STYLE_NORMALIZATIONS = ("book", "paper")
TOTAL_VARIATION_EXPONENT = 1.25


def _check_same_shape(name_a: str, a: jax.Array, name_b: str, b: jax.Array) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} has shape {a.shape} but {name_b} has {b.shape}; they must match"
        )


def gram_matrix(features: Float[Array, "*b h w c"]) -> Float[Array, "*b c c"]:
    """``G = F^T F`` of a feature map flattened to ``[H W, C]``: ``[*b, H, W, C] -> [*b, C, C]``."""
    if features.ndim < 3:
        raise ValueError(f"features must be [*b, H, W, C], got shape {features.shape}")
    flat = features.reshape(*features.shape[:-3], -1, features.shape[-1])
    return jnp.einsum("...mi,...mj->...ij", flat, flat)


def content_loss(
    base_features: Float[Array, "*b h w c"], combination_features: Float[Array, "*b h w c"]
) -> Float[Array, "*b"]:
    """``sum (F_comb - F_base)^2`` over ``H, W, C`` (Listing 5.9, without its weight)."""
    _check_same_shape("base_features", base_features, "combination_features", combination_features)
    return jnp.sum(jnp.square(combination_features - base_features), axis=(-3, -2, -1))


def style_loss(
    style_features: Float[Array, "*b h w c"],
    combination_features: Float[Array, "*b h w c"],
    *,
    normalization: str = "book",
    image_size: tuple[int, int] | None = None,
) -> Float[Array, "*b"]:
    """One layer's Gram distance ``sum (G_S - G_X)^2 / Z`` (Listing 5.10, without weights).

    Args:
        style_features: the style image's activations ``[*b, H, W, C]``.
        combination_features: the combination image's activations, same shape.
        normalization: ``"book"`` (``Z = 4 * 9 * (H0 W0)^2``, needs ``image_size``) or
            ``"paper"`` (``Z = 4 C^2 (H W)^2`` of this layer).
        image_size: ``(H0, W0)`` of the network's input, for ``"book"``.
    """
    _check_same_shape(
        "style_features", style_features, "combination_features", combination_features
    )
    if normalization == "book":
        if image_size is None:
            raise ValueError('normalization="book" divides by the input size: pass image_size')
        scale = 4.0 * 3**2 * float(image_size[0] * image_size[1]) ** 2
    elif normalization == "paper":
        height, width, channels = style_features.shape[-3:]
        scale = 4.0 * float(channels) ** 2 * float(height * width) ** 2
    else:
        raise ValueError(f"normalization={normalization!r}; choose one of {STYLE_NORMALIZATIONS}")
    difference = gram_matrix(style_features) - gram_matrix(combination_features)
    return jnp.sum(jnp.square(difference), axis=(-2, -1)) / scale


def total_variation_loss(images: Float[Array, "*b h w c"]) -> Float[Array, "*b"]:
    """``sum ((x[i,j] - x[i+1,j])^2 + (x[i,j] - x[i,j+1])^2)^1.25`` (Listing 5.11)."""
    if images.ndim < 3 or images.shape[-3] < 2 or images.shape[-2] < 2:
        raise ValueError(f"images must be [*b, H, W, C] with H, W >= 2, got {images.shape}")
    corner = images[..., :-1, :-1, :]
    vertical = jnp.square(corner - images[..., 1:, :-1, :])
    horizontal = jnp.square(corner - images[..., :-1, 1:, :])
    return jnp.sum(jnp.power(vertical + horizontal, TOTAL_VARIATION_EXPONENT), axis=(-3, -2, -1))
