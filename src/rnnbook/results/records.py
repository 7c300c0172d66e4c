"""Recorded runs: one JSON file per run, written atomically, loaded with staleness detection.

Layout: ``results/<chapter>/<experiment>/<profile>/<run_id>.json``. A record keeps the config and
its hash, the metrics, the learning curves, the seed, and where, when and by which code it was
produced. A record whose config hash differs from the hash of the current code's config for the
same run is *stale*: tables show it marked as such, experiments retrain it.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from rnnbook.profiles import check_profile


def repo_root() -> Path:
    """The book's root: the nearest directory above the working directory holding ``_toc.yml``.

    Falls back to the source checkout this package was imported from, then to the working directory.
    """
    for start in (Path.cwd(), Path(__file__).resolve()):
        for d in (start, *start.parents):
            if (d / "_toc.yml").exists() and (d / "src" / "rnnbook").exists():
                return d
    return Path.cwd()


def results_dir() -> Path:
    """``RNNBOOK_RESULTS`` if set, else ``<repo>/results``."""
    env = os.environ.get("RNNBOOK_RESULTS")
    return Path(env).expanduser() if env else repo_root() / "results"


def git_commit(root: Path | None = None) -> str:
    """The commit of the code that runs, with ``+dirty`` if tracked source files differ from it."""
    root = root or repo_root()
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=root,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
            cwd=root,
            text=True,
            capture_output=True,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@dataclass
class RunRecord:
    """One training run (one member, one seed) and everything needed to trust or redo it."""

    chapter: str
    experiment: str
    profile: str
    run_id: str
    config: dict[str, Any]
    config_hash: str
    seed: int
    metrics: dict[str, Any]
    curves: dict[str, list] = field(default_factory=dict)
    status: str = "ok"
    message: str = ""
    device: str = ""
    wall_time_s: float = 0.0
    torch_version: str = field(default_factory=lambda: torch.__version__)
    commit: str = ""
    created: str = field(
        default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    )
    extra: dict[str, Any] = field(default_factory=dict)
    stale: bool = False  # set on loading, never stored

    def path(self, root: Path | None = None) -> Path:
        root = root or results_dir()
        return root / self.chapter / self.experiment / self.profile / f"{self.run_id}.json"

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("stale")
        return json.dumps(data, indent=1, sort_keys=True, allow_nan=True)


def save_record(record: RunRecord, root: Path | None = None) -> Path:
    """Write ``record`` atomically (temporary file, then rename) and return its path."""
    check_profile(record.profile)
    path = record.path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(record.to_json() + "\n")
    os.replace(tmp, path)
    return path


def load_record(path: Path) -> RunRecord:
    data = json.loads(Path(path).read_text())
    return RunRecord(**data)


def load_records(
    chapter: str,
    experiment: str | None = None,
    profile: str | None = None,
    root: Path | None = None,
) -> list[RunRecord]:
    """All records of a chapter (optionally one experiment and profile), sorted by path."""
    base = (root or results_dir()) / chapter
    if experiment:
        base = base / experiment
    if not base.exists():
        return []
    paths = sorted(p for p in base.rglob("*.json") if "_checkpoints" not in p.parts)
    records = [load_record(p) for p in paths]
    if profile:
        records = [r for r in records if r.profile == profile]
    return records


def mark_stale(records: Iterable[RunRecord], current: dict[str, str]) -> list[RunRecord]:
    """Flag each record whose hash differs from ``current[run_id]`` (the code's config hash).

    A record whose run the current code no longer defines is stale as well.
    """
    out = []
    for r in records:
        r.stale = current.get(r.run_id) != r.config_hash
        out.append(r)
    return out
