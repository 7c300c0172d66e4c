"""Recorded runs, paper-vs-ours tables and plots (the last room: it imports no experiment)."""

from rnnbook.results.records import (
    CorruptRecordWarning,
    RecordError,
    RunRecord,
    git_commit,
    load_record,
    load_records,
    mark_stale,
    repo_root,
    results_dir,
    save_record,
)
from rnnbook.results.tables import Table, TableRow, paper_vs_ours, settings_markdown, summarize

__all__ = [
    "CorruptRecordWarning",
    "RecordError",
    "RunRecord",
    "Table",
    "TableRow",
    "git_commit",
    "load_record",
    "load_records",
    "mark_stale",
    "paper_vs_ours",
    "repo_root",
    "results_dir",
    "save_record",
    "settings_markdown",
    "summarize",
]
