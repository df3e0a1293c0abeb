"""Visualisation: image grids, training curves, latent scatter plots and HTML run reports.

Everything renders with Matplotlib's Agg backend into PNG files (no ``pyplot`` state) and is
written atomically, so a run killed mid-write never leaves a half-written file.
"""

from gen_jax.viz.attacks import save_attack_panels, save_distortion_success_curves
from gen_jax.viz.curves import metric_keys, read_metrics, save_metric_curves
from gen_jax.viz.grid import image_grid, save_image_grid
from gen_jax.viz.latent import pca_project, save_latent_scatter
from gen_jax.viz.latent_tools import (
    add_attribute,
    attribute_vector,
    interpolate_codes,
    latent_grid,
    save_latent_histograms,
)
from gen_jax.viz.mixture import save_criterion_curve, save_mixture_plot
from gen_jax.viz.novelty import save_nearest_neighbours
from gen_jax.viz.report import write_index, write_report
from gen_jax.viz.text import save_text_panel

__all__ = [
    "save_text_panel",
    "add_attribute",
    "attribute_vector",
    "image_grid",
    "interpolate_codes",
    "latent_grid",
    "metric_keys",
    "pca_project",
    "read_metrics",
    "save_attack_panels",
    "save_criterion_curve",
    "save_distortion_success_curves",
    "save_image_grid",
    "save_latent_histograms",
    "save_latent_scatter",
    "save_metric_curves",
    "save_mixture_plot",
    "save_nearest_neighbours",
    "write_index",
    "write_report",
]
