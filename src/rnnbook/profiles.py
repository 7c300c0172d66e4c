"""Run profiles and configuration hashing, shared by every experiment.

A profile sets the scale of an experiment: ``smoke`` runs in seconds (CI), ``cpu`` in minutes per
chapter on a laptop (the default of the book build), ``long`` in hours on a two-core CPU (the
paper's task sizes where they fit), ``full`` at the paper's scale (a GPU or a cluster).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

#: The scales of every experiment, weakest first.
PROFILES: tuple[str, ...] = ("smoke", "cpu", "long", "full")
DEFAULT_PROFILE = "cpu"


class UnknownProfileError(ValueError):
    """A profile name that is not one of ``PROFILES``."""


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is known, else raise a clear :class:`UnknownProfileError`."""
    if profile not in PROFILES:
        raise UnknownProfileError(
            f"unknown profile {profile!r}: choose one of {', '.join(PROFILES)} "
            "(smoke = seconds, cpu = minutes on a laptop, long = hours on a CPU, "
            "full = the paper's scale)"
        )
    return profile


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _canonical(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        return float(repr(value))
    return value


def config_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready, canonically ordered dictionary of a (dataclass) config."""
    return _canonical(config)


def config_hash(config: Any) -> str:
    """Short sha256 of the canonical JSON form of ``config``: equal configs, equal hashes."""
    text = json.dumps(config_dict(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
