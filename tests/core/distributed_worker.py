"""One process of the two-process test in ``test_distributed.py`` (also its reference run).

Run as ``python -m tests.core.distributed_worker --num-processes 2 --process-id I
--coordinator-address localhost:PORT --local-devices 2 --workdir DIR``. Every process trains
the same two Steps on its slice of the same global batches and writes checkpoints into the
shared ``DIR``; process 0 also saves the final parameters to ``DIR/<case>.npz``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import jax
import numpy as np

NUM_STEPS = 3


def _cases():
    from gen_jax.data import ArraySource, BatchIterator
    from tests.core import cases

    rng = np.random.default_rng(0)
    points = rng.normal(size=(256, 2)).astype(np.float32)
    points[:128] += 3.0
    images = rng.random((64, 8, 8, 1), dtype=np.float32)
    return {
        "em_gmm": (cases.em_gmm_step(), BatchIterator(ArraySource({"x": points}), 64, seed=1)),
        "mlp_vae": (
            cases.mlp_vae_step(),
            BatchIterator(ArraySource({"image": images}), 16, seed=2),
        ),
    }


def flat_params(state) -> dict[str, np.ndarray]:
    """The state's parameters as ``{path: array}`` on the host."""
    leaves = jax.tree_util.tree_leaves_with_path(jax.device_get(state.params))
    return {jax.tree_util.keystr(path): np.asarray(leaf) for path, leaf in leaves}


def train_cases(workdir: Path, mesh=None) -> dict[str, dict[str, np.ndarray]]:
    """Train every case for ``NUM_STEPS`` into ``workdir/<case>``; return final parameters."""
    from gen_jax.core.loop import fit

    results = {}
    for name, (step, data) in _cases().items():
        result = fit(
            step,
            data,
            num_steps=NUM_STEPS,
            workdir=workdir / name,
            mesh=mesh,
            log_every=1,
            progress=False,
        )
        results[name] = flat_params(result.state)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-processes", type=int, required=True)
    parser.add_argument("--process-id", type=int, required=True)
    parser.add_argument("--coordinator-address", required=True)
    parser.add_argument("--local-devices", type=int, default=2)
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args(argv)
    jax.config.update("jax_num_cpu_devices", args.local_devices)
    jax.config.update("jax_numpy_dtype_promotion", "strict")

    from gen_jax.core import distributed

    distributed.initialize(args.coordinator_address, args.num_processes, args.process_id)
    results = train_cases(args.workdir)
    if distributed.is_main_process():
        for name, params in results.items():
            np.savez(args.workdir / f"{name}.npz", **params)
    print(f"process {jax.process_index()}/{jax.process_count()}: {jax.device_count()} devices")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
