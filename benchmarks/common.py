"""Helpers shared by the benchmark scripts: timing, the device record, the JSON written.

Every script measures its reference in the same run as the implementations it compares, and
reports ratios to it; absolute times depend on the machine and are recorded, never asserted.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from rnnbook.device import default_device, describe
from rnnbook.files import atomic_write_text


def pick_device(name: str | None) -> torch.device:
    """``name`` (``cpu``, ``cuda``, ``cuda:1``), else CUDA when present, else the CPU."""
    return torch.device(name) if name else default_device()


def synchronize(device: torch.device | str) -> None:
    """Wait for the device's queued kernels (a no-op on the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timeit(
    fn: Callable[[], Any],
    warmup: int = 1,
    repeats: int = 5,
    device: torch.device | str = "cpu",
) -> float:
    """Median wall milliseconds of ``fn()`` over ``repeats`` calls after ``warmup`` untimed ones.

    On a GPU the device is synchronised before and after each call, so the time covers the work
    queued by the call, not only its launch.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        synchronize(device)
        times.append(1000.0 * (time.perf_counter() - started))
    return statistics.median(times)


def device_info(device: torch.device | str | None = None) -> dict[str, Any]:
    """What ran: the device's name, torch and Python versions, CPU threads, the code's commit."""
    device = torch.device(device) if device is not None else default_device()
    info: dict[str, Any] = {
        "device": describe(device),
        "device_type": device.type,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        info["cuda"] = torch.version.cuda
        info["cudnn"] = torch.backends.cudnn.version()
    try:
        from rnnbook.results import git_commit

        info["commit"] = git_commit()
    except Exception:  # no git, not a checkout: the record is still useful without it
        info["commit"] = None
    return info


def write_json(path: Path | str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` with the device record and the date, atomically (temp file + rename).

    ``payload`` must hold the ``device`` it ran on (a :func:`device_info` dict or its name).
    """
    path = Path(path)
    if "device" not in payload:
        raise ValueError("payload must record the device it was measured on")
    record = {"date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    record.update(payload)
    return atomic_write_text(path, json.dumps(record, indent=1, default=str) + "\n")


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A small Markdown table for the terminal."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for the table, or a dash."""
    return "-" if value is None else f"{value:.{digits}f}"
