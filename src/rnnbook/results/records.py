"""Recorded runs: one JSON file per run, written atomically, loaded with staleness detection.

Layout: ``results/<chapter>/<experiment>/<profile>/<run_id>.json``. A record keeps the config and
its hash, the metrics, the learning curves, the seed, and where, when and by which code it was
produced. A record whose config hash differs from the hash of the current code's config for the
same run is *stale*: tables show it marked as such, experiments retrain it. A record whose
``code_hash`` (the source of the modules its job trained with) differs from today's is marked
*code changed*: still valid by its config, but a reader should know.

Reading is forgiving: a file that is not a record raises :class:`RecordError` naming its path
(:func:`load_records` skips it with a warning), and fields this version does not know (written by
a newer one) are kept aside in ``unknown`` rather than refused.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch

from rnnbook.files import atomic_write_text
from rnnbook.profiles import check_profile


class RecordError(ValueError):
    """A file under ``results/`` that is not a readable record."""


class CorruptRecordWarning(UserWarning):
    """A record file was skipped because it could not be read."""


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
    code_hash: str = ""
    stale: bool = False  # set on loading, never stored
    code_changed: bool = False  # set on loading, never stored
    unknown: dict[str, Any] = field(default_factory=dict)  # fields of a newer version, kept

    def path(self, root: Path | None = None) -> Path:
        root = root or results_dir()
        return root / self.chapter / self.experiment / self.profile / f"{self.run_id}.json"

    def to_json(self) -> str:
        data = asdict(self)
        for name in _NOT_STORED:
            data.pop(name)
        data = {**self.unknown, **data}
        if not data["code_hash"]:
            data.pop("code_hash")  # records from before the code hash keep their form
        return json.dumps(data, indent=1, sort_keys=True, allow_nan=True)


#: The status of a placeholder: a configured run with no results (never saved).
CONFIGURED = "configured"
_NOT_STORED = ("stale", "code_changed", "unknown")
_STORED = {f.name for f in fields(RunRecord)} - set(_NOT_STORED)
_REQUIRED = {
    "chapter",
    "experiment",
    "profile",
    "run_id",
    "config",
    "config_hash",
    "seed",
    "metrics",
}


def save_record(record: RunRecord, root: Path | None = None) -> Path:
    """Write ``record`` atomically (temporary file, then rename) and return its path."""
    check_profile(record.profile)
    return atomic_write_text(record.path(root), record.to_json() + "\n")


def load_record(path: str | Path) -> RunRecord:
    """The record in ``path``; :class:`RecordError` naming the path if it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(f"cannot read the record {path}: {err}") from err
    if not isinstance(data, dict) or not data.keys() >= _REQUIRED:
        missing = sorted(_REQUIRED - data.keys()) if isinstance(data, dict) else "all"
        raise RecordError(f"{path} is not a run record (missing fields: {missing})")
    known = {k: v for k, v in data.items() if k in _STORED}
    unknown = {k: v for k, v in data.items() if k not in _STORED}
    try:
        return RunRecord(**known, unknown=unknown)
    except TypeError as err:
        raise RecordError(f"{path} is not a run record: {err}") from err


def load_records(
    chapter: str,
    experiment: str | None = None,
    profile: str | None = None,
    root: Path | None = None,
) -> list[RunRecord]:
    """All records of a chapter (optionally one experiment and profile), sorted by path.

    A file that is not a readable record is skipped with a :class:`CorruptRecordWarning` naming it.
    """
    base = (root or results_dir()) / chapter
    if experiment:
        base = base / experiment
    if not base.exists():
        return []
    paths = sorted(
        p for p in base.rglob("*.json") if "_checkpoints" not in p.parts and p.name[0] != "."
    )
    records = []
    for p in paths:
        try:
            records.append(load_record(p))
        except RecordError as err:
            warnings.warn(f"skipped: {err}", CorruptRecordWarning, stacklevel=2)
    if profile:
        records = [r for r in records if r.profile == profile]
    return records


def mark_stale(
    records: Iterable[RunRecord], current: dict[str, str], code_hash: str | None = None
) -> list[RunRecord]:
    """Flag each record whose hash differs from ``current[run_id]`` (the code's config hash).

    A record whose run the current code no longer defines is stale as well. With ``code_hash``
    (the hash of today's training code) a record that carries another one is flagged
    ``code_changed``; a record from before code hashes were recorded is not.
    """
    out = []
    for r in records:
        r.stale = current.get(r.run_id) != r.config_hash
        r.code_changed = bool(code_hash and r.code_hash and r.code_hash != code_hash)
        out.append(r)
    return out
