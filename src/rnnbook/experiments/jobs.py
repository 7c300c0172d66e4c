"""Jobs and the records they produce: what every chapter's train function works with.

A *job* is one training process: the members of a stacked model (seeds, learning-rate candidates,
settings) trained together. It reports one :class:`~rnnbook.results.records.RunRecord` per run.
A chapter's train function receives the job and a :class:`RunContext` (device, commit, code hash,
progress, time budget), trains and evaluates, and hands the results to :meth:`RunContext.records`,
which assembles every record the same way and removes the job's checkpoints.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnbook.device import describe
from rnnbook.files import atomic_write_text
from rnnbook.profiles import config_dict, config_hash
from rnnbook.results import RecordError, RunRecord, load_record, results_dir

#: The curves that every member shares (one value per evaluation, not one per member).
SHARED_CURVES = ("epoch", "updates", "wall_time_s")
#: The environment variable naming a checkpoint directory shared by the nodes of a cluster.
CHECKPOINTS_ENV = "RNNBOOK_CHECKPOINTS"
#: The key, in a record's ``extra``, of how many members trained together in its job.
MEMBERS_KEY = "members_trained_together"


@dataclass(frozen=True)
class Job:
    """One training process and the runs it reports.

    ``runs`` maps each reported run id to the seed it stands for; every run's hash is the hash of
    the job's config plus that seed.
    """

    chapter: str
    experiment: str
    profile: str
    key: str
    config: Any
    runs: dict[str, int]

    @property
    def id(self) -> str:
        return f"{self.chapter}/{self.experiment}/{self.profile}/{self.key}"

    def run_hash(self, run_id: str) -> str:
        return config_hash({"job": config_dict(self.config), "seed": self.runs[run_id]})

    def record_path(self, run_id: str, root: Path | None = None) -> Path:
        root = root or results_dir()
        return root / self.chapter / self.experiment / self.profile / f"{run_id}.json"

    def checkpoint_path(self, root: Path | None = None) -> Path:
        """The job's checkpoint; other files of the job's state share its stem.

        Checkpoints live under ``$RNNBOOK_CHECKPOINTS`` when set (a directory every node of a
        cluster can reach), else in ``_checkpoints`` beside the job's records.
        """
        shared = os.environ.get(CHECKPOINTS_ENV, "").strip()
        if root is None and shared:
            folder = Path(shared).expanduser() / self.chapter / self.experiment / self.profile
        else:
            folder = (root or results_dir()) / self.chapter / self.experiment / self.profile
            folder = folder / "_checkpoints"
        return folder / f"{self.key}-{config_hash(self.config)}.pt"

    def lock_path(self, root: Path | None = None) -> Path:
        return self.checkpoint_path(root).with_suffix(".lock")

    def state_path(self, suffix: str, root: Path | None = None) -> Path:
        """A file of the job's resumable state beside its checkpoint (``.search.json``)."""
        return self.checkpoint_path(root).with_suffix(suffix)

    def clear_checkpoints(self, root: Path | None = None) -> None:
        """Remove the checkpoint and every state file of this job (never its lock)."""
        ckpt = self.checkpoint_path(root)
        if ckpt.parent.exists():
            for p in ckpt.parent.glob(f"{ckpt.stem}.*"):
                if p.suffix != ".lock":
                    p.unlink(missing_ok=True)

    def record(self, run_id: str, **fields: Any) -> RunRecord:
        """A record of ``run_id`` with the job's config, hash and seed filled in."""
        return RunRecord(
            chapter=self.chapter,
            experiment=self.experiment,
            profile=self.profile,
            run_id=run_id,
            config=config_dict(self.config),
            config_hash=self.run_hash(run_id),
            seed=self.runs[run_id],
            **fields,
        )


def member_curves(
    curves: Mapping[str, list],
    member: int,
    keys: Sequence[str] | None = None,
    scale: Mapping[str, float] | None = None,
) -> dict[str, list]:
    """One member's learning curves: shared curves as they are, the others sliced at ``member``
    (``keys``: which curves, default all; ``scale``: a factor per curve, e.g. 100 for percent)."""
    scale = scale or {}
    out = {}
    for k in keys if keys is not None else list(curves):
        if k in SHARED_CURVES:
            out[k] = list(curves[k])
        else:
            out[k] = [row[member] * scale.get(k, 1) for row in curves[k]]
    return out


@dataclass(frozen=True)
class RunContext:
    """What a train function needs besides its job, built once per run by the runner."""

    device: torch.device
    commit: str
    code_hash: str = ""
    progress: bool | None = None
    time_budget_s: float | None = None
    engine: str = "local"

    def record(
        self,
        job: Job,
        run_id: str,
        *,
        metrics: dict[str, Any],
        curves: dict[str, list] | None = None,
        status: str = "ok",
        message: str = "",
        wall_time_s: float = 0.0,
        members: int = 1,
        extra: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        """One record of ``job`` with this run's device, commit and code hash."""
        return job.record(
            run_id,
            metrics=metrics,
            curves=curves or {},
            status=status,
            message=message,
            device=describe(self.device),
            wall_time_s=wall_time_s,
            commit=self.commit,
            code_hash=self.code_hash,
            extra={MEMBERS_KEY: members, **(extra or {})},
        )

    def records(
        self,
        job: Job,
        result: Any,
        metrics: Sequence[dict[str, Any]],
        *,
        run_ids: Sequence[str] | None = None,
        curves: Sequence[str] | None = None,
        scale: Mapping[str, float] | None = None,
        extra: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        more_curves: Sequence[dict[str, list]] | None = None,
        wall_time_s: float | None = None,
    ) -> list[RunRecord]:
        """One record per member of a trained stacked model (``result``: a ``FitResult``), then
        the job's checkpoints removed.

        ``metrics[i]`` are member i's numbers, ``run_ids[i]`` its run (default: the job's runs in
        order), ``curves`` the learning curves kept (sliced per member), ``extra`` shared or per
        member, ``more_curves[i]`` any curves of member i computed outside the training loop,
        ``wall_time_s`` the job's time when it is more than the training loop's.
        """
        run_ids = list(run_ids or job.runs)
        if len(run_ids) != len(metrics):
            raise ValueError(f"{len(metrics)} members' metrics for {len(run_ids)} runs of {job.id}")
        out = []
        for i, run_id in enumerate(run_ids):
            member_extra = extra[i] if isinstance(extra, Sequence) else (extra or {})
            cur = member_curves(result.curves, i, curves, scale)
            cur.update(more_curves[i] if more_curves else {})
            out.append(
                self.record(
                    job,
                    run_id,
                    metrics=metrics[i],
                    curves=cur,
                    status=result.status[i],
                    message=result.messages[i],
                    wall_time_s=result.wall_time_s if wall_time_s is None else wall_time_s,
                    members=len(run_ids),
                    extra=member_extra,
                )
            )
        job.clear_checkpoints()
        return out


def parse_flag(value: bool | str | int | None, name: str = "rerun") -> bool | None:
    """``True``/``False`` from a bool or a word (``"yes"``, ``"no"``, ``"1"``, ``"0"``, ...),
    ``None`` for ``None``; a clear error for anything else (a papermill parameter is a string)."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on", "y"):
        return True
    if word in ("0", "false", "no", "off", "n", "", "none"):
        return False
    raise ValueError(f"{name}={value!r} is not a yes/no value: use True or False")


def rerun_requested(rerun: bool | str | None = None) -> bool:
    """``rerun`` if given, else the ``RERUN`` environment variable (``RERUN=1 make book``)."""
    flag = parse_flag(rerun)
    if flag is not None:
        return flag
    return bool(parse_flag(os.environ.get("RERUN", "0"), "RERUN"))


def check_time_budget(seconds: float | None) -> float | None:
    """``seconds`` if it is ``None`` or a positive finite number, else a clear error."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"time budget {seconds!r} is not a number of seconds")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"time budget {seconds!r} must be a positive, finite number of seconds")
    return float(seconds)


def cached_records(job: Job, root: Path | None = None) -> list[RunRecord] | None:
    """The job's records if every one exists, is readable and has the current hash, else
    ``None`` (a corrupt file counts as missing: the job trains again and overwrites it)."""
    records = []
    for run_id in job.runs:
        path = job.record_path(run_id, root)
        if not path.exists():
            return None
        try:
            record = load_record(path)
        except RecordError:
            return None
        if record.config_hash != job.run_hash(run_id):
            return None
        records.append(record)
    return records


def select_jobs(jobs: Sequence[Job], only: Sequence[str] | None) -> list[Job]:
    """The jobs whose key is in ``only`` (all of them without ``only``); an error naming the keys
    there are when one of ``only`` matches none."""
    if not only:
        return list(jobs)
    keys = [j.key for j in jobs]
    unknown = [k for k in only if k not in keys]
    if unknown:
        raise ValueError(f"no job named {', '.join(unknown)}: the jobs are {', '.join(keys)}")
    return [j for j in jobs if j.key in only]


@contextlib.contextmanager
def single_threaded_on_cpu(device: torch.device | str | None = None):
    """One intra-op thread while training on the CPU in this process, as in the worker processes
    (``device``: the device trained on; default, the CPU unless CUDA is available).

    Small recurrent models are bound by per-step overhead: extra threads only add contention
    (on a busy machine a step of Pascanu's 50-unit networks takes 30 times longer on two), and
    one thread makes in-process and worker runs compute in the same order.
    """
    before = torch.get_num_threads()
    on_cpu = not torch.cuda.is_available() if device is None else torch.device(device).type == "cpu"
    if on_cpu:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def save_state(job: Job, suffix: str, text: str) -> Path:
    """Write a resumable state file of ``job`` (JSON text) atomically."""
    return atomic_write_text(job.state_path(suffix), text)


def computed_once(job: Job, suffix: str, compute: Callable[[], dict | None]) -> dict | None:
    """``compute()``, once per job: its result is saved as the job's state file ``suffix`` (JSON)
    and read back when the job resumes; ``None`` (paused) is not saved."""
    done = job.state_path(suffix)
    if done.exists():
        return json.loads(done.read_text())
    out = compute()
    if out is not None:
        save_state(job, suffix, json.dumps(out))
    return out


def log_uniform(n: int, low: float, high: float, seed: int) -> tuple[float, ...]:
    """``n`` learning rates ``exp(u)``, ``u ~ U(low, high)``, sorted, from a fixed seed."""
    rng = np.random.default_rng(seed)
    return tuple(float(np.exp(u)) for u in np.sort(rng.uniform(low, high, size=n)))


TrainFunction = Callable[[Job, RunContext], "list[RunRecord] | None"]
