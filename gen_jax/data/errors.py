"""The error raised when a data set is not on this machine.

These machines cannot download anything at run time, so a missing data set is never fetched
and never silently replaced: it raises :class:`DatasetUnavailableError`, whose message names
the data set, the directory that was searched and the exact steps that provide it.
"""

from __future__ import annotations

import os

__all__ = ["DatasetUnavailableError", "tfds_how_to"]


class DatasetUnavailableError(FileNotFoundError):
    """A data set is missing from the directory where it was looked for.

    Subclasses ``FileNotFoundError`` so that generic ``except OSError`` handlers still see it.

    Args:
        dataset: Name of the data set, e.g. ``"mnist"``.
        data_dir: The directory that was searched.
        how_to: Instructions that make the data set available, as full sentences/commands.
        detail: Optional extra diagnosis (for example the underlying library's message).

    Attributes:
        dataset: As given.
        data_dir: As given.
        how_to: As given.
        detail: As given.
    """

    def __init__(self, dataset: str, data_dir: str, how_to: str, detail: str = "") -> None:
        self.dataset = dataset
        self.data_dir = data_dir
        self.how_to = how_to
        self.detail = detail
        message = f"data set {dataset!r} is not available in {data_dir!r}."
        if detail:
            message += f"\n{detail}"
        message += f"\n{how_to}"
        super().__init__(message)

    def __reduce__(self):
        # Exceptions pickle through ``args``; rebuild from our own fields instead so that the
        # error survives multiprocessing and re-raising in another process.
        return (type(self), (self.dataset, self.data_dir, self.how_to, self.detail))


def tfds_how_to(name: str, data_dir: str) -> str:
    """Step-by-step instructions for making a TFDS data set readable by ``tfds.data_source``.

    Args:
        name: The TFDS name, e.g. ``"mnist"``.
        data_dir: The directory the data set should end up in.

    Returns:
        A multi-line message.
    """
    target = os.path.join(data_dir, name)
    return (
        "How to provide it (this machine cannot download):\n"
        "  1. On a machine with internet access run\n"
        "       pip install tensorflow tensorflow-datasets\n"
        f"       tfds build {name} --file_format=array_record --data_dir=/tmp/tfds\n"
        "     (tfds.data_source reads only the array_record format, so a data set built with\n"
        "     the default TFRecord format must be rebuilt with --file_format=array_record).\n"
        f"  2. Copy the folder /tmp/tfds/{name} to {target} on this machine,\n"
        "     or anywhere else and then either set the environment variable TFDS_DATA_DIR to\n"
        "     the parent folder or pass data_dir=<parent folder> to the loader.\n"
        "For an offline run without it, choose an embedded data set explicitly, e.g.\n"
        "gen_jax.data.load_source('digits')."
    )
