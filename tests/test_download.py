"""The data directory, the two errors, and atomic checksummed downloads from a loopback server."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback import files_handler, serve

from rnnbook.data import ChecksumError, DataNotFoundError, DownloadError, data_dir
from rnnbook.data.download import download, sha256_file

PAYLOAD = bytes(range(256)) * 1000  # 256 kB, more than one read chunk of the server


class _Dropping(BaseHTTPRequestHandler):
    """Promises the whole payload, sends a third of it, then closes the connection."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD[: len(PAYLOAD) // 3])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def files(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback server of the directory ``tmp_path/srv`` holding ``payload.bin``."""
    root = tmp_path / "srv"
    root.mkdir()
    (root / "payload.bin").write_bytes(PAYLOAD)
    with serve(files_handler(root)) as base:
        yield base, root


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ----------------------------------------------------------------------------------- paths


def test_data_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RNNBOOK_DATA", str(tmp_path / "a" / ".." / "data"))
    assert data_dir() == (tmp_path / "data").resolve()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RNNBOOK_DATA", "~/d")
    assert data_dir() == (tmp_path / "home" / "d").resolve()
    monkeypatch.delenv("RNNBOOK_DATA")
    assert data_dir() == (tmp_path / "home" / ".cache" / "rnnbook" / "data").resolve()
    monkeypatch.setenv("RNNBOOK_DATA", "")
    assert data_dir() == (tmp_path / "home" / ".cache" / "rnnbook" / "data").resolve()


def test_error_types_can_be_caught_as_the_standard_ones() -> None:
    assert issubclass(DataNotFoundError, FileNotFoundError)
    assert issubclass(DataNotFoundError, OSError)
    assert issubclass(DownloadError, DataNotFoundError)
    assert issubclass(ChecksumError, ValueError)


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(PAYLOAD)
    assert sha256_file(path) == hashlib.sha256(PAYLOAD).hexdigest()


# -------------------------------------------------------------------------------- download


def test_good_checksum_lands_atomically(files: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = files
    dest = tmp_path / "out" / "sub" / "payload.bin"
    got = download(f"{base}/payload.bin", dest, sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert got == dest
    assert dest.read_bytes() == PAYLOAD
    assert entries(dest.parent) == ["payload.bin"]  # no temporary file left behind
    # a second download replaces the file in place; without a digest nothing is checked
    dest.write_bytes(b"old")
    download(f"{base}/payload.bin", dest)
    assert dest.read_bytes() == PAYLOAD
    assert entries(dest.parent) == ["payload.bin"]


def test_bad_checksum_leaves_nothing(files: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = files
    url = f"{base}/payload.bin"
    dest = tmp_path / "out" / "payload.bin"
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as info:
        download(url, dest, sha256=wrong)
    message = str(info.value)
    assert url in message and wrong in message and hashlib.sha256(PAYLOAD).hexdigest() in message
    assert entries(dest.parent) == []
    # an existing file at the destination is left untouched
    dest.write_bytes(b"old")
    with pytest.raises(ChecksumError):
        download(url, dest, sha256=wrong)
    assert dest.read_bytes() == b"old"
    assert entries(dest.parent) == ["payload.bin"]


def test_rejected_by_verify_leaves_nothing(files: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = files
    dest = tmp_path / "out" / "payload.bin"

    def verify(path: Path) -> None:
        assert path.read_bytes() == PAYLOAD and path != dest
        raise ChecksumError("not what we wanted")

    with pytest.raises(ChecksumError, match="not what we wanted"):
        download(f"{base}/payload.bin", dest, verify=verify)
    assert entries(dest.parent) == []


def test_dropped_connection_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "payload.bin"
    with serve(_Dropping) as base, pytest.raises(OSError) as info:
        download(f"{base}/payload.bin", dest, timeout=10)
    assert isinstance(info.value, DownloadError)
    assert f"{base}/payload.bin" in str(info.value)
    assert entries(dest.parent) == []


def test_http_error_is_an_oserror_naming_the_url(files: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = files
    dest = tmp_path / "out" / "missing.bin"
    with pytest.raises(OSError, match="404") as info:
        download(f"{base}/missing.bin", dest)
    assert isinstance(info.value, DataNotFoundError)
    assert f"{base}/missing.bin" in str(info.value)
    assert entries(dest.parent) == []


def test_unreachable_host_is_an_oserror_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/payload.bin"
    dest = tmp_path / "out" / "payload.bin"
    with pytest.raises(OSError) as info:
        download(url, dest, timeout=5)
    assert isinstance(info.value, DownloadError)
    assert url in str(info.value)
    assert info.value.__cause__ is not None
    assert entries(dest.parent) == []
