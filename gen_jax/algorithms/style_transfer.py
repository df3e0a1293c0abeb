r"""Neural style transfer: optimise an image's pixels on device (Gatys et al. 2015; Foster
2019, ch. 5, Listings 5.9-5.12).

The combination image :math:`x` (in the feature network's preprocessed space) minimises

.. math::
    \mathcal L(x) = w_c \mathcal L_\text{content}(x, \text{base})
        + \sum_{l \in S} \tfrac{w_s}{|S|} \mathcal L_\text{style}^l(x, \text{style})
        + w_{tv} \mathcal L_{tv}(x)

with content at ``block5_conv2`` and style at ``block{1..5}_conv1`` of VGG19 (the book's
choice; level-1 terms in :mod:`gen_jax.losses.style`). The book's run uses weights
(content, style, TV) = (1, 100, 20) and scipy's L-BFGS-B, 20 function evaluations per
outer iteration, from the base image. Here :func:`transfer_style` runs the whole
optimisation on device in ``lax.scan``: ``method="lbfgs"`` (optax's L-BFGS with its zoom
line search, ``steps_per_iteration`` updates per outer iteration; unbounded, unlike
L-BFGS-B) or ``method="adam"``, and records every term after each outer iteration.

References:
    Gatys, Ecker & Bethge (2015), A Neural Algorithm of Artistic Style, arXiv:1508.06576.
    Liu & Nocedal (1989), On the limited memory BFGS method for large scale optimization.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gen_jax.losses.style import content_loss, style_loss, total_variation_loss

CONTENT_LAYER = "block5_conv2"
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
METHODS = ("lbfgs", "adam")
TERMS = ("content", "style", "total_variation")


def make_style_transfer_objective(
    network: nn.Module,
    variables,
    *,
    base: jax.Array,
    style: jax.Array,
    content_weight: float = 1.0,
    style_weight: float = 100.0,
    total_variation_weight: float = 20.0,
    content_layer: str = CONTENT_LAYER,
    style_layers: Sequence[str] = STYLE_LAYERS,
    normalization: str = "book",
) -> Callable[[jax.Array], tuple[jax.Array, dict[str, jax.Array]]]:
    """``x [H, W, 3] -> (loss, {"content", "style", "total_variation"})``, weighted terms.

    Args:
        network: returns ``{layer: activation}`` for ``[B, H, W, 3]``
            (:class:`~gen_jax.models.translation.VGG19Features`).
        variables: its variables.
        base: the content image ``[H, W, 3]``, preprocessed like ``x``.
        style: the style image, same shape.
        content_weight, style_weight, total_variation_weight: the weights (the book's run:
            1, 100, 20); the style weight is shared equally by the style layers.
        content_layer: where content is compared.
        style_layers: where Gram matrices are compared.
        normalization: the style loss's ``"book"`` or ``"paper"`` normaliser.
    """
    if base.shape != style.shape or base.ndim != 3:
        raise ValueError(f"base {base.shape} and style {style.shape} must be one [H, W, 3] shape")
    features = jax.jit(network.apply)(variables, jnp.stack([base, style]))
    base_content = features[content_layer][0]
    style_targets = {layer: features[layer][1] for layer in style_layers}
    image_size = base.shape[:2]

    def objective(x):
        activations = network.apply(variables, x[None])
        terms = {
            "content": content_weight * content_loss(base_content, activations[content_layer][0]),
            "style": sum(
                style_weight
                / len(style_layers)
                * style_loss(
                    style_targets[layer],
                    activations[layer][0],
                    normalization=normalization,
                    image_size=image_size,
                )
                for layer in style_layers
            ),
            "total_variation": total_variation_weight * total_variation_loss(x),
        }
        return sum(terms.values()), terms

    return objective


def transfer_style(
    objective: Callable[[jax.Array], tuple[jax.Array, dict[str, jax.Array]]],
    initial: jax.Array,
    *,
    method: str = "lbfgs",
    num_iterations: int = 10,
    steps_per_iteration: int = 20,
    learning_rate: float = 5.0,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Minimise ``objective`` over the image, all on device.

    Args:
        objective: from :func:`make_style_transfer_objective`.
        initial: the starting image (the book: the preprocessed base image).
        method: ``"lbfgs"`` or ``"adam"``.
        num_iterations: outer iterations (the book: 1000; its example: 10).
        steps_per_iteration: optimiser updates per outer iteration (the book's
            ``maxfun=20``).
        learning_rate: Adam's step size, in preprocessed pixel units (unused by L-BFGS).

    Returns:
        ``(image, history)``: the final image and ``{"loss", "content", "style",
        "total_variation"}``, each ``[num_iterations + 1]``: the start, then after each
        outer iteration.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}; choose one of {METHODS}")
    if num_iterations < 1 or steps_per_iteration < 1:
        raise ValueError("num_iterations and steps_per_iteration must be >= 1")

    def loss_only(x):
        return objective(x)[0]

    def measure(x):
        loss, terms = objective(x)
        return {"loss": loss, **terms}

    if method == "lbfgs":
        optimizer = optax.lbfgs()
        value_and_grad = optax.value_and_grad_from_state(loss_only)

        def update(carry, _):
            x, state = carry
            value, grad = value_and_grad(x, state=state)
            updates, state = optimizer.update(
                grad, state, x, value=value, grad=grad, value_fn=loss_only
            )
            return (optax.apply_updates(x, updates), state), None
    else:
        optimizer = optax.adam(learning_rate)

        def update(carry, _):
            x, state = carry
            grad = jax.grad(loss_only)(x)
            updates, state = optimizer.update(grad, state, x)
            return (optax.apply_updates(x, updates), state), None

    def outer(carry, _):
        carry, _ = jax.lax.scan(update, carry, None, length=steps_per_iteration)
        return carry, measure(carry[0])

    @jax.jit
    def run(x):
        (x_final, _), history = jax.lax.scan(
            outer, (x, optimizer.init(x)), None, length=num_iterations
        )
        start = measure(x)
        history = {k: jnp.concatenate([start[k][None], v]) for k, v in history.items()}
        return x_final, history

    with jax.numpy_dtype_promotion("standard"):
        return run(initial)
