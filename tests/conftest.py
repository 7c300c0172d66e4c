"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests never reach the internet: a loader that misses a file fails instead of downloading it
# (the download path is tested against a local server with explicit sources).
os.environ.setdefault("RNNBOOK_DOWNLOAD", "0")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The data directory named by ``$RNNBOOK_DATA`` (CI: ``../shared/data``), else skip.

    Tests that read the real polyphonic music files take this fixture; without the variable, or
    when the directory has no ``polyphonic/`` subdirectory, they are skipped.
    """
    value = os.environ.get("RNNBOOK_DATA", "").strip()
    if not value:
        pytest.skip("set RNNBOOK_DATA to a directory containing polyphonic/*.mat to run this test")
    path = Path(value).expanduser().resolve()
    if not (path / "polyphonic").is_dir():
        pytest.skip(f"set RNNBOOK_DATA to a directory containing polyphonic/ (not found in {path})")
    return path


@pytest.fixture
def results_root(tmp_path, monkeypatch):
    """Records and checkpoints under ``tmp_path``, jobs trained in this process on the CPU."""
    monkeypatch.setenv("RNNBOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("RNNBOOK_WORKERS", "1")
    monkeypatch.setenv("RNNBOOK_DEVICE", "cpu")
    monkeypatch.delenv("RERUN", raising=False)
    return tmp_path / "results"


@pytest.fixture
def one_thread():
    """One CPU thread for the test, as training jobs use in this process."""
    from rnnbook.experiments.jobs import single_threaded_on_cpu

    with single_threaded_on_cpu("cpu"):
        yield
