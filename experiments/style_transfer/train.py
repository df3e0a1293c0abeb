"""Neural style transfer of matplotlib's photo: L-BFGS (or Adam) on device, with base,
style and result side by side and the loss curves by term."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
from ml_collections import ConfigDict

from gen_jax.algorithms.style_transfer import make_style_transfer_objective, transfer_style
from gen_jax.core.record import record_fit
from gen_jax.data.transforms import center_crop_square, resize_bilinear
from gen_jax.data.unpaired_toys import sample_photo
from gen_jax.models.translation import VGG19Features, deprocess, load_vgg19, preprocess
from gen_jax.viz import save_image_grid, write_report


def _style_image() -> np.ndarray:
    """The colourful sample image shipped with matplotlib, RGB float in [0, 255]."""
    import matplotlib
    from PIL import Image

    path = Path(matplotlib.get_data_path()) / "sample_data" / "Minduka_Present_Blue_Pack.png"
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), np.float32)


def _square(image: np.ndarray, size: int) -> np.ndarray:
    return resize_bilinear(center_crop_square(image[None]), (size, size))[0]


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Optimise the combination image; write the images, the curves and the report."""
    workdir = Path(workdir)
    size = config.data.image_size
    weights = load_vgg19(
        config.model.weights_path or None,
        widths=tuple(config.model.widths),
        key=jax.random.key(config.run.seed),
    )
    base = preprocess(_square(sample_photo(), size), weights.preprocessing)
    style = preprocess(_square(_style_image(), size), weights.preprocessing)
    network = VGG19Features(tuple(config.model.widths), last_layer="block5_conv2")
    objective = make_style_transfer_objective(
        network, weights.variables, base=base, style=style, **config.loss
    )
    image, history = transfer_style(
        objective, base, num_iterations=config.run.num_steps, **config.optim
    )
    history = {k: np.asarray(v) for k, v in history.items()}
    record_fit(
        workdir,
        history={k: v[1:] for k, v in history.items()},
        state={"image": np.asarray(image)},
        meta={"seed": config.run.seed, "weights": weights.description},
        axis_label=f"outer iteration ({config.optim.steps_per_iteration} steps each)",
    )
    panels = np.stack(
        [np.clip(deprocess(x, weights.preprocessing), 0, 255) for x in (base, style, image)]
    )
    grid = save_image_grid(
        workdir / "samples" / "base_style_result.png",
        panels,
        num_columns=3,
        value_range=(0.0, 255.0),
        scale=max(1, 256 // size),
    )
    final = {f"final_{k}": float(v[-1]) for k, v in history.items()}
    final.update({f"initial_{k}": float(v[0]) for k, v in history.items()})
    final["pretrained_vgg19"] = float(weights.pretrained)
    write_report(
        workdir,
        title=f"Neural style transfer ({config.optim.method}); {weights.description}",
        config=config.to_dict(),
        final_metrics=final,
        images={"Base, style and result": str(grid)},
    )
    return final
