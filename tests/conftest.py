"""Test-wide JAX settings: 8 fake CPU devices and strict dtype promotion.

Both must be set before JAX initialises its backend, which is why they live here.
"""

import os
from pathlib import Path

import jax
import pytest

# The launcher finds experiments in ./experiments; tests that change directory still find them.
os.environ.setdefault("GEN_JAX_EXPERIMENTS", str(Path(__file__).parents[1] / "experiments"))

jax.config.update("jax_num_cpu_devices", 8)
jax.config.update("jax_numpy_dtype_promotion", "strict")


@pytest.fixture(params=[False, True], ids=["float32", "float64"])
def x64(request):
    """Run a reference test twice: in float32 and again under ``jax_enable_x64``."""
    with jax.enable_x64(request.param):
        yield request.param
