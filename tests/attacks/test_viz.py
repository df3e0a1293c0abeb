"""The attack figures: panel layout and curve plots are written, bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.image import imread

from gen_jax.viz.attacks import save_attack_panels, save_distortion_success_curves


def test_panels_have_one_row_per_example_and_one_column_per_set(tmp_path):
    images = np.random.default_rng(0).uniform(size=(3, 8, 8, 1))
    columns = {"reference": images, "adversarial": images[::-1], "target": images}
    path = save_attack_panels(tmp_path / "p.png", columns, row_labels=["a", "b", "c"])
    height, width = imread(path).shape[:2]
    assert height > width  # 3 rows of square tiles, 3 columns, plus titles
    with pytest.raises(ValueError, match="one shape"):
        save_attack_panels(tmp_path / "q.png", {"a": images, "b": images[:2]})
    with pytest.raises(ValueError, match="row_labels has 1 entries for 3 rows"):
        save_attack_panels(tmp_path / "q.png", columns, row_labels=["a"])


def test_curves_are_drawn_and_need_a_curve(tmp_path):
    curves = {"latent": (np.array([1.0, 0.5]), np.array([1.0, 0.2]), 0.6)}
    path = save_distortion_success_curves(tmp_path / "c.png", curves, max_distortion=2.0)
    assert imread(path).shape[:2] == (400, 560)
    with pytest.raises(ValueError, match="at least one"):
        save_distortion_success_curves(tmp_path / "d.png", {}, max_distortion=2.0)
