"""Bring records trained elsewhere (a GPU machine's ``$OUT``, another checkout, a cluster's
shared folder) into ``results/``, each checked before it lands.

A record lands when it is readable and its job is defined today with its config hash. Where
``results/`` already holds that run, the incoming record replaces it only if the record there is
stale, or trained by other code than today's while the incoming one was trained by today's, or
when asked (``replace``); an identical record changes nothing. Everything else is left where it
is and reported: stale records, records of unknown experiments, unreadable files, and
conflicts (two current records of one run that differ)::

    python -m rnnbook merge /path/to/other/results [--dry-run] [--replace]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rnnbook.experiments import get_experiments
from rnnbook.results import RecordError, RunRecord, load_record, save_record

__all__ = ["MergeReport", "merge_records"]


@dataclass
class MergeReport:
    """What :func:`merge_records` did (or would do), each entry a record's ``chapter/experiment/
    profile/run`` or a file's path with the reason."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{len(v)} {k}" for k, v in vars(self).items())
        lines = [counts]
        lines += [f"conflict (kept ours; --replace takes theirs): {c}" for c in self.conflicts]
        lines += [f"skipped: {s}" for s in self.skipped]
        return "\n".join(lines)


def _today(record: RunRecord) -> tuple[dict[str, str], str] | None:
    """Today's config hash of each run of the record's experiment and profile, and the
    experiment's code hash; ``None`` for an experiment or profile that does not exist."""
    try:  # an unknown experiment or profile
        (experiment,) = get_experiments(f"{record.chapter}.{record.experiment}")
        jobs = experiment.jobs_of(record.profile)
    except ValueError:
        return None
    return {rid: j.run_hash(rid) for j in jobs for rid in j.runs}, experiment.code_hash()


def _verdict(incoming: RunRecord, target: Path, code_hash: str, replace: bool) -> str:
    if not target.exists():
        return "added"
    try:
        ours = load_record(target)
    except RecordError:
        return "replaced"
    if ours.to_json() == incoming.to_json():
        return "same"
    if ours.config_hash != incoming.config_hash or replace:
        return "replaced"  # ours is stale (incoming is checked current), or asked to
    if ours.code_hash != code_hash and incoming.code_hash == code_hash:
        return "replaced"  # a retrain with today's code
    return "conflicts"


def merge_records(
    source: Path, root: Path | None = None, *, replace: bool = False, dry_run: bool = False
) -> MergeReport:
    """Merge every record under ``source`` (laid out as ``results/``; checkpoints ignored) into
    ``root`` (default ``results/``) by the rules of this module."""
    source = Path(source)
    if not source.is_dir():
        raise ValueError(f"{source} is not a folder of records: give the results/ folder to merge")
    report, cache = MergeReport(), {}
    for path in sorted(source.rglob("*.json")):
        if "_checkpoints" in path.relative_to(source).parts:
            continue
        try:
            record = load_record(path)
        except RecordError as err:
            report.skipped.append(f"{path} ({err})")
            continue
        name = f"{record.chapter}/{record.experiment}/{record.profile}/{record.run_id}"
        key = (record.chapter, record.experiment, record.profile)
        if key not in cache:
            cache[key] = _today(record)
        if cache[key] is None:
            what = f"{record.chapter}.{record.experiment} at {record.profile}"
            report.skipped.append(f"{name} (no experiment {what})")
            continue
        hashes, code_hash = cache[key]
        if hashes.get(record.run_id) != record.config_hash:
            report.skipped.append(f"{name} (stale: its job is not defined with this config)")
            continue
        verdict = _verdict(record, record.path(root), code_hash, replace)
        getattr(report, verdict).append(name)
        if verdict in ("added", "replaced") and not dry_run:
            save_record(record, root)
    return report
