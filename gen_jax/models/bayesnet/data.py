"""Tabular data for Bayesian networks: arrays or pandas DataFrames to integer states + mask.

A network's data are one column per observed node. Cells hold either integer state indices
``0..r-1`` or, when the node has state names, those names (strings, booleans, ...). Missing
cells are ``NaN`` or ``None`` (or ``False`` in an explicit ``mask``). pandas is never
imported: a DataFrame is recognised by its ``columns`` and ``to_numpy``.

State names follow pgmpy's convention when inferred from non-numeric data: the sorted
distinct values of the column. Numeric columns are state indices (``r`` = largest + 1).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np

__all__ = ["TabularData", "encode_table", "is_dataframe"]


def is_dataframe(data) -> bool:
    """Duck-typed ``pandas.DataFrame`` check (no pandas import)."""
    return hasattr(data, "columns") and hasattr(data, "to_numpy") and hasattr(data, "iloc")


class TabularData:
    """Encoded data: ``values [N, V]`` int32 (0 where missing), ``observed [N, V]`` bool,
    per-node state names (a tuple, or None for plain indices) and observed cardinalities."""

    def __init__(self, values, observed, state_names, cardinalities):
        self.values, self.observed = values, observed
        self.state_names, self.cardinalities = state_names, cardinalities


def _columns(data, nodes: Sequence[Hashable], latent: Sequence[Hashable], name: str):
    """``(list of object/numeric columns in node order or None for latent, num_rows)``."""
    observed_nodes = [node for node in nodes if node not in latent]
    if is_dataframe(data):
        columns = list(data.columns)
        extra = [c for c in columns if c not in nodes]
        if extra:
            raise ValueError(
                f"{name} has columns {extra} that are not nodes of the network; drop them "
                f"(the nodes are {list(nodes)})"
            )
        present_latent = [c for c in columns if c in latent]
        if present_latent:
            raise ValueError(
                f"{name} has columns for the latent nodes {present_latent}; latent nodes are "
                "never observed: drop those columns, or do not declare them latent"
            )
        absent = [node for node in observed_nodes if node not in columns]
        if absent:
            raise ValueError(
                f"{name} has no column for nodes {absent}; add them (NaN cells for missing "
                "values), or declare never-observed nodes with latent=[...]"
            )
        by_node = {c: data[c].to_numpy() for c in columns}
        num_rows = len(data)
    else:
        array = np.asarray(data, dtype=None if isinstance(data, np.ndarray) else object)
        if array.ndim != 2:
            raise ValueError(
                f"{name} has shape {array.shape}; pass a 2-D array [n_samples, n_observed_nodes] "
                "or a pandas DataFrame with one column per node"
            )
        if array.shape[1] != len(observed_nodes):
            raise ValueError(
                f"{name} has {array.shape[1]} columns but the network has "
                f"{len(observed_nodes)} observed nodes {observed_nodes} (in that order); pass "
                "one column per node"
            )
        by_node = {node: array[:, j] for j, node in enumerate(observed_nodes)}
        num_rows = array.shape[0]
    if num_rows == 0:
        raise ValueError(f"{name} has no rows; pass at least one example")
    return [by_node.get(node) for node in nodes], num_rows


def _is_missing(column: np.ndarray) -> np.ndarray:
    if column.dtype.kind == "f":
        return np.isnan(column)
    if column.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in column])
    return np.zeros(column.shape, bool)


def _is_numeric(column: np.ndarray, missing: np.ndarray) -> bool:
    if column.dtype.kind in "iuf":
        return True
    present = column[~missing]
    return column.dtype.kind == "O" and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in present
    )


def encode_table(
    data,
    *,
    nodes: Sequence[Hashable],
    latent: Sequence[Hashable] = (),
    state_names: Mapping[Hashable, Sequence] | None = None,
    cardinalities: Mapping[Hashable, int] | None = None,
    mask=None,
    name: str = "data",
) -> TabularData:
    """Encode ``data`` (array or DataFrame) as integer states and an observed mask.

    Args:
        data: ``[N, V_observed]`` array in node order (latent nodes left out) or a
            DataFrame with one column per observed node.
        nodes: all node names, in order.
        latent: nodes that have no column.
        state_names: node -> its state labels (index = state); inferred when absent.
        cardinalities: node -> number of states, to check indices against.
        mask: optional ``[N, V_observed]`` bool, False marking missing cells.
        name: the argument name used in error messages.
    """
    columns, num_rows = _columns(data, nodes, latent, name)
    state_names = dict(state_names or {})
    cardinalities = dict(cardinalities or {})
    values = np.zeros((num_rows, len(nodes)), np.int32)
    observed = np.zeros((num_rows, len(nodes)), bool)
    names, cards = {}, {}
    for j, (node, column) in enumerate(zip(nodes, columns, strict=True)):
        if column is None:
            continue
        column = np.asarray(column)
        missing = _is_missing(column)
        present = column[~missing]
        labels = state_names.get(node)
        if labels is None and not _is_numeric(column, missing):
            labels = tuple(sorted(set(present.tolist()), key=lambda v: (str(type(v)), v)))
        if labels is not None:
            labels = tuple(labels)
            lookup = {label: k for k, label in enumerate(labels)}
            unknown = sorted({v for v in present.tolist() if v not in lookup}, key=str)
            if unknown:
                raise ValueError(
                    f"{name}[{node!r}] holds {unknown[:5]}, not among the states {list(labels)} "
                    "of that node; fix the data or pass state_names with every state"
                )
            values[~missing, j] = [lookup[v] for v in present.tolist()]
            names[node], cards[node] = labels, len(labels)
        else:
            numbers = present.astype(np.float64)
            bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (numbers < 0)
            if bad.any():
                raise ValueError(
                    f"{name}[{node!r}] holds {numbers[bad][:3].tolist()}; states must be "
                    "integers >= 0 (NaN marks a missing cell), or pass state_names"
                )
            limit = cardinalities.get(node)
            largest = int(numbers.max()) if numbers.size else -1
            if limit is not None and largest >= limit:
                raise ValueError(
                    f"{name}[{node!r}] holds state {largest} but the node has {limit} states "
                    f"(0..{limit - 1}); raise its cardinality or fix the data"
                )
            values[~missing, j] = numbers.astype(np.int32)
            names[node], cards[node] = None, largest + 1
        observed[:, j] = ~missing
    if mask is not None:
        observed_nodes = [j for j, node in enumerate(nodes) if node not in latent]
        mask = np.asarray(mask)
        if mask.shape != (num_rows, len(observed_nodes)) or mask.dtype != bool:
            raise ValueError(
                f"mask has shape {mask.shape} and dtype {mask.dtype}; pass a bool array of "
                f"shape {(num_rows, len(observed_nodes))}, True where a cell is observed"
            )
        observed[:, observed_nodes] &= mask
    values[~observed] = 0
    return TabularData(values, observed, names, cards)
