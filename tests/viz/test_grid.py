"""Tests for gen_jax.viz.grid: tiling arithmetic, value mapping, PNG output, bad input."""

import matplotlib.image
import numpy as np
import pytest

from gen_jax.viz import image_grid, save_image_grid


def test_grid_shape_for_non_square_count():
    grid = image_grid(np.zeros((5, 8, 6, 1)), padding=2)
    # ceil(sqrt(5)) = 3 columns, 2 rows; padding around and between tiles.
    assert grid.shape == (2 * (8 + 2) + 2, 3 * (6 + 2) + 2, 3)
    assert grid.dtype == np.uint8


def test_grid_shape_with_explicit_columns_and_no_padding():
    assert image_grid(np.zeros((7, 4, 4, 3)), num_columns=2, padding=0).shape == (16, 8, 3)
    # More columns than images is clamped to one row of all the images.
    assert image_grid(np.zeros((3, 4, 4, 3)), num_columns=10, padding=0).shape == (4, 12, 3)


def test_tiles_are_placed_row_major_and_padding_and_empty_cells_take_pad_value():
    images = np.arange(3, dtype=np.float64).reshape(3, 1, 1, 1) / 2  # 0, 0.5, 1
    grid = image_grid(images, num_columns=2, padding=1, pad_value=0.0)
    assert grid.shape == (5, 5, 3)
    assert grid[1, 1].tolist() == [0, 0, 0]
    assert grid[1, 3].tolist() == [128, 128, 128]
    assert grid[3, 1].tolist() == [255, 255, 255]
    assert grid[3, 3].tolist() == [0, 0, 0]  # empty cell
    assert grid[0].max() == 0  # padding row
    assert image_grid(images, num_columns=2, pad_value=1.0)[0, 0].tolist() == [255, 255, 255]


def test_grayscale_is_repeated_into_rgb_and_colour_is_kept():
    gray = np.random.default_rng(0).uniform(size=(2, 3, 3, 1))
    grid = image_grid(gray, padding=0)
    assert np.array_equal(grid[..., 0], grid[..., 1])
    assert np.array_equal(grid[..., 0], grid[..., 2])
    colour = np.zeros((1, 2, 2, 3))
    colour[..., 0] = 1.0
    assert image_grid(colour, padding=0)[0, 0].tolist() == [255, 0, 0]


def test_value_range_maps_ends_to_0_and_255_and_clips():
    images = np.array([-1.0, 0.0, 1.0, -3.0, 3.0]).reshape(5, 1, 1, 1)
    grid = image_grid(images, num_columns=5, padding=0, value_range=(-1.0, 1.0))
    assert grid[0, :, 0].tolist() == [0, 128, 255, 0, 255]


def test_integer_and_jax_inputs_are_accepted():
    jnp = pytest.importorskip("jax.numpy")
    uint8 = np.full((1, 2, 2, 1), 255, dtype=np.uint8)
    assert image_grid(uint8, value_range=(0, 255), padding=0).min() == 255
    bf16 = jnp.full((1, 2, 2, 1), 0.5, dtype=jnp.bfloat16)
    assert image_grid(bf16, padding=0).max() == 128


def test_save_image_grid_writes_readable_png_with_automatic_scale(tmp_path):
    path = save_image_grid(tmp_path / "sub" / "digits.png", np.ones((10, 8, 8, 1)) * 0.5)
    assert path == tmp_path / "sub" / "digits.png"
    pixels = matplotlib.image.imread(path)
    # 4 columns x 3 rows of 8x8 tiles with 1-pixel padding: 28 rows x 37 columns, scaled by
    # 4 so that each tile is 32 pixels wide.
    assert pixels.shape[:2] == (4 * 28, 4 * 37)
    assert pixels[4, 4, 0] == pytest.approx(128 / 255)
    assert not list(tmp_path.glob("sub/*.tmp"))


def test_save_image_grid_explicit_scale(tmp_path):
    path = save_image_grid(tmp_path / "g.png", np.zeros((4, 5, 5, 3)), scale=3, padding=0)
    assert matplotlib.image.imread(path).shape[:2] == (30, 30)
    path = save_image_grid(tmp_path / "big.png", np.zeros((1, 40, 40, 3)), padding=0)
    assert matplotlib.image.imread(path).shape[:2] == (40, 40)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"images": np.zeros((2, 8, 8))}, r"images must have shape \[N, H, W, C\].*images\[\.\.\."),
        ({"images": np.zeros((2, 8, 8, 2))}, r"C in \{1, 3\}"),
        ({"images": np.zeros((0, 8, 8, 1))}, "at least one"),
        ({"images": np.full((1, 2, 2, 1), np.nan)}, "images contains 4 non-finite"),
        ({"images": np.full((1, 2, 2, 1), "a")}, "real numeric dtype"),
        ({"images": np.zeros((1, 2, 2, 1), dtype=bool)}, "real numeric dtype"),
        ({"num_columns": 0}, "num_columns must be a positive integer"),
        ({"num_columns": 2.5}, "num_columns"),
        ({"value_range": (1.0, 0.0)}, "low < high"),
        ({"value_range": (0.0,)}, "value_range must be a pair"),
        ({"padding": -1}, "padding must be a non-negative integer"),
        ({"pad_value": 2.0}, r"pad_value must lie in \[0, 1\]"),
    ],
)
def test_image_grid_rejects_bad_input(kwargs, match):
    kwargs = {"images": np.zeros((2, 4, 4, 1)), **kwargs}
    with pytest.raises(ValueError, match=match):
        image_grid(**kwargs)


def test_save_image_grid_rejects_bad_scale(tmp_path):
    with pytest.raises(ValueError, match="scale must be a positive integer"):
        save_image_grid(tmp_path / "x.png", np.zeros((1, 4, 4, 1)), scale=0)
    assert not (tmp_path / "x.png").exists()
