"""Carrying records over a refactor that computes the same numbers.

A record whose code hash differs from today's is shown "code changed" (:mod:`.code`), whatever
the change was. A refactor that leaves every number as it was (a repeat folded into one shared
function, say) should not cost the book its recorded core-hours. Here the claim "same numbers" is
checked, not taken on trust: chosen jobs of the changed experiments are trained twice, once with
the package as it was at a base commit and once with the working tree, each in a fresh process on
one CPU thread with a fresh results folder. Only if every record of the two agrees in every field
that does not describe the machine's clock or the code's version (metrics, curves, configs,
hashes of the configs, searches) do the records stored with the base commit's code hash take
today's. The records keep their commit, so a reader still sees which code trained them.

A check trains a job of any profile, shrunk by config overrides to seconds where the profile's
own job takes hours; what it must exercise is the code that changed, at the sizes that run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from rnnbook.experiments import get_experiments
from rnnbook.experiments.code import (
    PACKAGE_ROOT,
    config_names,
    git_source,
    module_hash,
    train_module,
)
from rnnbook.results import load_records, results_dir, save_record

__all__ = [
    "Check",
    "carry_over",
    "differences",
    "equivalent",
    "hashes_at",
    "train_check",
    "volatile",
]

#: Fields that say when, where or with which code a record was made, not what it computed.
VOLATILE = frozenset({"created", "commit", "code_hash", "device", "torch_version", "seconds"})
#: Endings of the names of measured times and speeds (``eval_time_s``, ``train_steps_per_s``).
TIMED = ("_time_s", "_per_s", "speedup_vs_tanh")


def volatile(key: str) -> bool:
    """Whether a record's field ``key`` is a clock's reading or a version, not a result."""
    return key in VOLATILE or key.endswith(TIMED)


#: Trains one job in a process of its own and prints its records as JSON: run with the package
#: of one version first on ``sys.path``, so it uses only what every version has.
_DRIVER = """
import dataclasses, json, os, sys
import torch
from rnnbook.experiments import get_experiments
from rnnbook.experiments.jobs import RunContext
torch.set_num_threads(1)
name, profile, key, overrides, listed = *sys.argv[1:4], json.loads(sys.argv[4]), sys.argv[5]
(experiment,) = get_experiments(name)
work, os.environ["RNNBOOK_RESULTS"] = os.environ["RNNBOOK_RESULTS"], listed
(job,) = [j for j in experiment.jobs_of(profile) if j.key == key]  # jobs may follow records
os.environ["RNNBOOK_RESULTS"] = work
job = dataclasses.replace(job, config=dataclasses.replace(job.config, **overrides))
context = RunContext(device=torch.device("cpu"), commit="check", progress=False)
records = experiment.train(job, context)
print(json.dumps([json.loads(r.to_json()) for r in records]))
"""


@dataclass(frozen=True)
class Check:
    """One job to train at both versions: ``experiment`` (``chapter.experiment``), its
    ``profile`` and job ``key``, and ``overrides`` of its config that shrink it."""

    experiment: str
    profile: str
    key: str
    overrides: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> Check:
        """``experiment:profile:job`` or ``experiment:profile:job:{json overrides}``."""
        parts = spec.split(":", 3)
        if len(parts) < 3:
            raise ValueError(
                f"check {spec!r}: write experiment:profile:job[:json], e.g. "
                'comparison.grid:smoke:copy-gru:{"updates": 4}'
            )
        overrides = json.loads(parts[3]) if len(parts) == 4 else {}
        if not isinstance(overrides, dict):
            raise ValueError(f"check {spec!r}: the overrides must be a JSON object")
        return cls(parts[0], parts[1], parts[2], overrides)


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if not volatile(k)}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two records (JSON values) differ, leaving out the :func:`volatile` fields."""
    a, b = _comparable(a), _comparable(b)
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only in one" for k in sorted(a.keys() ^ b.keys())]
        for k in sorted(a.keys() & b.keys()):
            out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    same = a == b or (a != a and b != b)  # NaN equals NaN here: a diverged run on both sides
    return [] if same else [f"{where or 'record'}: {a!r} != {b!r}"]


def train_check(src: Path, check: Check, workdir: Path) -> list[dict]:
    """The records of ``check`` trained with the package under ``src`` (``src/rnnbook``), in a
    process of its own whose results folder is under ``workdir``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "RNNBOOK_RESULTS": str(workdir / "results"),
        "RNNBOOK_WORKERS": "1",
        "RNNBOOK_PROGRESS": "0",
        "OMP_NUM_THREADS": "1",
    }
    listed = str(results_dir())  # the jobs are listed from the book's records, as the runner does
    args = [check.experiment, check.profile, check.key, json.dumps(check.overrides), listed]
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{check} failed with the package in {src}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export_src(commit: str, repo: Path, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", commit, "src"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def equivalent(base: str, checks: Sequence[Check], repo: Path | None = None) -> list[str]:
    """Train every check with the package at commit ``base`` and with the working tree; the
    differences found (none: the two versions computed the same records)."""
    repo = repo or PACKAGE_ROOT.parents[1]
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        old_src = _export_src(base, repo, Path(tmp) / "base")
        for i, check in enumerate(checks):
            old = train_check(old_src, check, Path(tmp) / f"old{i}")
            new = train_check(PACKAGE_ROOT.parent, check, Path(tmp) / f"new{i}")
            found += [f"{check.experiment} {check.key}: {d}" for d in differences(old, new)]
    return found


def hashes_at(base: str, names: Sequence[str], repo: Path | None = None) -> dict[str, tuple]:
    """Per experiment (``chapter.experiment``): its code hash at commit ``base`` and today's."""
    source = git_source(base, repo)
    out = {}
    for name in names:
        for e in get_experiments(name):
            also = config_names(e.config_type)
            out[e.id] = (module_hash(train_module(e.train), source, also=also), e.code_hash())
    return out


def carry_over(
    hashes: dict[str, tuple], dry_run: bool = False, root: Path | None = None
) -> Counter:
    """Give today's code hash to every record of the experiments of ``hashes`` stored with the
    base commit's; count what was carried and what was left."""
    counts: Counter = Counter()
    for name, (old, new) in hashes.items():
        (experiment,) = get_experiments(name)
        for record in load_records(experiment.chapter, experiment.name, root=root):
            if not record.code_hash:
                counts["without a code hash (never shown changed), left"] += 1
                continue
            if old == new or record.code_hash != old:
                counts["of other code, left"] += 1
                continue
            counts["carried over"] += 1
            if not dry_run:
                record.code_hash = new
                save_record(record, root)
    return counts
