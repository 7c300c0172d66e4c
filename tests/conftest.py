"""Shared pytest fixtures."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

# Tests never reach the internet: a loader that misses a file fails instead of downloading it
# (the download path is tested against a local server with explicit sources).
os.environ.setdefault("RNNBOOK_DOWNLOAD", "0")
# Ray reads these when it is imported: every address of the test cluster and of this process as
# its driver stays on loopback, and a cluster stops at once on SIGTERM.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ["RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S"] = "0"


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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    """Whether any running (not zombie) process of the process group is left."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


@pytest.fixture(scope="session")
def ray_cluster():
    """A real single-node Ray cluster on loopback, in a process group of its own.

    Started with ``ray start --head --block`` (2 CPUs, no dashboard, no usage stats, every address
    on 127.0.0.1); ``RAY_ADDRESS`` points the tests at it. Teardown, even after a failure, sends
    SIGTERM to the whole process group (``RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S=0``: no drain
    wait) and then checks that no process of the cluster is left running.
    """
    import signal
    import socket
    import subprocess
    import sys
    import tempfile
    import time

    import ray

    port = _free_port()
    loopback = {
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
        "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
    }
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay short
    command = [
        str(Path(sys.executable).parent / "ray"),
        "start",
        "--head",
        "--block",
        "--num-cpus=2",
        "--include-dashboard=false",
        "--disable-usage-stats",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        f"--temp-dir={temp}",
    ]
    cluster = subprocess.Popen(
        command,
        env={**os.environ, **loopback},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in (*loopback, "RAY_ADDRESS")}
    os.environ.update(loopback, RAY_ADDRESS=address)
    try:
        deadline = time.monotonic() + 90
        while True:  # the head listens once it is up; Ray's own connect would retry for minutes
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or cluster.poll() is not None:
                    raise
                time.sleep(0.5)
        ray.init(
            address=address,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            logging_level="ERROR",
        )
        yield address
    finally:
        ray.shutdown()
        os.killpg(cluster.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            cluster.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _group_alive(cluster.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = _group_alive(cluster.pid)
        if left:
            os.killpg(cluster.pid, signal.SIGKILL)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        assert not left, "Ray processes were still running after SIGTERM"
