"""Randomness: one root key per run, one key per step, named splits inside a step.

A run never threads keys through its state. The key for update ``t`` is
``fold_in(root, t)``, so a run resumed at step ``t`` draws exactly the numbers an
uninterrupted run would.
"""

from __future__ import annotations

import jax


def root_key(seed: int) -> jax.Array:
    """The run's root key from an integer seed (a new-style typed key)."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be a Python int, got {type(seed).__name__}; pass e.g. seed=0")
    return jax.random.key(seed)


def step_key(root: jax.Array, step: int | jax.Array) -> jax.Array:
    """The key for update number ``step``: ``fold_in(root, step)``."""
    return jax.random.fold_in(root, step)


def split_named(key: jax.Array, *names: str) -> dict[str, jax.Array]:
    """Split ``key`` into one independent key per purpose.

    Example:
        >>> keys = split_named(key, "init", "dropout")
        >>> keys["dropout"]
    """
    if not names:
        raise ValueError("split_named needs at least one name, e.g. split_named(key, 'noise')")
    if len(set(names)) != len(names):
        raise ValueError(f"split_named got repeated names {names}; each purpose needs its own")
    return dict(zip(names, jax.random.split(key, len(names)), strict=True))
