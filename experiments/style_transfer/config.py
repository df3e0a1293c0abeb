"""Neural style transfer (experiment 5.3; Gatys et al. 2015) on images shipped with
matplotlib.

Foster (2019), ch. 5, Listings 5.9-5.12 (the Keras example ``neural_style_transfer.py``):
VGG19 features (``include_top=False``), content at ``block5_conv2``, style at
``block{1..5}_conv1`` (each weighted ``style_weight / 5``, the example's normaliser
``4 * 3^2 * (H W)^2``: ``loss.normalization="book"``; ``"paper"`` is Gatys'
``4 N_l^2 M_l^2``), total variation with exponent 1.25, the book's run weights content 1,
style 100, TV 20, L-BFGS from the base image with 20 updates per outer iteration.
Deviations: optax's unbounded L-BFGS with a zoom line search (on device, in ``lax.scan``)
instead of scipy's L-BFGS-B; ``optim.method="adam"`` is the alternative.

Images: the base is matplotlib's ``grace_hopper.jpg``, the style its
``Minduka_Present_Blue_Pack.png``, both centre-cropped to squares. VGG19 weights come
from ``model.weights_path`` (the Keras notop ``.h5``, torchvision's ``.pth`` or an
``.npz``; nothing is downloaded); without one the network is random and the report's title
says so: the result then matches an untrained network's feature statistics, not the
painting's style as ImageNet VGG19 sees it.

Command:
    gen-jax run style_transfer            # the demo variant
    gen-jax run style_transfer:full --config.model.weights_path=vgg19_notop.h5

Variants (wall time on a 2-core CPU shared with other jobs):
    tiny: 64x64, VGG widths / 16, 2 x 3 L-BFGS updates (tests).
    demo: 128x128, VGG widths / 4 (random weights), 10 x 20 L-BFGS updates, content weight
        1e4 and TV weight 0.02 (see below); 42 s under load.
    full: 400x400 (the example's img_nrows), full VGG19, 1000 x 20 updates (the book's run;
        not run here).

Expected result (measured, demo, seed 0, random weights): the total loss falls from
2.58e8 to 1.65e6 (style 2.47e8 -> 5.41e5, content 0 -> 3.37e5, TV 1.08e7 -> 7.73e5); the
result keeps the portrait's layout (dark uniform, light face and cap) in the style image's
blue and white palette, blurred. With the book's weights (content 1, TV 20) and random
weights, total variation (1.08e10 at the start) dominates and the result is a smooth
blue-white wash (measured: loss 1.11e10 -> 1.72e7).
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"style_transfer has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(weights_path="", widths=(64, 128, 256, 512, 512))
    config.loss = dict(
        content_weight=1.0, style_weight=100.0, total_variation_weight=20.0, normalization="book"
    )
    config.optim = dict(method="lbfgs", steps_per_iteration=20, learning_rate=5.0)
    config.data = dict(image_size=400)
    config.run = dict(seed=0, num_steps=1000)
    if variant == "demo":
        config.model.widths = (16, 32, 64, 128, 128)
        config.data.image_size = 128
        config.run.num_steps = 10
        # Random VGG features are small: the book's weights let total variation wipe the
        # base out, so the demo weights content up and total variation down.
        config.loss.update(content_weight=1e4, total_variation_weight=0.02)
    elif variant == "tiny":
        config.model.widths = (4, 8, 16, 32, 32)
        config.data.image_size = 64
        config.optim.steps_per_iteration = 3
        config.run.num_steps = 2
    return config
