"""Checksummed, atomic downloads with the standard library only.

A download streams into a hidden temporary file next to its destination, is checked, and only then
renamed into place with :func:`os.replace`. Whatever goes wrong (a dropped connection, a wrong
digest, a failed check, Ctrl-C), the temporary file is removed and nothing appears at the
destination, so a file found at a data path is always a complete one.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from rnnbook.files import atomic_write

from .paths import ChecksumError, DataNotFoundError

_CHUNK = 1 << 20
_USER_AGENT = "rnnbook-data/0.1 (Python urllib)"


class DownloadError(DataNotFoundError):
    """A download failed: unreachable host, HTTP error, timeout, or a connection cut short.

    A :class:`~rnnbook.data.paths.DataNotFoundError`, hence an :class:`OSError`; the original
    exception is chained as ``__cause__``. ``url`` and ``reason`` hold the address and what went
    wrong.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"download of {url} failed: {reason}")
        self.url = url
        self.reason = reason


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 digest of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def download(
    url: str,
    dest: str | os.PathLike[str],
    sha256: str | None = None,
    timeout: float = 60,
    *,
    verify: Callable[[Path], object] | None = None,
) -> Path:
    """Fetch ``url`` to ``dest`` atomically and return ``dest`` as a :class:`~pathlib.Path`.

    The body is streamed into a temporary file in ``dest``'s directory (created if needed). When
    ``sha256`` is given the digest of the bytes must equal it, otherwise
    :class:`~rnnbook.data.paths.ChecksumError` (naming the address and both digests) is raised.
    ``verify``, when given, is called with the path of the complete temporary file and may raise to
    reject it (used for files whose byte digest is unknown but whose parsed content has one). Only
    then is the file moved to ``dest`` with :func:`os.replace`, replacing any file there.

    Network failures (no route, refused, HTTP error status, timeout, a body shorter than its
    ``Content-Length``) raise :class:`DownloadError`, an :class:`OSError`. On every failure the
    temporary file is deleted and ``dest`` is left as it was.
    """
    dest = Path(dest)
    digest: dict[str, str] = {}

    def write(out) -> None:
        digest["sha256"] = _stream(url, out, timeout)

    def check(tmp: Path) -> None:
        if sha256 is not None and digest["sha256"] != sha256.lower():
            raise ChecksumError(
                f"checksum mismatch for {url}: expected sha256 {sha256.lower()}, got "
                f"{digest['sha256']}. The download is corrupt or the file at that address has "
                f"changed; nothing was written to {dest}."
            )
        if verify is not None:
            verify(tmp)

    return atomic_write(dest, write, check)


def _stream(url: str, out, timeout: float) -> str:
    """Copy the body at ``url`` into the open file ``out``; return its hex SHA-256."""
    h = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            received = 0
            while chunk := response.read(_CHUNK):
                h.update(chunk)
                out.write(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as exc:
        raise DownloadError(url, f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise DownloadError(url, str(exc.reason)) from exc
    except (OSError, http.client.HTTPException) as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise DownloadError(url, reason) from exc
    if expected is not None and expected.isdigit() and received != int(expected):
        raise DownloadError(url, f"connection closed after {received} of {expected} bytes")
    return h.hexdigest()
