"""Where tensors live: CUDA when present, the CPU otherwise."""

from __future__ import annotations

import os
import platform

import torch


def default_device() -> torch.device:
    """``RNNBOOK_DEVICE`` if set (``cpu``, ``cuda:1``), else CUDA when available, else the CPU."""
    name = os.environ.get("RNNBOOK_DEVICE")
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def describe(device: torch.device | str | None = None) -> str:
    """A human-readable name of the device, recorded with every run."""
    device = torch.device(device) if device is not None else default_device()
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"CPU {cpu} ({torch.get_num_threads()} threads)"
