"""Where the data live, and the two errors every loader raises when they are missing or damaged."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "RNNBOOK_DATA"
"""Name of the environment variable that points at the data directory."""

DEFAULT_DATA_DIR = Path("~/.cache/rnnbook/data")
"""The data directory used when :data:`DATA_ENV` is not set (before ``expanduser``)."""


def data_dir() -> Path:
    """The directory the loaders read from and download into.

    ``$RNNBOOK_DATA`` when it is set and not empty (with ``~`` expanded, made absolute), otherwise
    ``~/.cache/rnnbook/data``. Data sets live in subdirectories of it, for example the polyphonic
    music files in ``polyphonic/``. CI points it at ``../shared/data``, a read-only copy of the
    files, so that nothing is downloaded there. The directory need not exist yet.
    """
    value = os.environ.get(DATA_ENV, "").strip()
    path = Path(value) if value else DEFAULT_DATA_DIR
    return path.expanduser().resolve()


CACHE_ENV = "RNNBOOK_CACHE"
"""Name of the environment variable that points at the cache of generated data sets."""


def cache_dir() -> Path:
    """Where generated data sets are kept between runs: ``$RNNBOOK_CACHE`` (default
    ``~/.cache/rnnbook``), subfolder ``generated`` (introduced by the orvieto2023 chapter)."""
    root = os.environ.get(CACHE_ENV, "").strip() or "~/.cache/rnnbook"
    return Path(root).expanduser() / "generated"


def downloads_allowed() -> bool:
    """May loaders download missing files? Yes, unless ``RNNBOOK_DOWNLOAD=0`` (the tests set it)."""
    return os.environ.get("RNNBOOK_DOWNLOAD", "1").strip().lower() not in ("0", "false", "no")


class DataNotFoundError(FileNotFoundError):
    """A data file is not on disk and could not be downloaded.

    The message lists the paths that were looked at, the addresses tried (and why each failed),
    and what to do: put the file there, or set ``RNNBOOK_DATA`` to a directory that has it.
    It is a :class:`FileNotFoundError`, hence an :class:`OSError`.
    """


class ChecksumError(ValueError):
    """A file (or the content parsed from it) does not have the expected SHA-256 digest.

    The message names the file or address, the expected and the actual digest, and what to do.
    """
