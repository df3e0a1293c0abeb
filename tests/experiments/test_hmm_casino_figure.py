"""hmm_casino's decoding figure: P(loaded) on its own labelled axis, one colour per meaning."""

import numpy as np
from matplotlib.colors import to_hex

from gen_jax import launcher


def test_the_posterior_has_its_own_axis_and_every_meaning_its_colour(monkeypatch, tmp_path):
    train = launcher.experiment_module("hmm_casino", "train")
    figures = []
    monkeypatch.setattr(train, "save_figure_png", lambda path, figure: figures.append(figure))
    rng = np.random.default_rng(0)
    rolls, dice = rng.integers(0, 6, (50, 1)), rng.integers(0, 2, 50)
    train._plot_decoding(tmp_path / "d.png", rolls, dice, dice, rng.random(50), 50)
    faces, probability = figures[0].axes
    assert faces.get_ylabel() == "face" and probability.get_ylabel() == "P(loaded)"
    assert probability.get_ylim()[1] < 1.1  # a probability scale, not the faces'
    lines = [line for axis in figures[0].axes for line in axis.get_lines()]
    colours = {line.get_label(): to_hex(line.get_color()) for line in lines}
    assert len(set(colours.values())) == len(colours) == 3  # roll, P(loaded), Viterbi
