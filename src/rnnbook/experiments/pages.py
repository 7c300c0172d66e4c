"""The book's generated pages: each chapter's results section (verdicts, tables in the paper's
layout, computed findings), the verdict overview of the introduction and the table of recorded
runs, all written from ``results/`` and included by the hand-written pages of ``book/``.

``python -m rnnbook pages`` writes them (``make book`` does so before building); nothing here
trains or executes a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rnnbook.experiments import CHAPTERS, all_experiments
from rnnbook.experiments.plan import job_progress
from rnnbook.experiments.runner import records_read_once
from rnnbook.files import atomic_write_text
from rnnbook.profiles import PROFILES
from rnnbook.results.tables import core_hours
from rnnbook.results.verdicts import tally

#: Where the hand-written pages find the generated ones (``{include} generated/<name>.md``).
GENERATED = Path("book") / "generated"

#: chapter -> (the paper's citation key, the question the chapter asks of it)
PAPERS = {
    "pascanu2013": (
        "pascanu2013difficulty",
        "Why do RNN gradients explode or vanish, and do clipping and a regulariser fix it?",
    ),
    "chung2014": (
        "chung2014empirical",
        "Do gated units (GRU, LSTM) beat tanh units on polyphonic music?",
    ),
    "jozefowicz2015": (
        "jozefowicz2015empirical",
        "Which parts of the LSTM matter, and are there better architectures?",
    ),
    "lipton2015": ("lipton2015critical", "The review's central claims, made executable"),
    "orvieto2023": (
        "orvieto2023resurrecting",
        "Can a linear recurrence match state-space models on long sequences?",
    ),
    "comparison": (None, "Which recurrence, for what? Every cell on every task, one budget"),
}


def verdict_overview() -> str:
    """The introduction's table: per chapter, its paper, its question and the tally of its
    computed verdicts, linked to the chapter's verdict box."""
    lines = ["| chapter | paper | question | verdicts of its claims |", "|---|---|---|---|"]
    for chapter, (key, question) in PAPERS.items():
        claims = CHAPTERS[chapter].chapter_claims()
        paper = f"{{cite:t}}`{key}`" if key else "the five above"
        lines.append(
            f"| {{ref}}`{chapter}` | {paper} | {question} | "
            f"{{ref}}`{tally(claims)} <{chapter}-verdicts>` |"
        )
    return "\n".join(lines) + "\n"


def runs_overview() -> str:
    """Chapter x profile: jobs recorded of those configured, runs recorded (failed, stale, code
    changed), core time spent and still to go (estimated from the recorded jobs), devices and
    commits. A profile configured but not yet run has a row."""
    lines = [
        "| chapter | profile | jobs recorded | runs (failed, stale, code changed) | core-hours "
        "| core-hours to go (estimate) | devices | commits |",
        "|---|---|---|---|---|---|---|---|",
    ]
    jobs: dict[tuple[str, str], list] = {}  # (chapter, profile) -> [(experiment, job)]
    records: dict[tuple[str, str], list] = {}
    for e in all_experiments():
        for p in PROFILES:
            for j in e.jobs_of(p):
                jobs.setdefault((e.chapter, p), []).append((e.name, j))
        for r in e.recorded():
            records.setdefault((e.chapter, r.profile), []).append(r)
    keys = sorted(jobs.keys() | records.keys(), key=lambda k: (k[0], PROFILES.index(k[1])))
    for chapter, profile in keys:
        if profile == "smoke":
            continue
        runs = records.get((chapter, profile), [])
        configured = jobs.get((chapter, profile), [])
        progress = job_progress(configured, runs)
        failed = sum(r.status != "ok" for r in runs)
        stale = sum(r.stale for r in runs)
        changed = sum(r.code_changed for r in runs)
        devices = ", ".join(sorted({r.device for r in runs if r.device})) or "-"
        commits = len({r.commit for r in runs})
        lines.append(
            f"| {chapter} | `{profile}` | {progress.done} of {len(configured)} | "
            f"{len(runs)} ({failed}, {stale}, {changed}) | {core_hours(runs):.1f} | "
            f"{progress.to_go()} | {devices} | {commits} |"
        )
    return "\n".join(lines) + "\n"


def code_changed_note(records: Sequence) -> str:
    """A note naming the experiments and profiles of ``records`` (one chapter's) that hold
    current records trained by other code than today's; empty when there are none."""
    groups: dict[tuple[str, str], int] = {}
    for r in records:
        if r.code_changed and not r.stale and r.profile != "smoke":
            groups[(r.experiment, r.profile)] = groups.get((r.experiment, r.profile), 0) + 1
    if not groups:
        return ""
    listed = ", ".join(
        f"`{e}` at `{p}` ({n} run{'s' if n > 1 else ''})" for (e, p), n in sorted(groups.items())
    )
    return (
        "\n:::{note}\nSome runs here were trained by other code than today's and are marked "
        f"**code changed** in the tables: {listed}. Their numbers count in the verdicts until "
        "they are trained again; {ref}`records-and-reuse` says what the mark means.\n:::\n"
    )


def _chapter_page(chapter: str) -> str:
    records = [r for e in all_experiments() if e.chapter == chapter for r in e.recorded()]
    return CHAPTERS[chapter].chapter_results() + code_changed_note(records)


def pages() -> dict[str, str]:
    """Every generated page, by file name (each experiment's records read once)."""
    with records_read_once():
        out = {f"{c}.md": _chapter_page(c) for c in PAPERS}
        out["verdicts.md"] = verdict_overview()
        out["runs.md"] = runs_overview()
    return out


def write_pages(root: Path) -> list[Path]:
    """Write every generated page under ``root / GENERATED``; return their paths."""
    folder = root / GENERATED
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in pages().items():
        paths.append(folder / name)
        atomic_write_text(paths[-1], text)
    return paths
