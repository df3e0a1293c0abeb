"""The harness's FLOP count and model FLOPs utilisation."""

import jax
import jax.numpy as jnp
import pytest

from benchmarks import harness


def test_compiled_flops_counts_a_matmul():
    a, b = jnp.ones((8, 16)), jnp.ones((16, 4))
    compiled = jax.jit(jnp.matmul).lower(a, b).compile()
    assert harness.compiled_flops(compiled) == pytest.approx(2 * 8 * 16 * 4, rel=0.1)


def test_utilisation_is_added_beside_every_timing_with_a_flop_count():
    payload = {
        "results": [
            {"gen_jax": {"flops_per_step": 1e9, "steps_per_s": {"median": 20.0}}},
            {"torch": {"steps_per_s": {"median": 5.0}}},
        ]
    }
    harness.add_model_flops_utilization(payload, peak_flops=1e11)
    timed = payload["results"][0]["gen_jax"]
    assert timed["model_flops_per_s"] == 2e10 and timed["mfu"] == pytest.approx(0.2)
    assert "mfu" not in payload["results"][1]["torch"]
    harness.add_model_flops_utilization(payload, peak_flops=None)
    assert payload["results"][0]["gen_jax"]["model_flops_per_s"] == 2e10
