"""Test-wide JAX settings: 8 fake CPU devices, strict dtype promotion, fast compilation.

They must be set before JAX initialises its backend, which is why they live here.

Most of the suite's time is XLA compiling small programs that then run for milliseconds, so
the tests compile with XLA's backend optimisation level 0 (``XLA_FLAGS``): measured on the
2-core machine, the Step contract took 185 s at the default level and 98 s at level 0, eight
tiny experiments 92 s and 55 s. Results differ only by float round-off, which every
tolerance here allows for (the suite passing at both levels shows that it does). Set
``GEN_JAX_TEST_XLA_FLAGS`` to run with other flags, e.g. ``GEN_JAX_TEST_XLA_FLAGS=`` for
XLA's defaults.

``GEN_JAX_TEST_CACHE=DIR`` turns on JAX's persistent compilation cache in ``DIR`` for repeated
local runs (``make test GEN_JAX_TEST_CACHE=.jax_cache``): a rerun skips compiling what did
not change. It is off by default because filling an empty cache made a cold run slower
here (tests/models/autoencoders: 90 s without the cache, 107 s filling an empty one; three
VAE test files: 96 s without, 38 s from a warm cache; all under load from other processes).
It never changes a result.
"""

import os
from pathlib import Path

import jax
import pytest

# The launcher finds experiments in ./experiments; tests that change directory still find them.
os.environ.setdefault("GEN_JAX_EXPERIMENTS", str(Path(__file__).parents[1] / "experiments"))

_XLA_FLAGS = os.environ.get("GEN_JAX_TEST_XLA_FLAGS", "--xla_backend_optimization_level=0")
os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_XLA_FLAGS}".strip()
jax.config.update("jax_num_cpu_devices", 8)
jax.config.update("jax_numpy_dtype_promotion", "strict")

_CACHE = os.environ.get("GEN_JAX_TEST_CACHE")
if _CACHE:
    jax.config.update("jax_compilation_cache_dir", _CACHE)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


@pytest.fixture(params=[False, True], ids=["float32", "float64"])
def x64(request):
    """Run a reference test twice: in float32 and again under ``jax_enable_x64``."""
    with jax.enable_x64(request.param):
        yield request.param
